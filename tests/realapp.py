"""A real multi-package program for the tests of the reports people read on real applications.

``mycli`` is the program's own code (run as ``python -m mycli --version``), with a circular import of
its own, an ``importlib.import_module`` import and a failed optional import.  It uses three
installed-style packages in a ``site-packages`` directory: ``bigdep`` (many modules, a circular import,
an alias it puts in sys.modules, and ``subdep`` inside it), ``netlib`` (a circular import and a failed
optional import), and ``subdep``.  Nothing is mocked: the tests run it under ``python -m importtrace``.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

BIG = 50  # bigdep's extra modules: enough events for the summary to be the default

OWN = ["__main__", "mycli", "mycli.config", "mycli.util", "mycli.cli", "mycli.plugins", "mycli.report"]
THIRD_PARTY = [
    "netlib",
    "netlib.proto",
    "netlib.wire",
    "bigdep",
    "bigdep.core",
    "bigdep.util",
    *("bigdep.m%d" % i for i in range(BIG)),
    "subdep",
    "subdep.deep",
]


def files() -> dict[str, str]:
    """Relative path -> text, for the app directory and its site-packages."""
    app = {
        "app/mycli/__init__.py": "from mycli import config\n",
        "app/mycli/config.py": "from mycli import util\nSETTINGS = {'colour': True}\n",
        "app/mycli/util.py": "from mycli import config  # config is still initialising: a cycle\n",
        "app/mycli/__main__.py": "from mycli.cli import main\n\nmain()\n",
        "app/mycli/cli.py": (
            "import importlib\nimport sys\n\nimport netlib\n\nimportlib.import_module('mycli.plugins')\n"
            "from mycli import report\n\n\ndef main():\n    if '--version' in sys.argv:\n"
            "        print('mycli 1.0')\n"
        ),
        "app/mycli/plugins.py": "try:\n    import yaml_not_installed\nexcept ImportError:\n    pass\n",
        "app/mycli/report.py": "import json\n\nimport bigdep\n",
    }
    site = {
        "site-packages/netlib/__init__.py": "from netlib import proto\n",
        "site-packages/netlib/proto.py": (
            "import netlib.wire\n\ntry:\n    import brotli_not_installed\nexcept ImportError:\n    pass\nFRAME = 1\n"
        ),
        "site-packages/netlib/wire.py": "from netlib import proto  # proto is still initialising: a cycle\n",
        "site-packages/bigdep/__init__.py": (
            "import sys\n\nfrom bigdep import core\n\nsys.modules['bigdep.compat'] = core  # an alias\n"
        ),
        "site-packages/bigdep/core.py": "".join("import bigdep.m%d\n" % i for i in range(BIG))
        + "import bigdep.util\nimport subdep\nVALUE = 1\n",
        "site-packages/bigdep/util.py": "from bigdep import core  # core is still initialising: a cycle\n",
        "site-packages/subdep/__init__.py": "import subdep.deep\n",
        "site-packages/subdep/deep.py": "import decimal\n",
    }
    for i in range(BIG):
        site["site-packages/bigdep/m%d.py" % i] = "import os\nimport bigdep\n"
    return {**app, **site}


def build(root: Path) -> Path:
    """Write the program under root; return the app directory (run it from there)."""
    for rel, text in files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "app"


def env(root: Path, **extra: str) -> dict[str, str]:
    """The environment to run the program in: its site-packages on the path, colour off."""
    here = os.environ.copy()
    path = [str(root / "site-packages"), *([here["PYTHONPATH"]] if here.get("PYTHONPATH") else [])]
    here["PYTHONPATH"] = os.pathsep.join(path)
    here.pop("NO_COLOR", None)
    here.pop("FORCE_COLOR", None)
    here.update(extra)
    return here
