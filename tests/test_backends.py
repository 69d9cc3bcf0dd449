"""The compiled hooks: the same behaviour as the pure-Python ones, and no frames in tracebacks."""

from __future__ import annotations

import builtins
import importlib
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

import importtrace
from importtrace import record

from .conftest import Project

needs_speedups = pytest.mark.skipif(not record.compiled, reason="compiled hooks not built or disabled")


def interface() -> set[str]:
    """The methods and properties of record/_backend.pyi's Backend, the interface both hooks have."""
    import ast

    stub = Path(record.__file__).parent / "_backend.pyi"
    tree = ast.parse(stub.read_text())
    backend = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Backend")
    return {n.name for n in backend.body if isinstance(n, ast.FunctionDef)}


def test_both_hook_implementations_have_the_declared_interface() -> None:
    from importtrace.record._pybackend import PyRecorder

    declared = interface()
    assert len(declared) >= 30
    assert sorted(n for n in declared if not hasattr(PyRecorder, n)) == []
    if record.compiled or importlib.util.find_spec("importtrace.record._crecord") is not None:
        from importtrace.record._crecord import Recorder

        assert sorted(n for n in declared if not hasattr(Recorder, n)) == []
    public = {n for n in vars(PyRecorder) if not n.startswith("_")} - {"name", "finder_type"}
    assert sorted(public - declared) == []  # a new method is declared for both


@needs_speedups
def test_compiled_hooks_are_installed_while_tracing() -> None:
    with importtrace.trace():
        assert type(builtins.__import__).__module__ == "importtrace.record._crecord"
        assert type(importlib.import_module).__module__ == "importtrace.record._crecord"
        assert builtins.__import__.__wrapped__ is builtins.__dict__["__import__"].orig  # type: ignore[attr-defined]


@needs_speedups
def test_failing_import_traceback_has_no_importtrace_frame(project: Project) -> None:
    project.write({"fails_here.py": "def f():\n    raise KeyError('k')\nf()\n"})
    with importtrace.trace():
        try:
            import fails_here  # noqa: F401
        except KeyError as exc:
            frames = traceback.extract_tb(exc.__traceback__)
    files = [f.filename for f in frames]
    assert files == [__file__, str(project.root / "fails_here.py"), str(project.root / "fails_here.py")]


@needs_speedups
def test_import_module_keeps_the_functions_attributes() -> None:
    original = importlib.import_module

    def bound_call_error(function: object) -> str:
        holder = type("Holder", (), {"imp": function})()
        try:
            holder.imp("os")  # type: ignore[attr-defined]
        except Exception as exc:  # a plain function binds self: import_module(holder, "os") fails
            return "%s: %s" % (type(exc).__name__, exc)
        return "no error"

    untraced = bound_call_error(original)
    with importtrace.trace():
        hook = importlib.import_module
        assert hook.__code__ is original.__code__  # what test_import's PycRewritingTests read
        assert hook.__name__ == "import_module" and hook.__wrapped__ is original  # type: ignore[attr-defined]
        assert bound_call_error(hook) == untraced != "no error"


def test_keyword_calls_and_counting_match_the_pure_hooks(project: Project) -> None:
    project.write({"kw_mod.py": "X = 1\n"})
    import kw_mod  # noqa: F401

    with importtrace.trace() as t:
        for _ in range(3):
            __import__(name="kw_mod", fromlist=["X"])
        for _ in range(4):
            importlib.import_module(name="kw_mod")
    hits = [(e.via, e.count) for e in t.events if e.kind == "hit"]
    assert hits == [("__import__", 3), ("import_module", 4)]


def test_relative_import_without_globals_fails_as_untraced() -> None:
    with pytest.raises(KeyError):
        __import__("sys", level=1)
    with importtrace.trace():
        with pytest.raises(KeyError):
            __import__("sys", level=1)


def test_hot_loop_stays_one_record() -> None:
    def work() -> None:
        import os  # noqa: F401

    with importtrace.trace() as t:
        for _ in range(100_000):
            work()
    hits = [e for e in t.events if e.kind == "hit"]
    assert [(e.name, e.count) for e in hits] == [("os", 100_000)]


SCENARIOS = Path(__file__).with_name("scenarios.py")


@needs_speedups
@pytest.mark.parametrize("explain", [False, True], ids=["plain", "explain"])
def test_both_hook_implementations_keep_the_same_records(tmp_path: Path, explain: bool) -> None:
    """Every recorder scenario (tests/scenarios.py: packages, namespace packages, zip files, failures,
    cycles, every way of importing, sys.modules oddities, reloads, LazyLoader, probes, exec loops, an
    extension importing from C, legacy loaders, nested traces) gives the very same raw records, ids and
    fake-clock times included, with the compiled hooks as with the pure-Python ones."""
    outputs = []
    for pure in ("", "1"):
        env = dict(os.environ, IMPORTTRACE_PURE=pure)
        args = [sys.executable, str(SCENARIOS), str(tmp_path / "scenario"), *(["explain"] if explain else [])]
        done = subprocess.run(args, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    compiled, python = outputs
    assert {r["hooks"] for r in compiled.values()} == {"compiled"}
    assert {r["hooks"] for r in python.values()} == {"python"}
    assert sorted(compiled) == sorted(python)
    for name in compiled:
        assert compiled[name]["records"] == python[name]["records"], name
        assert compiled[name]["notes"] == python[name]["notes"], name
    assert sum(len(r["records"]) for r in compiled.values()) > 100  # the scenarios really recorded


#: A program that prints the tracebacks of failed imports itself, every way a program can ask.
PRINTS_TRACEBACKS = r"""
import importlib, logging, sys, traceback
logging.basicConfig(stream=sys.stdout, format="%(message)s")
sys.path.insert(0, sys.argv[1])
import reloaded
with open(reloaded.__file__, "w") as f:
    f.write("VALUE = 2\nraise ValueError('broken on reload')\n")
importlib.invalidate_caches()
attempts = [
    lambda: importlib.import_module("missing_module"),
    lambda: importlib.import_module("raises"),
    lambda: importlib.import_module(".raises_too", "pkg"),
    lambda: __import__("raises_three"),
    lambda: importlib.reload(reloaded),
]
for attempt in attempts:
    try:
        attempt()
    except Exception:
        traceback.print_exc(file=sys.stdout)
        logging.exception("logged")
try:
    import raises_four
except ValueError:
    traceback.print_exc(file=sys.stdout)
"""

TRACEBACK_MODULES = {
    "raises.py": "def f():\n    raise ValueError('raises')\nf()\n",
    "raises_three.py": "raise ValueError('three')\n",
    "raises_four.py": "import raises_three\n",
    "pkg/__init__.py": "",
    "pkg/raises_too.py": "raise KeyError('too')\n",
    "reloaded.py": "VALUE = 1\n",
}


@needs_speedups
@pytest.mark.parametrize("way", ["cli", "library"])
def test_tracebacks_the_program_prints_are_the_untraced_ones(tmp_path: Path, way: str) -> None:
    """After a failed import_module, reload, __import__ or import statement, what traceback.print_exc
    and logging.exception print matches an untraced run line for line (compiled hooks)."""

    def run(traced: bool) -> str:
        modules = tmp_path / ("traced" if traced else "plain")
        for name, text in TRACEBACK_MODULES.items():
            (modules / name).parent.mkdir(parents=True, exist_ok=True)
            (modules / name).write_text(text)
        script = tmp_path / "prog.py"
        source = PRINTS_TRACEBACKS
        if traced and way == "library":
            source = "import importtrace\nimporttrace.start()\n" + source
        else:
            source = "\n\n" + source  # the same line numbers
        script.write_text(source)
        command = [sys.executable, "-B", str(script), str(modules)]
        if traced and way == "cli":
            command[2:2] = ["-m", "importtrace", "-o", os.devnull]
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout.replace(str(modules), "MODULES")

    untraced, traced = run(False), run(True)
    assert untraced.count("Traceback") == 11 and "importtrace" not in untraced
    assert traced.splitlines() == untraced.splitlines()


TWINS = """\
import os, sys
sys.path.insert(0, sys.argv[1])
import importtrace
with importtrace.trace() as t:
    import twins
print(sum(1 for e in t.trace.events if e.kind == "hit" and e.name == "twins" and e.partial))
"""


def test_identical_parts_importing_their_package_each_close_a_cycle_of_their_own(tmp_path: Path) -> None:
    """Twelve parts with the same code, each importing its package while the package initialises: each
    hit is a circular import of its own place, although a freed part's code often leaves its address to
    the next one (the compiled hooks once took that for the same place, and counted one hit x2)."""
    (tmp_path / "twins").mkdir()
    (tmp_path / "twins" / "__init__.py").write_text("".join("import twins.t%d\n" % i for i in range(12)))
    for i in range(12):
        (tmp_path / "twins" / ("t%d.py" % i)).write_text("import os\nimport twins\n")
    for run in range(2):  # the second run loads the parts from __pycache__, as a real program does
        done = subprocess.run([sys.executable, "-c", TWINS, str(tmp_path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "12", run
