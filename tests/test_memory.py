"""Nothing outlives a trace (issue 18): once a trace has stopped and its caller has dropped it, no spec,
loader, module or code object it saw is kept alive, and tracing the same work again and again does not
grow the objects the garbage collector tracks.  Every path that opens records is a scenario here: plain,
failed and interrupted loads, probes, import_module, reloads, nested traces, fresh_import, LazyLoader,
namespace packages, a thread still importing when the trace stops; then the pytest plugin across a
session, the IPython magics across cells and the --stream writer, in their own processes.

Only public behaviour is asserted (trace(), start()/stop(), Trace, the plugin, the magics), so these
hold whatever form the recorder keeps its records in.  The traced modules report what they are made of
through weak references (memwatch.py below); nothing here is timed.
"""

from __future__ import annotations

import collections
import gc
import importlib
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import threading
import types
from pathlib import Path
from typing import Any, Callable

import pytest

import importtrace
from importtrace import Trace

from .conftest import Project

#: imported before any trace: the traced modules call it to be watched (a cache hit inside the trace)
MEMWATCH = '''
"""Weak references to what traced modules were made of: the module, its spec and loader, its code."""
import sys
import threading
import weakref

refs = []
watching = True
entered = threading.Event()
release = threading.Event()


def watch(label, obj):
    if watching:
        refs.append((label, weakref.ref(obj)))


def add(*functions):
    """Watch the calling module, and the code of functions (whose import statements were traced)."""
    frame = sys._getframe(1)
    name = frame.f_globals["__name__"]
    module = sys.modules[name]
    spec = module.__spec__
    watch("module " + name, module)
    watch("spec of " + name, spec)
    watch("loader of " + name, spec.loader)
    watch("module code of " + name, frame.f_code)
    for function in functions:
        watch("code of %s.%s" % (name, function.__name__), function.__code__)
'''

#: a module body with the usual kinds of events: a search and load, cache hits at module level and in
#: a function, a `from` import
BODY = """
import json
import memwatch


def helper():
    from os import path
    return path


helper()
memwatch.add(helper)
"""

FILES = {
    "memwatch.py": MEMWATCH,
    "leak_import.py": BODY,
    "leak_module.py": BODY,
    "leak_start.py": BODY,
    "leak_reload.py": BODY,
    "leak_nested.py": BODY,
    "leak_fresh.py": BODY,
    "leak_probe.py": BODY,
    "leak_lazy.py": BODY,
    "leak_late.py": BODY,
    "leak_error.py": BODY + "raise ValueError('broken on purpose')\n",
    "leak_interrupt.py": BODY + "raise KeyboardInterrupt\n",
    "leak_thread.py": BODY + "memwatch.entered.set()\nmemwatch.release.wait()\n",
    "leak_pkg/__init__.py": BODY,
    "leak_ns/sub.py": BODY,
    "elsewhere/leak_gone.py": BODY,
}


def watched() -> Any:
    return sys.modules["memwatch"]


def alive() -> list[str]:
    """What the watched objects still alive are, after a full collection."""
    gc.collect()
    return [label for label, ref in watched().refs if ref() is not None]


def forget(*names: str) -> None:
    for name in names:
        sys.modules.pop(name, None)


# --- the scenarios: one traced cycle each, leaving sys.modules as it found it -------------------------


def cycle_import(root: Path) -> Trace:
    with importtrace.trace() as t:
        import leak_import  # noqa: F401
    forget("leak_import")
    assert t.loaded() == ["leak_import"]
    return t.trace


def cycle_import_module(root: Path) -> Trace:
    with importtrace.trace() as t:
        importlib.import_module("leak_module")
    forget("leak_module")
    assert t.loaded() == ["leak_module"]
    return t.trace


def cycle_start_stop(root: Path) -> Trace:
    importtrace.start()
    import leak_start  # noqa: F401

    t = importtrace.stop()
    forget("leak_start")
    assert t.loaded() == ["leak_start"]
    return t


def cycle_reload(root: Path) -> Trace:
    import leak_reload

    with importtrace.trace() as t:
        importlib.reload(leak_reload)
    forget("leak_reload")
    assert t.reloaded() == ["leak_reload"]
    return t.trace


def cycle_reload_not_found(root: Path) -> Trace:
    """A reload whose module can no longer be found: the finder saw the module as the search's target."""
    sys.path.insert(0, str(root / "elsewhere"))
    import leak_gone

    sys.path.remove(str(root / "elsewhere"))
    with importtrace.trace() as t:
        with pytest.raises(ModuleNotFoundError):
            importlib.reload(leak_gone)
    forget("leak_gone")
    assert [e.error["type"] for e in t.failed() if e.kind == "reload"] == ["ModuleNotFoundError"]  # type: ignore[index]
    return t.trace


def cycle_missing(root: Path) -> Trace:
    """A package that loads, then a submodule of it that no finder has."""
    with importtrace.trace() as t:
        with pytest.raises(ModuleNotFoundError):
            import leak_pkg.absent  # noqa: F401
    forget("leak_pkg")
    assert t.loaded() == ["leak_pkg"] and t.searched("leak_pkg.absent") == ["leak_pkg.absent"]
    return t.trace


def cycle_error(root: Path) -> Trace:
    with importtrace.trace() as t:
        with pytest.raises(ValueError):
            import leak_error  # noqa: F401
    assert "leak_error" not in sys.modules
    assert [e.name for e in t.failed() if e.kind == "load"] == ["leak_error"]
    return t.trace


def cycle_interrupt(root: Path) -> Trace:
    with importtrace.trace() as t:
        with pytest.raises(KeyboardInterrupt):
            import leak_interrupt  # noqa: F401
    assert [e.error["type"] for e in t.failed() if e.kind == "load"] == ["KeyboardInterrupt"]  # type: ignore[index]
    return t.trace


def cycle_probe(root: Path) -> Trace:
    with importtrace.trace() as t:
        spec = importlib.util.find_spec("leak_probe")
    assert spec is not None and spec.loader is not None
    watched().watch("probed spec", spec)
    watched().watch("probed loader", spec.loader)
    assert t.searched() == ["leak_probe"] and t.loaded() == []
    return t.trace


def cycle_nested(root: Path) -> Trace:
    with importtrace.trace() as outer:
        with importtrace.trace() as inner:
            import leak_nested

            importlib.reload(leak_nested)
        del leak_nested
        forget("leak_nested")
    assert inner.reloaded() == outer.reloaded() == ["leak_nested"]
    return outer.trace


def cycle_fresh_import(root: Path) -> Trace:
    import leak_fresh  # noqa: F401  (an earlier test's import: a fresh import runs it again)

    with importtrace.trace() as t, importtrace.fresh_import("leak_fresh"):
        pass
    forget("leak_fresh")
    assert t.loaded() == ["leak_fresh"]
    return t.trace


class LazyFinder:
    """Serves name through importlib.util.LazyLoader: its code runs at the module's first attribute use."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        assert spec is not None and spec.loader is not None
        spec.loader = importlib.util.LazyLoader(spec.loader)  # type: ignore[arg-type]
        watched().watch("LazyLoader of " + name, spec.loader)
        return spec


def cycle_lazy(root: Path) -> Trace:
    finder = LazyFinder("leak_lazy")
    sys.meta_path.insert(0, finder)
    with importtrace.trace() as t:
        import leak_lazy

        leak_lazy.helper  # noqa: B018  (the first use runs the module)
    sys.meta_path.remove(finder)
    del leak_lazy
    forget("leak_lazy")
    assert "leak_lazy" in t.loaded() and "memwatch" in t.requested()  # its code ran in the trace
    return t.trace


def cycle_lazy_after_stop(root: Path) -> Trace:
    """A LazyLoader module whose first use comes after the trace stopped: its code runs in no trace."""
    finder = LazyFinder("leak_late")
    sys.meta_path.insert(0, finder)
    with importtrace.trace() as t:
        import leak_late
    sys.meta_path.remove(finder)
    leak_late.helper  # noqa: B018
    del leak_late
    forget("leak_late")
    assert t.searched() == ["leak_late"] and "memwatch" not in t.requested()  # its code ran after
    return t.trace


def cycle_namespace(root: Path) -> Trace:
    with importtrace.trace() as t:
        import leak_ns.sub
    watched().watch("namespace package", leak_ns)
    watched().watch("namespace spec", leak_ns.__spec__)
    del leak_ns
    forget("leak_ns", "leak_ns.sub")
    assert t.loaded() == ["leak_ns", "leak_ns.sub"]
    return t.trace


def cycle_thread(root: Path) -> Trace:
    """A thread still running a module's code when the trace stops, finishing it afterwards."""
    memwatch = watched()
    memwatch.entered.clear()
    memwatch.release.clear()
    thread = threading.Thread(target=importlib.import_module, args=("leak_thread",))
    recording = importtrace.trace().start()
    thread.start()
    assert memwatch.entered.wait(60)  # a guard against hanging, not a measure of time
    t = recording.stop()
    memwatch.release.set()
    thread.join(60)
    forget("leak_thread")
    (load,) = [e for e in t.events if e.kind == "load"]
    assert load.name == "leak_thread" and load.unfinished
    return t


SCENARIOS: dict[str, Callable[[Path], Trace]] = {
    name[len("cycle_") :].replace("_", "-"): func for name, func in globals().items() if name.startswith("cycle_")
}


@pytest.fixture
def root(project: Project) -> Path:
    """The project with every scenario's modules, and memwatch imported (untraced)."""
    project.write(FILES)
    import memwatch  # noqa: F401

    return project.root


# --- what a finished trace keeps alive -------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_nothing_recorded_outlives_the_dropped_trace(root: Path, scenario: str) -> None:
    trace = SCENARIOS[scenario](root)
    assert watched().refs, "the scenario watched nothing"
    assert trace.events  # the trace the caller keeps has what it needs ...
    del trace
    assert alive() == []  # ... and once it is dropped, nothing else holds what was recorded


def test_a_kept_trace_is_plain_data(root: Path) -> None:
    """A Trace holds names and numbers, never the modules, specs, loaders or code it describes."""
    kept = [SCENARIOS[name](root) for name in ("import", "reload", "lazy", "error", "thread")]
    assert alive() == []
    assert kept[0].loaded() == ["leak_import"] and kept[1].reloaded() == ["leak_reload"]
    assert [e.error["type"] for e in kept[3].failed()] == ["ValueError"]  # type: ignore[index]


def test_a_kept_recording_holds_no_more_than_its_trace(root: Path) -> None:
    """``with importtrace.trace() as t``: t is what callers keep.  Once stopped it holds its Trace and no
    copy of what the trace began with: counted on a name of sys.modules, which the Trace lists."""
    name = "_".join(("memory", "kept", "module"))  # made at run time: a literal may be immortal (3.12+)
    sys.modules[name] = types.ModuleType(name)
    with importtrace.trace() as t:
        import json  # noqa: F401
    trace = t.trace
    assert name in trace.preloaded
    with_recording = sys.getrefcount(name)
    del t
    assert sys.getrefcount(name) == with_recording


# --- repeated traces: the tracked objects stay the same --------------------------------------------------


def census() -> collections.Counter[str]:
    """GC-tracked objects by type, after a full collection."""
    gc.collect()
    return collections.Counter("%s.%s" % (type(o).__module__, type(o).__qualname__) for o in gc.get_objects())


def growth(before: collections.Counter[str], after: collections.Counter[str]) -> dict[str, int]:
    """Types with more objects than before (the census's own Counter aside)."""
    grown = after - before
    grown.pop("collections.Counter", None)
    return dict(grown)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_repeated_traces_leave_nothing_behind(root: Path, scenario: str) -> None:
    """20 cycles, a census, 200 more, a census: not one more object of any type."""
    cycle = SCENARIOS[scenario]
    watched().watching = False
    census()  # the first census in a process fills CPython's caches (abc's weak sets): not the traces'
    for _ in range(20):
        cycle(root)
    before = census()
    for _ in range(200):
        cycle(root)
    after = census()
    assert growth(before, after) == {}


def held(names: set[str]) -> set[str]:
    """Which of names (strings equal to them) some object still holds: the containers the collector
    tracks, and the untracked dicts and tuples inside them (a dict of str keys and bool values is one).
    A dict's str keys are looked at apart: the collector does not visit them."""
    gc.collect()
    found: set[str] = set()
    seen: set[int] = set()
    todo = [o for o in gc.get_objects() if o is not names]
    while todo:
        container = todo.pop()
        refs = gc.get_referents(container)
        if type(container) is dict:
            refs.extend(container)
        for ref in refs:
            if type(ref) is str:
                if ref in names:
                    found.add(ref)
            elif type(ref) in (dict, tuple) and not gc.is_tracked(ref) and id(ref) not in seen:
                seen.add(id(ref))
                todo.append(ref)
    return found


def test_the_files_a_trace_saw_are_forgotten_when_it_stops(project: Project) -> None:
    """A test session traces a new temporary project per test: nothing the recorder learnt about a file
    (is it import machinery?) may stay once the trace has stopped, or a long session piles them up."""
    project.write({"fresh_%d.py" % i: "import json\n" for i in range(20)})
    paths = {str(project.root / ("fresh_%d.py" % i)) for i in range(20)}
    for i in range(20):
        with importtrace.trace() as t:
            __import__("fresh_%d" % i)
        forget("fresh_%d" % i)
        assert t.loaded() == ["fresh_%d" % i]
    assert held(paths) == {str(project.root / "fresh_19.py")}  # the last trace, still kept, names its file
    del t
    assert held(paths) == set()


# --- whole sessions, in their own processes ---------------------------------------------------------------

#: in the child: the census of a type filter, as JSON lines "<label> <json>"
CENSUS = """
import collections, gc, json, sys

WATCHED = ("ModuleSpec", "SourceFileLoader", "module", "LazyLoader", "FileFinder", "Hook")


def census(label):
    gc.collect()
    counts = collections.Counter()
    for o in gc.get_objects():
        t = type(o)
        if t.__name__ in WATCHED or t.__module__.partition(".")[0] == "importtrace":
            counts["%s.%s" % (t.__module__, t.__qualname__)] += 1
    sys.__stdout__.write("\\ncensus %s %s\\n" % (label, json.dumps(counts)))
    sys.__stdout__.flush()
"""


def censuses(output: str) -> dict[str, collections.Counter[str]]:
    found = {}
    for line in output.splitlines():
        if line.startswith("census "):
            _, label, counts = line.split(" ", 2)
            found[label] = collections.Counter(json.loads(counts))
    assert set(found) >= {"before", "after"}, output[-3000:]
    return found


def test_a_pytest_session_tracing_every_test(pytester: pytest.Pytester) -> None:
    """--importtrace and the import_trace fixture over 220 tests: the census of import objects and of
    importtrace's own types is the same after test 20 and after test 220."""
    pytester.makepyfile(
        census=CENSUS,
        plugmod=BODY.replace("memwatch.add(helper)", ""),
        memwatch=MEMWATCH,
        conftest="""
        import census, memwatch

        def pytest_runtest_logfinish(nodeid):
            done = pytest_runtest_logfinish.done = getattr(pytest_runtest_logfinish, "done", 0) + 1
            if done == 20:
                census.census("before")
            if done == 220:
                census.census("after")
                print("\\nstill alive:", sum(1 for _, ref in memwatch.refs if ref() is not None))
        """,
        test_many="""
        import importlib, sys, pytest
        import memwatch, plugmod

        @pytest.mark.parametrize("i", range(110))
        def test_fixture(import_trace, i):
            importlib.reload(plugmod)
            memwatch.watch("spec", plugmod.__spec__)
            with pytest.raises(ImportError):
                import plug_missing_zz
            fresh = import_trace.fresh_import("plugmod")
            memwatch.watch("fresh module", fresh)
            import_trace.assert_not_imported("pandas")
            assert import_trace.reloaded() == ["plugmod"]

        @pytest.mark.parametrize("i", range(110))
        def test_plain(i):
            importlib.reload(plugmod)
            memwatch.watch("spec", plugmod.__spec__)
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "--importtrace", "-s")
    result.assert_outcomes(passed=220)
    found = censuses(result.stdout.str())
    assert growth(found["before"], found["after"]) == {}
    assert "still alive: 1" in result.stdout.str()  # the last reload's spec: plugmod is still imported


def test_magics_across_cells(tmp_path: Path) -> None:
    """%%importtrace in 220 cells of one IPython shell (driven as tests/test_ipython.py does): the census
    is the same after cell 20 and after cell 220, and only the last cell's objects are alive."""
    (tmp_path / "census.py").write_text(CENSUS)
    (tmp_path / "memwatch.py").write_text(MEMWATCH)
    (tmp_path / "nbmod.py").write_text(BODY)
    (tmp_path / "ipython").mkdir()
    script = textwrap.dedent(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output
        from traitlets.config import Config
        import census, memwatch

        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = InteractiveShell.instance(config=config)
        shell.run_cell("%load_ext importtrace", store_history=False)
        shell.run_cell("import importlib, sys, nbmod", store_history=False)
        cell = (
            "%%importtrace\\n"
            "importlib.reload(nbmod)\\n"
            "try:\\n    import nb_missing_zz\\nexcept ImportError:\\n    pass\\n"
            "import nbmod\\n"
        )
        for n in range(1, 221):
            with capture_output() as io:
                result = shell.run_cell(cell, store_history=True)
            assert result.error_in_exec is None, io.stderr
            if n == 20:
                census.census("before")
        census.census("after")
        kept = [label for label, ref in memwatch.refs if ref() is not None and "module" not in label]
        print("still alive:", sorted(kept))
        """
    )
    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"), PYTHONPATH=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = censuses(done.stdout)
    assert growth(found["before"], found["after"]) == {}
    alive_line = [line for line in done.stdout.splitlines() if line.startswith("still alive:")]
    # what the last cell left: nbmod's current spec, loader and function code (the module lives on)
    assert alive_line == ["still alive: ['code of nbmod.helper', 'loader of nbmod', 'spec of nbmod']"]


def test_the_stream_writer_keeps_nothing_the_trace_does_not(tmp_path: Path) -> None:
    """--stream writes each event as it happens: with it, a program's import objects, importtrace's own and
    the dicts (events are dicts once exported) grow exactly as they do without it; the trace itself keeps
    its records until the program ends.  (Lists and tuples are not compared: the writer keeps a table of
    line numbers per code object it has met, as many as the records themselves keep alive.)"""
    (tmp_path / "census.py").write_text(CENSUS.replace('"Hook")', '"Hook", "dict")'))
    (tmp_path / "memwatch.py").write_text(MEMWATCH)
    (tmp_path / "streamed.py").write_text(BODY)
    (tmp_path / "prog.py").write_text(
        textwrap.dedent(
            """
            import importlib, census, memwatch, streamed
            memwatch.watching = False

            def cycle():
                importlib.reload(streamed)
                try:
                    import stream_missing_zz
                except ImportError:
                    pass

            for _ in range(20):
                cycle()
            census.census("before")
            for _ in range(200):
                cycle()
            census.census("after")
            """
        )
    )
    grown = []
    for stream in ([], ["--stream", str(tmp_path / "s.jsonl")]):
        done = subprocess.run(
            [sys.executable, "-m", "importtrace", *stream, "--format", "jsonl", "-o", os.devnull, "prog.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        found = censuses(done.stdout)
        grown.append(growth(found["before"], found["after"]))
    assert grown[1] == grown[0]
    assert (tmp_path / "s.jsonl").stat().st_size > 0
