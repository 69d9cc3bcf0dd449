"""One answer to "whose module is it?" (standard library, installed, the program's own) and one
module-name pattern rule, whichever report, filter, rule or helper asks."""

from __future__ import annotations

import fnmatch
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import importtrace
from importtrace.filters._filters import filter_trace
from importtrace.filters._kinds import OWN, STDLIB, ModuleKinds, in_stdlib
from importtrace.integrations import _fresh
from importtrace.trace import _glob
from importtrace.trace._event import Event
from importtrace.trace._trace import Trace

from .conftest import Project

SHADOWS = {
    "main_app.py": "",
    "random.py": "import colorsys\nSHADOW = True\n",  # a local random.py and colorsys.py, in a cycle
    "colorsys.py": "import random\n",
}


def test_a_local_random_py_is_the_programs_own_for_every_question(project: Project) -> None:
    """The project is not the working directory (as when a test or a tool runs it from elsewhere):
    the trace's record of the standard library's directory tells the shadowing files apart."""
    project.write(SHADOWS)
    for name in ("random", "colorsys"):
        sys.modules.pop(name, None)
    with importtrace.trace() as t:
        importlib.import_module("main_app")
        importlib.import_module("random")  # after main_app: what fresh_import("main_app") takes out with it
    trace = t.trace
    assert trace.first_load("random").origin == str(project.root / "random.py")  # type: ignore[union-attr]
    kinds = ModuleKinds(trace)
    assert kinds.kind("random") == kinds.kind("colorsys") == OWN and kinds.kind("sys") == STDLIB
    assert "random" in filter_trace(trace, hide_stdlib=True).loaded()  # --hide-stdlib keeps it
    with pytest.raises(AssertionError, match="circular import: colorsys imported random"):
        importtrace.assert_no_cycles(trace)  # the program's own cycle, not the standard library's
    assert "random" in _fresh.plan("main_app")  # fresh_import takes it out with the program's modules


def test_hide_stdlib_keeps_a_shadowing_file_wherever_the_program_ran_from(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    for rel, text in SHADOWS.items():
        (app / rel).write_text(text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cmd = [sys.executable, "-m", "importtrace", "--hide-stdlib", "--format", "tree", str(app / "main_app.py")]
    (app / "main_app.py").write_text("import random\n")
    out = subprocess.run(cmd, cwd=elsewhere, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "random" in out.stderr + out.stdout and "colorsys" in out.stderr + out.stdout


def test_the_recorded_stdlib_directory_decides() -> None:
    std = "/opt/py/lib/python3.12"
    assert in_stdlib("json.decoder", std + "/json/decoder.py", std)
    assert in_stdlib("_sysconfigdata__linux", std + "/_sysconfigdata__linux.py", std)
    assert in_stdlib("_ssl", std + "/lib-dynload/_ssl.cpython-312.so", std)
    assert in_stdlib("_ssl", "C:\\Python312\\DLLs\\_ssl.pyd", "C:\\Python312\\Lib")
    assert in_stdlib("os", "frozen", std) and in_stdlib("sys", "built-in", std) and in_stdlib("os.path", None, std)
    assert not in_stdlib("random", "/home/me/random.py", std)
    assert not in_stdlib("typing", std + "/site-packages/typing.py", std)
    assert not in_stdlib("requests", "/venv/lib/python3.12/site-packages/requests/__init__.py", std)


# --- one pattern rule ---------------------------------------------------------------------------------

NAMES = ["json", "json.decoder", "jsonschema", "app", "app.cli", "heavy.core", "x.json", "a[", "]x"]
PATTERNS = ["json", "json.*", "js*", "app", "*.core", "h?avy*", "[ab]*", "[!h]*", "a[", "[]x]*", "*"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_trace_queries_the_filters_and_the_assertions_match_the_same_names(pattern: str) -> None:
    trace = Trace([Event(id=i, kind="load", name=n, start=i, thread=1) for i, n in enumerate(NAMES, 1)], {})
    queried = trace.loaded(pattern)
    filtered = [e.name for e in filter_trace(trace, include=[pattern])]
    refused = []
    for n in NAMES:
        try:
            importtrace.assert_not_loaded(Trace([e for e in trace if e.name == n], {}), pattern)
        except AssertionError:
            refused.append(n)
    assert queried == filtered == refused == [n for n in NAMES if _glob.matches(n, pattern)]
    if pattern == "json":
        assert queried == ["json", "json.decoder"]  # a plain name also matches its submodules


@pytest.mark.parametrize(
    "pattern",
    ["a*", "*", "*.core", "heavy.*", "h?avy*", "[ab]*", "[!h]*", "[a-c]pp*", "[]x]*", "[!]x]", "a[", "*a*e*", "**e"],
)
def test_glob_agrees_with_fnmatch(pattern: str) -> None:
    names = ["app", "app.cli", "heavy", "heavy.core", "b", "]x", "x", "cpp", "bpp.z", "a[", "aXeYe", "e"]
    assert [_glob.fnmatchcase(n, pattern) for n in names] == [fnmatch.fnmatchcase(n, pattern) for n in names]
