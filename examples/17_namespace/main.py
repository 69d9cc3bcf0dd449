"""A folder without __init__.py is a namespace package: several folders of the same name, anywhere on
sys.path, make up one package, and no code runs for it."""

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path[1:1] = [str(HERE / "core"), str(HERE / "extra")]  # two places that both have plugins/

import plugins.audio  # noqa: E402  in core/plugins/
import plugins.video  # noqa: E402  in extra/plugins/: the same package

print("plugins.__path__:", [str(pathlib.Path(p).relative_to(HERE)) for p in plugins.__path__])
print(plugins.audio.NAME, "and", plugins.video.NAME)
