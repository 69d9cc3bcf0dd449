"""The IPython extension, driven through IPython's own machinery: an InteractiveShell runs cells that
load the extension and use %importtrace / %%importtrace; capture_output collects what they show
(the text/plain and text/html of the report, the cell's own output and tracebacks)."""

from __future__ import annotations

import atexit
import builtins
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# IPython is imported and its shell made while this module is collected, before the autouse fixture
# takes its snapshot of sys.modules: IPython's modules then stay loaded between tests.  The shell puts
# its own __main__ in sys.modules and adds names to builtins; both are put back at once.
_saved_main = sys.modules["__main__"]
_saved_builtins = set(vars(builtins))
if "IPYTHONDIR" not in os.environ:  # IPython's profile and history files go to a throw-away folder
    os.environ["IPYTHONDIR"] = tempfile.mkdtemp(prefix="importtrace-ipython-")
    atexit.register(shutil.rmtree, os.environ["IPYTHONDIR"], True)

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402
from traitlets.config import Config  # noqa: E402

import importtrace  # noqa: E402
from importtrace.integrations import _ipython  # noqa: E402

from .conftest import Project  # noqa: E402


def _make_shell() -> Any:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("%load_ext importtrace", store_history=False)
    with capture_output():  # warm up: the display machinery imports what it needs the first time
        shell.run_cell("%importtrace --explain import json\n", store_history=False)
        shell.run_cell("%importtrace -f html import json\n", store_history=False)
        shell.run_cell("%importtrace import not_a_module_anywhere_zz\n", store_history=False)
    return shell


SHELL = _make_shell()
sys.modules["__main__"] = _saved_main
for _name in set(vars(builtins)) - _saved_builtins:
    delattr(builtins, _name)


@pytest.fixture
def shell() -> Iterator[Any]:
    """The shell, with the extension loaded; IPython's builtins only while the test runs."""
    if "importtrace" not in SHELL.magics_manager.magics["cell"]:
        SHELL.run_cell("%load_ext importtrace", store_history=False)
    SHELL.builtin_trap.activate()
    try:
        yield SHELL
    finally:
        SHELL.builtin_trap.deactivate()


def run(shell: Any, cell: str) -> tuple[Any, Any]:
    """Run a cell; its result and what it printed and displayed."""
    with capture_output() as io:
        result = shell.run_cell(cell, store_history=False)
    return result, io


def report(io: Any) -> dict[str, str]:
    """The one importtrace report the cell displayed: its mimebundle."""
    bundles = [o.data for o in io.outputs if "importtrace" in o.data.get("text/plain", "")]
    assert len(bundles) == 1, [o.data for o in io.outputs]
    return dict(bundles[0])


# --- the magics --------------------------------------------------------------------------------------


def test_cell_magic_shows_the_cells_fresh_imports_as_loads(shell: Any, project: Project) -> None:
    project.write({"nb_fresh.py": "X = 41\n", "nb_other.py": "import nb_fresh\n"})
    result, io = run(shell, "%%importtrace\nimport nb_other\nimport json\nnb_other.nb_fresh.X + 1\n")
    assert result.error_in_exec is None, io.stderr
    bundle = report(io)
    text = bundle["text/plain"]
    assert "load    nb_other" in text and "load      nb_fresh" in text
    assert "hit     json" in text and "load    json" not in text  # IPython had imported json: a cache hit
    assert "by __main__ at " in text  # the cell's code runs as __main__
    assert result.result == 42  # the cell's last expression is its value, as without the magic
    assert shell.user_ns["nb_other"].nb_fresh.X == 41  # and its names are the user's


def test_the_report_is_html_in_jupyter_and_text_in_a_terminal(shell: Any, project: Project) -> None:
    project.write({"nb_html.py": "X = '<b>&'\n"})
    _, io = run(shell, "%%importtrace --explain\nimport nb_html\nimport nb_html\n")
    bundle = report(io)
    html = bundle["text/html"]
    assert html.startswith('<pre class="importtrace"') and html.endswith("</pre>")
    assert "load    nb_html" in html and "ran nb_html.py" in html
    assert "hit     nb_html  import nb_html by __main__ at In [" in html
    assert "<ipython" not in html and "ipython-input-" not in html
    text = bundle["text/plain"]
    assert text.startswith("importtrace timeline:") and "\x1b" not in text
    assert "ran nb_html.py" in text


def test_a_terminal_prints_the_text(shell: Any, project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """IPython's plain shell publishes text/plain to stdout, as a terminal does."""
    project.write({"nb_term.py": ""})
    shell.run_cell("%importtrace import nb_term", store_history=False)
    out = capsys.readouterr().out
    assert "importtrace timeline:" in out and "load    nb_term" in out and "<pre" not in out


def test_options_are_the_command_lines(shell: Any, project: Project) -> None:
    project.write({"nb_opt.py": "import json\n"})
    _, io = run(shell, "%importtrace --kind load --explain import nb_opt")
    text = report(io)["text/plain"]
    assert "load    nb_opt" in text and "search" not in text.split("\n", 2)[2].split("--")[0]
    assert "- ran nb_opt.py (" in text or "- first import:" in text
    project.write({"nb_tree.py": ""})
    _, io = run(shell, "%importtrace -f tree import nb_tree")
    assert report(io)["text/plain"].startswith("importtrace tree:")


def test_html_format_is_a_sandboxed_frame(shell: Any, project: Project) -> None:
    project.write({"nb_page.py": ""})
    _, io = run(shell, "%importtrace -f html import nb_page")
    bundle = report(io)
    assert bundle["text/html"].startswith('<iframe sandbox="allow-scripts"')
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in bundle["text/html"]
    assert "Jupyter shows it here, or write it to a file with -o FILE" in bundle["text/plain"]


def test_a_failing_import_shows_its_traceback_and_the_trace(shell: Any) -> None:
    _result, io = run(shell, "%importtrace --explain import nb_not_installed_anywhere")
    assert "ModuleNotFoundError" in io.stdout + io.stderr
    assert "_ipython.py" not in io.stdout + io.stderr  # the traceback starts at the cell, not in importtrace
    text = report(io)["text/plain"]
    assert "search  nb_not_installed_anywhere  NOT FOUND" in text
    assert "- not found: nb_not_installed_anywhere is not built in or frozen" in text


def test_output_to_a_file_and_why(shell: Any, project: Project, tmp_path: Path) -> None:
    project.write({"nb_file.py": "import nb_dep\n", "nb_dep.py": ""})
    target = tmp_path / "report.txt"
    _, io = run(shell, f"%importtrace -o {target} --why nb_dep import nb_file")
    assert not [o for o in io.outputs if "importtrace" in o.data.get("text/plain", "")]
    assert "wrote the report to" in io.stdout
    written = target.read_text()
    assert "load      nb_dep" in written
    assert "nb_dep was first loaded by this chain of imports" in written


def test_bad_options_are_a_one_line_usage_error(shell: Any, project: Project) -> None:
    project.write({"nb_never.py": "raise RuntimeError('must not run')\n"})
    _result, io = run(shell, "%importtrace --bogus import nb_never")
    assert "unrecognized arguments: --bogus" in io.stdout + io.stderr
    assert "nb_never" not in sys.modules
    _, io = run(shell, "%importtrace")
    assert "nothing to trace" in io.stdout + io.stderr
    _, io = run(shell, "%importtrace -f nonsense import json")
    assert "unknown format 'nonsense'" in io.stdout + io.stderr


def test_imports_ipython_makes_are_left_out_unless_all() -> None:
    trace = importtrace.Trace(
        [
            importtrace.Event(id=1, kind="hit", name="json", start=0, duration=1, thread=1, importer="__main__"),
            importtrace.Event(
                id=2, kind="load", name="pygments.lexer", start=1, duration=3, thread=1, importer="IPython.core.ultratb"
            ),
            importtrace.Event(
                id=3, kind="hit", name="re", start=2, duration=1, thread=1, parent=2, importer="pygments"
            ),
            importtrace.Event(id=4, kind="hit", name="os", start=5, duration=1, thread=1, importer="mylib"),
        ]
    )
    assert [e.id for e in _ipython.cell_only(trace)] == [1, 4]


def test_line_magic_splits_options_from_the_statement() -> None:
    assert _ipython.split_line("--explain --include 'a*' import a, b", None) == (
        ["--explain", "--include", "a*"],
        "import a, b",
    )
    assert _ipython.split_line("-f tree -- -x", None) == (["-f", "tree"], "-x")
    assert _ipython.split_line("--kind=load import x", None) == (["--kind=load"], "import x")
    assert _ipython.split_line("--explain", "import x\n") == (["--explain"], "import x\n")


def test_unload_removes_the_magics(shell: Any) -> None:
    shell.run_cell("%unload_ext importtrace", store_history=False)
    assert "importtrace" not in shell.magics_manager.magics["line"]
    assert "importtrace" not in shell.magics_manager.magics["cell"]
    shell.run_cell("%load_ext importtrace", store_history=False)
    assert "importtrace" in shell.magics_manager.magics["cell"]


# --- importing importtrace stays light -----------------------------------------------------------------


def test_importing_importtrace_does_not_import_ipython() -> None:
    code = (
        "import sys, importtrace; "
        "print('IPython' in sys.modules, 'importtrace.integrations._ipython' in sys.modules, "
        "'importtrace.renderers.explain' in sys.modules, callable(importtrace.load_ipython_extension), "
        "'load_ipython_extension' in importtrace.__all__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False", "False", "True", "False"], out.stderr


def test_places_in_a_cell_read_as_ipython_prints_them(shell: Any, project: Project) -> None:
    project.write({"nb_place.py": ""})
    shell.execution_count = 7
    _, io = run(shell, "%%importtrace --format story\nx = 1\nimport nb_place\n")
    text = report(io)["text/plain"]
    assert "In [7], line 2: import nb_place" in text
    assert "ipython-input" not in text and "ipykernel" not in text


def test_the_sys_path_list_and_a_concept_are_explained_once_per_session(shell: Any, project: Project) -> None:
    project.write({"nb_once_a.py": "", "nb_once_b.py": ""})
    _ipython.EXPLAINED.clear()
    first = report(run(shell, "%%importtrace --explain\nimport nb_once_a\n")[1])["text/plain"]
    second = report(run(shell, "%%importtrace --explain\nimport nb_once_b\n")[1])["text/plain"]
    assert "sys.path: where Python looks for a top-level module" in first
    assert "Python made a new module object, added it to sys.modules" in first
    assert "sys.path: where Python looks" not in second  # the same sys.path: listed once per session
    assert "ran nb_once_b.py (" in second and "Python made a new module object" not in second
