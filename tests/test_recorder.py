"""The core recorder, tested with real imports of real files (no mocks of importlib)."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import pickle
import py_compile
import sys
import threading
import time
import types
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest

import importtrace
from importtrace import Event, Trace

from .conftest import Project


def kinds(trace: Trace, name: str) -> list[str]:
    """The kinds of the events recorded under name (requests() adds `from pkg import name` hits)."""
    return [e.kind for e in trace.events if e.name == name]


def only(trace: Trace, kind: str, name: str) -> Event:
    found = [e for e in trace.events if e.kind == kind and e.name == name]
    assert len(found) == 1, found
    return found[0]


# --- plain modules and packages --------------------------------------------------------------------


def test_plain_module_search_then_load(project: Project) -> None:
    project.write({"plain.py": "VALUE = 42\n"})
    with importtrace.trace() as t:
        line = sys._getframe().f_lineno + 1
        import plain  # noqa: F401
    assert kinds(t, "plain") == ["search", "load"]
    search, load = t.requests("plain")
    assert search.found and search.finder == "PathFinder" and search.reason == "import"
    assert search.origin == str(project.root / "plain.py")
    assert search.loader == "SourceFileLoader" and search.package is False and search.namespace is False
    assert load.search == search.id and load.module_type == "source" and load.error is None
    assert load.importer == __name__ and load.where == "%s:%d" % (__file__, line)
    assert load.start >= search.end  # type: ignore[operator]
    assert load.duration is not None and load.self_duration == load.duration
    assert t.loaded() == ["plain"]


def test_second_import_is_a_hit_with_who_and_where(project: Project) -> None:
    project.write({"once.py": "X = 1\n"})
    with importtrace.trace() as t:
        import once

        line = sys._getframe().f_lineno + 1
        import once  # noqa: F401, F811
    assert kinds(t, "once") == ["search", "load", "hit"]
    hit = t.requests("once")[2]
    assert hit.via == "import" and hit.count == 1 and not hit.partial and not hit.waited
    assert hit.importer == __name__ and hit.line == line and hit.file == __file__


def test_package_parents_load_first_and_nest(project: Project) -> None:
    project.write(
        {
            "top/__init__.py": "",
            "top/mid/__init__.py": "",
            "top/mid/leaf.py": "import json\nX = 1\n",
        }
    )
    with importtrace.trace() as t:
        import top.mid.leaf  # noqa: F401
    loads = [e for e in t.events if e.kind == "load" and e.name.startswith("top")]
    assert [e.name for e in loads] == ["top", "top.mid", "top.mid.leaf"]
    assert all(e.parent is None for e in loads)  # parents are imported before, not inside, the child
    leaf_search = only(t, "search", "top.mid.leaf")
    assert leaf_search.path == [str(project.root / "top" / "mid")]
    assert only(t, "search", "top").package is True
    json_event = t.requests("json")[0]
    assert json_event.parent == loads[2].id and json_event.importer == "top.mid.leaf"


def test_from_package_import_submodule_not_loaded_yet(project: Project) -> None:
    project.write({"fpkg/__init__.py": "", "fpkg/sub.py": "Y = 2\n"})
    import fpkg  # noqa: F401

    with importtrace.trace() as t:
        from fpkg import sub  # noqa: F401
    hit = only(t, "hit", "fpkg")
    assert hit.fromlist == ["sub"]
    assert kinds(t, "fpkg.sub") == ["search", "load"]
    assert only(t, "load", "fpkg.sub").importer == __name__


def test_requests_include_from_imports_of_a_submodule(project: Project) -> None:
    project.write({"rq/__init__.py": "", "rq/sub.py": "", "rq/user.py": "from rq import sub\nfrom . import sub\n"})
    with importtrace.trace() as t:
        import rq.sub
        import rq.user  # noqa: F401
    asked = t.requests("rq.sub")
    assert [(e.kind, e.name, e.where and e.where.rpartition(":")[2]) for e in asked[-2:]] == [
        ("hit", "rq", "1"),
        ("hit", "rq", "2"),
    ]
    assert [e.kind for e in asked[:2]] == ["search", "load"] and all(e.name == "rq.sub" for e in asked[:2])
    assert not [e for e in t.requests("rq.user") if e.name == "rq"]  # rq's other hits asked for sub only


def test_relative_imports_level_one_and_two(project: Project) -> None:
    project.write(
        {
            "rel/__init__.py": "",
            "rel/a.py": "A = 1\n",
            "rel/inner/__init__.py": "",
            "rel/inner/b.py": "from . import c\nfrom .. import a\nfrom ..a import A\n",
            "rel/inner/c.py": "",
        }
    )
    with importtrace.trace() as t:
        import rel.inner.b  # noqa: F401
    hits = [e for e in t.events if e.kind == "hit" and e.importer == "rel.inner.b"]
    assert [(e.name, e.level, e.fromlist) for e in hits] == [
        ("rel.inner", 1, ["c"]),
        ("rel", 2, ["a"]),
        ("rel.a", 2, ["A"]),
    ]
    assert t.loaded("rel") == ["rel", "rel.inner", "rel.inner.b", "rel.inner.c", "rel.a"]


def test_namespace_package_appears_as_a_load(project: Project) -> None:
    project.write({"nspkg/mod.py": "Z = 3\n"})
    with importtrace.trace() as t:
        import nspkg.mod  # noqa: F401
    search = only(t, "search", "nspkg")
    assert search.namespace and search.package and search.loader == "NamespaceLoader"
    load = only(t, "load", "nspkg")
    assert load.namespace and load.module_type == "namespace" and load.search == search.id
    assert only(t, "load", "nspkg.mod").module_type == "source"
    assert type(sys.modules["nspkg"].__spec__.loader).__name__.endswith("NamespaceLoader")


def test_zip_archive(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped/__init__.py", "")
        z.writestr("zipped/inside.py", "W = 4\n")
    sys.path.insert(0, str(archive))
    with importtrace.trace() as t:
        import zipped.inside

    assert zipped.inside.W == 4
    load = only(t, "load", "zipped.inside")
    assert load.module_type == "zip" and load.loader == "zipimporter" and load.error is None
    assert type(zipped.inside.__loader__).__name__ == "zipimporter"


def test_bytecode_only_module(project: Project) -> None:
    project.write({"compiled.py": "V = 5\n"})
    source = project.root / "compiled.py"
    py_compile.compile(str(source), cfile=str(project.root / "compiled.pyc"), doraise=True)
    source.unlink()
    importlib.invalidate_caches()
    with importtrace.trace() as t:
        import compiled
    assert compiled.V == 5
    load = only(t, "load", "compiled")
    assert load.module_type == "bytecode" and load.loader == "SourcelessFileLoader"


def _not_loaded(candidates: list[str]) -> str:
    for name in candidates:
        if name not in sys.modules and importlib.util.find_spec(name) is not None:
            return name
    pytest.skip(f"no unloaded module among {candidates}")


def test_builtin_frozen_and_extension_modules() -> None:
    builtin = _not_loaded(
        [
            n
            for n in sorted(sys.builtin_module_names)
            if n not in ("sys", "builtins", "_imp", "__main__", "_testinternalcapi")
        ]
    )
    extension = _not_loaded(["_statistics", "_bisect", "_heapq", "_csv", "_bz2", "_lzma", "mmap", "resource"])
    with importtrace.trace() as t:
        importlib.import_module(builtin)
        importlib.import_module(extension)
        import __hello__  # noqa: F401  (frozen in every CPython)
    assert only(t, "load", builtin).module_type == "builtin"
    assert only(t, "load", extension).module_type == "extension"
    assert only(t, "load", "__hello__").module_type == "frozen"
    assert only(t, "search", builtin).finder == "BuiltinImporter"
    assert only(t, "search", "__hello__").finder == "FrozenImporter"
    assert sys.modules[builtin].__loader__ is importlib.machinery.BuiltinImporter
    assert sys.modules["__hello__"].__loader__ is importlib.machinery.FrozenImporter


# --- failures -----------------------------------------------------------------------------------------


def test_module_not_found_is_a_failed_search_and_the_error_is_untouched(project: Project) -> None:
    with pytest.raises(ModuleNotFoundError) as untraced:
        import no_such_module_xyz
    with importtrace.trace() as t:
        with pytest.raises(ModuleNotFoundError) as traced:
            import no_such_module_xyz  # noqa: F401
    assert str(traced.value) == str(untraced.value) and traced.value.name == "no_such_module_xyz"
    search = only(t, "search", "no_such_module_xyz")
    assert search.found is False and search.finder is None and search.failed
    assert t.failed() == [search]
    assert "no_such_module_xyz" not in t.loaded()


def test_module_that_raises_leaves_sys_modules_as_untraced(project: Project) -> None:
    project.write({"boom.py": "import json\nraise ValueError('boom at import')\n"})
    with pytest.raises(ValueError) as untraced:
        import boom
    before = set(sys.modules)
    with importtrace.trace() as t:
        with pytest.raises(ValueError) as traced:
            import boom  # noqa: F401
    assert str(traced.value) == str(untraced.value)
    assert "boom" not in sys.modules and set(sys.modules) == before
    load = only(t, "load", "boom")
    assert load.error == {"type": "ValueError", "message": "boom at import"} and load.failed
    assert "boom" not in t.loaded()


def test_traceback_of_failed_import_hides_importtrace_under_pytest(project: Project) -> None:
    project.write({"tbmod.py": "def f():\n    raise KeyError('k')\nf()\n"})
    with importtrace.trace():
        with pytest.raises(KeyError) as info:
            import tbmod  # noqa: F401
    shown = [entry.frame.code.path for entry in info.traceback.filter(info)]
    assert not any("importtrace" in str(p) for p in shown)
    assert str(project.root / "tbmod.py") in [str(p) for p in shown]


# --- circular imports, replacement, probes, lazy loading -----------------------------------------------


def test_circular_import_is_a_partial_hit(project: Project) -> None:
    project.write(
        {
            "cyc_a.py": "import cyc_b\nA = 1\n",
            "cyc_b.py": "import cyc_a\nfrom cyc_a import A\n",
        }
    )
    with importtrace.trace() as t:
        with pytest.raises(ImportError, match="partially initialized"):
            import cyc_a  # noqa: F401
    cycles = t.cycles()
    assert [(e.name, e.importer, target) for e, target in cycles] == [
        ("cyc_a", "cyc_b", "cyc_a"),
        ("cyc_a", "cyc_b", "cyc_a"),
    ]
    assert cycles[1][0].missing == ["A"]
    assert only(t, "load", "cyc_b").error is not None


def test_package_importing_its_own_submodules_is_not_a_cycle(project: Project) -> None:
    project.write(
        {
            "selfpkg/__init__.py": "from . import part\nfrom .part import P\nfrom . import other\n",
            "selfpkg/part.py": "P = 1\n",
            "selfpkg/other.py": "from selfpkg import part\nfrom . import part as again\n",
        }
    )
    with importtrace.trace() as t:
        import selfpkg  # noqa: F401
    assert t.cycles() == []
    assert any(e.partial for e in t.of_kind("hit"))  # the raw fact is still recorded


def test_from_package_import_of_a_module_still_loading_is_a_cycle(project: Project) -> None:
    project.write(
        {"ring/__init__.py": "", "ring/a.py": "from ring import b\nA = 1\n", "ring/b.py": "from ring import a\n"}
    )
    with importtrace.trace() as t:
        import ring.a  # noqa: F401
    assert [(e.importer, target) for e, target in t.cycles()] == [("ring.b", "ring.a")]


def test_module_that_replaces_itself_in_sys_modules(project: Project) -> None:
    project.write({"swap.py": "import sys, types\nsys.modules[__name__] = types.SimpleNamespace(swapped=True)\n"})
    with importtrace.trace() as t:
        import swap
    assert swap.swapped is True
    assert only(t, "load", "swap").replaced is True


def test_find_spec_probe_records_a_search_and_leaves_the_loader_alone(project: Project) -> None:
    project.write({"probed.py": ""})
    with importtrace.trace() as t:
        spec = importlib.util.find_spec("probed")
    assert spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader
    search = only(t, "search", "probed")
    assert search.reason == "probe" and search.found
    assert kinds(t, "probed") == ["search"]
    assert "probed" not in sys.modules


def test_lazy_loader_times_the_deferred_execution(project: Project) -> None:
    project.write({"lazymod.py": "import json\nVALUE = 7\n"})

    class LazyFinder:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if name != "lazymod":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            assert spec is not None
            spec.loader = importlib.util.LazyLoader(spec.loader)  # type: ignore[arg-type]
            return spec

    sys.meta_path.insert(0, LazyFinder())
    importlib.util.LazyLoader  # noqa: B018  (its import of threading must not land in the trace)
    with importtrace.trace() as t:
        import lazymod

        line = sys._getframe().f_lineno + 1
        value = lazymod.VALUE
    assert value == 7
    loads = [e for e in t.events if e.kind == "load" and e.name == "lazymod"]
    assert [(e.lazy, e.loader) for e in loads] == [(True, "SourceFileLoader")]  # one load: when its code ran
    assert loads[0].line == line  # the first use of an attribute ran it
    assert t.requests("json")[0].parent == loads[0].id  # the module's own imports happen at first use
    assert t.loaded() == ["lazymod"] and only(t, "search", "lazymod").found
    assert type(lazymod.__spec__.loader) is importlib.machinery.SourceFileLoader


def test_a_lazy_module_never_used_is_found_not_loaded(project: Project) -> None:
    project.write({"lazyunused.py": "VALUE = 7\n"})

    class LazyFinder:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if name != "lazyunused":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            assert spec is not None
            spec.loader = importlib.util.LazyLoader(spec.loader)  # type: ignore[arg-type]
            return spec

    sys.meta_path.insert(0, LazyFinder())
    with importtrace.trace() as t:
        import lazyunused
    assert kinds(t, "lazyunused") == ["search"] and t.loaded() == []  # its code never ran: no load
    assert type(lazyunused.__spec__.loader) is importlib.machinery.SourceFileLoader  # put back at stop
    assert lazyunused.VALUE == 7


# --- hits from every channel ---------------------------------------------------------------------------


def test_import_module_hits_and_relative_names(project: Project) -> None:
    project.write({"imp/__init__.py": "", "imp/child.py": ""})
    import imp.child  # noqa: F401

    with importtrace.trace() as t:
        importlib.import_module("imp.child")
        importlib.import_module(".child", package="imp")
        __import__("imp")
    hits = [(e.name, e.via) for e in t.events if e.kind == "hit"]
    assert hits == [("imp.child", "import_module"), ("imp.child", "import_module"), ("imp", "__import__")]


def test_repeated_hits_are_counted_not_stored(project: Project) -> None:
    def work() -> None:
        import os  # noqa: F401

    with importtrace.trace() as t:
        for _ in range(10_000):
            work()
    hits = [e for e in t.events if e.kind == "hit"]
    assert len(hits) == 1 and hits[0].count == 10_000 and hits[0].name == "os"


def test_exec_of_the_same_source_again_and_again_stays_bounded() -> None:
    with importtrace.trace() as t:
        for _ in range(200):
            exec(compile("import os", "<loop>", "exec"), {})
    hits = [e for e in t.events if e.kind == "hit"]
    assert sum(e.count for e in hits) == 200 and len(hits) <= 8


def test_from_import_star_and_fromlist(project: Project) -> None:
    project.write({"star.py": "__all__ = ['a']\na = 1\nb = 2\n"})
    import star  # noqa: F401

    with importtrace.trace() as t:
        exec("from star import *", {})
        from star import a, b  # noqa: F401
    assert [e.fromlist for e in t.events if e.kind == "hit"] == [["*"], ["a", "b"]]


# --- reload ---------------------------------------------------------------------------------------------


def test_reload_changes_adds_and_removes_names(project: Project) -> None:
    project.write({"rl.py": "A = 1\nB = [2]\nGONE = 3\ndef f():\n    return A\n"})
    import rl

    old_b = rl.B
    project.write({"rl.py": "A = 1\nB = old = [20]\nC = 3\ndel GONE\ndef f():\n    return B\n"})
    with importtrace.trace() as t:
        result = importlib.reload(rl)
    assert result is rl and rl.B == [20] and rl.B is not old_b
    reload = only(t, "reload", "rl")
    assert reload.added == ["C", "old"] and reload.removed == ["GONE"] and reload.rebound == ["B", "f"]
    assert reload.error is None and reload.importer == __name__
    search = only(t, "search", "rl")
    assert search.reason == "reload" and search.parent == reload.id and reload.search == search.id
    assert "rl" not in t.loaded()
    assert type(rl.__loader__) is importlib.machinery.SourceFileLoader and rl.__spec__.loader is rl.__loader__


def test_failed_reload(project: Project) -> None:
    project.write({"rlbad.py": "X = 1\n"})
    import rlbad

    project.write({"rlbad.py": "X = 2\nraise RuntimeError('no')\n"})
    with importtrace.trace() as t:
        with pytest.raises(RuntimeError, match="no"):
            importlib.reload(rlbad)
    reload = only(t, "reload", "rlbad")
    assert reload.error == {"type": "RuntimeError", "message": "no"}
    assert reload.rebound == ["X"] and rlbad.X == 2


def test_reload_bound_before_the_trace_still_recorded(project: Project) -> None:
    project.write({"rlb.py": "X = 1\n"})
    import rlb

    reload = importlib.reload  # bound before importtrace wrapped it
    project.write({"rlb.py": "X = 2\nY = 1\n"})
    with importtrace.trace() as t:
        reload(rlb)
    event = only(t, "reload", "rlb")
    assert event.added == ["Y"] and event.search is not None


# --- threads ---------------------------------------------------------------------------------------------


def test_many_threads_importing_overlapping_modules(project: Project) -> None:
    files = {"thr/__init__.py": ""}
    for i in range(12):
        deps = "".join("import thr.m%d\n" % j for j in range(i % 4))
        files["thr/m%d.py" % i] = "import time\n%stime.sleep(0.01)\nV = %d\n" % (deps, i)
    project.write(files)
    import thr  # noqa: F401

    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            barrier.wait()
            for i in range(k, k + 6):
                importlib.import_module("thr.m%d" % (i % 12))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with importtrace.trace() as t:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(10)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
    assert not any(th.is_alive() for th in threads) and not errors
    loads = [e for e in t.events if e.kind == "load" and e.name.startswith("thr.")]
    assert sorted(e.name for e in loads) == sorted("thr.m%d" % i for i in range(12))  # each exactly once
    by_id = {e.id: e for e in t.events}
    for e in t.events:
        if e.parent is not None and e.parent in by_id:
            parent = by_id[e.parent]
            assert parent.thread == e.thread and parent.start <= e.start
    assert len({e.thread for e in loads}) > 1
    waited = [e for e in t.events if e.kind == "hit" and e.waited]
    assert all(not e.partial for e in waited)


def test_a_hit_that_waited_for_another_threads_import(project: Project) -> None:
    gate = types.ModuleType("thr_gate")
    gate.started, gate.release = threading.Event(), threading.Event()  # type: ignore[attr-defined]
    sys.modules["thr_gate"] = gate
    project.write({"thr_slow.py": "import thr_gate\nthr_gate.started.set()\nthr_gate.release.wait(10)\nV = 1\n"})

    def importer() -> None:
        import thr_slow  # noqa: F401

    with importtrace.trace() as t:
        first = threading.Thread(target=importer)
        first.start()
        assert gate.started.wait(10)  # type: ignore[attr-defined]
        second = threading.Thread(target=importer)
        second.start()
        time.sleep(0.3)  # the second thread is now blocked on the module's import lock
        gate.release.set()  # type: ignore[attr-defined]
        first.join(10)
        second.join(10)
    hits = [e for e in t.events if e.kind == "hit" and e.name == "thr_slow"]
    assert [(h.waited, h.partial) for h in hits] == [(True, False)]
    load = only(t, "load", "thr_slow")
    assert load.thread != hits[0].thread and load.start < hits[0].start


# --- sessions: nesting, start/stop, hooks -------------------------------------------------------------


def test_nested_traces_inner_window_outer_keeps_all(project: Project) -> None:
    project.write({"n1.py": "", "n2.py": "", "n3.py": ""})
    with importtrace.trace() as outer:
        import n1

        with importtrace.trace() as inner:
            import n1
            import n2  # noqa: F401
        import n1  # noqa: F401
        import n3  # noqa: F401
    assert inner.loaded() == ["n2"] and inner.hit() == ["n1"]
    assert outer.loaded() == ["n1", "n2", "n3"]
    assert sum(e.count for e in outer.events if e.kind == "hit" and e.name == "n1") == 2


def test_start_stop_and_double_start_error() -> None:
    recording = importtrace.start()
    with pytest.raises(importtrace.TraceError, match="already called"):
        importtrace.start()
    import colorsys  # noqa: F401

    trace = importtrace.stop()
    assert recording.trace is trace
    with pytest.raises(importtrace.TraceError, match=r"without importtrace\.start"):
        importtrace.stop()


def test_recording_queries_before_stop_are_an_error() -> None:
    with importtrace.trace() as t:
        with pytest.raises(importtrace.TraceError, match="still recording"):
            t.loaded()


def test_inner_trace_cannot_change_the_clock(fake_clock: Callable[[], int]) -> None:
    with importtrace.trace():
        with pytest.raises(importtrace.TraceError, match="outermost"):
            importtrace.trace(clock=fake_clock).start()


def test_fake_clock_gives_stable_times(project: Project, fake_clock: Callable[[], int]) -> None:
    project.write({"timed.py": ""})
    with importtrace.trace(clock=fake_clock) as t:
        import timed  # noqa: F401
    assert [(e.kind, e.start, e.duration) for e in t.events] == [("search", 1000, 1000), ("load", 3000, 1000)]
    assert t.header["clock"] == "custom"


def test_hooks_installed_only_while_recording_and_stop_is_idempotent() -> None:
    import builtins

    original = builtins.__import__
    recording = importtrace.trace().start()
    assert builtins.__import__ is not original and sys.meta_path[0] is _finder()
    trace = recording.stop()
    assert recording.stop() is trace
    assert builtins.__import__ is original and _finder() not in sys.meta_path


def _finder() -> Any:
    from importtrace import record as _recorder

    return _recorder.backend.finder()


def test_stop_after_another_tool_patched_import_leaves_theirs_working(project: Project) -> None:
    import builtins

    project.write({"after.py": ""})
    original = builtins.__import__
    seen: list[str] = []
    recording = importtrace.trace().start()
    ours = builtins.__import__

    def theirs(name: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(name)
        return ours(name, *args, **kwargs)

    builtins.__import__ = theirs
    try:
        trace = recording.stop()
        assert builtins.__import__ is theirs
        import after  # noqa: F401
    finally:
        builtins.__import__ = original
    assert seen[0] == "after" and "after" in sys.modules  # later calls: importlib reading files (_io)
    assert any(n["code"] == "repatched" for n in trace.notes)


def test_another_finder_inserted_ahead_is_reported(project: Project) -> None:
    project.write({"ahead_mod.py": "", "behind_mod.py": ""})

    class Ahead:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if name == "ahead_mod":
                return importlib.machinery.PathFinder.find_spec(name, path, target)
            return None

    with importtrace.trace() as t:
        sys.meta_path.insert(0, Ahead())
        import ahead_mod  # noqa: F401
        import behind_mod  # noqa: F401
    assert [n["code"] for n in t.notes] == ["shadowed"] and t.notes[0]["finder"].endswith("<locals>.Ahead")
    unobserved = only(t, "load", "ahead_mod")
    assert unobserved.observed is False and unobserved.duration is None
    ahead = only(t, "search", "behind_mod").ahead
    assert ahead is not None and len(ahead) == 1 and ahead[0].endswith("<locals>.Ahead")


def _our_finders() -> list[Any]:
    return [f for f in sys.meta_path if type(f).__name__ == "ImporttraceFinder"]


def test_a_restored_meta_path_snapshot_never_duplicates_the_finder(project: Project) -> None:
    # pytester, and any fixture that saves sys.meta_path[:] and assigns it back, does this.
    project.write({"snap_a.py": "", "snap_b.py": "import snap_a\n"})
    with importtrace.trace():
        saved = sys.meta_path[:]
    sys.meta_path[:] = saved  # puts the stopped trace's finder back, inactive
    assert len(_our_finders()) == 1
    with importtrace.trace() as t:
        assert len(_our_finders()) == 1  # the left-behind copy was replaced, not joined
        import snap_b  # noqa: F401
    assert kinds(t, "snap_a") == ["search", "load"] and kinds(t, "snap_b") == ["search", "load"]
    assert _our_finders() == []  # uninstall removes every copy
    assert t.notes == []


def test_a_finder_left_behind_stays_inert_and_its_removal_is_noted(project: Project) -> None:
    project.write({"left_a.py": "", "left_b.py": ""})
    with importtrace.trace():
        saved = sys.meta_path[:]
    with importtrace.trace() as t:
        import left_a  # noqa: F401

        sys.meta_path[:] = saved  # restored while a later trace records: only the old, inert finder
        import left_b  # noqa: F401
    assert kinds(t, "left_a") == ["search", "load"]
    assert [e.kind for e in t.events if e.name == "left_b" and e.observed] == []
    assert [n["code"] for n in t.notes] == ["removed"]
    assert "left_b" in sys.modules and _our_finders() == []


def test_restored_snapshots_of_the_hooked_functions_do_not_recurse(project: Project) -> None:
    # A fixture that saves builtins.__import__ or importlib.reload during one trace and puts them back
    # after it (pytest's monkeypatch, under `pytest --importtrace`) left an old hook in place: the next
    # trace wrapped it, and the pure-Python hooks then called themselves.
    import builtins

    project.write({"snapshotted.py": "X = 1\n"})
    real = (builtins.__import__, importlib.import_module, importlib.reload)
    with importtrace.trace():
        saved = (builtins.__import__, importlib.import_module, importlib.reload)
    builtins.__import__, importlib.import_module, importlib.reload = saved
    try:
        with importtrace.trace() as t:
            import snapshotted

            importlib.reload(snapshotted)
            importlib.import_module("snapshotted")
        assert kinds(t, "snapshotted") == ["search", "load", "reload", "search", "hit"]
        assert builtins.__import__ is saved[0]  # what was there before this trace is back after it
        import snapshotted as again  # noqa: F401  (the old trace's hook, inert, still imports)
    finally:
        builtins.__import__, importlib.import_module, importlib.reload = real


def test_the_finder_never_asks_itself(project: Project) -> None:
    project.write({"twice_mod.py": "X = 1\n"})
    with importtrace.trace() as t:
        sys.meta_path.append(sys.meta_path[0])  # the active finder twice: it must not recurse
        import twice_mod  # noqa: F401

        try:
            import twice_missing  # noqa: F401
        except ImportError:
            pass
    assert kinds(t, "twice_mod") == ["search", "load"]
    assert only(t, "search", "twice_missing").found is False


# --- transparency -----------------------------------------------------------------------------------------


def test_modules_look_the_same_as_untraced(project: Project) -> None:
    project.write({"same_a/__init__.py": "", "same_a/m.py": "", "same_b/__init__.py": "", "same_b/m.py": ""})
    import same_a.m as untraced

    with importtrace.trace():
        import same_b.m as traced
    for attr in ("__name__", "__package__"):
        assert getattr(traced, attr).replace("same_b", "same_a") == getattr(untraced, attr)
    assert type(traced.__loader__) is type(untraced.__loader__) is importlib.machinery.SourceFileLoader
    assert traced.__spec__.loader is traced.__loader__
    assert type(traced.__spec__) is importlib.machinery.ModuleSpec
    assert traced.__file__ == str(project.root / "same_b" / "m.py")
    pickle.dumps(traced.__spec__)
    assert importlib.import_module is not None and isinstance(traced, types.ModuleType)


def test_recorded_line_numbers_come_from_the_import_statement(project: Project) -> None:
    project.write({"lines.py": "# one\n# two\nimport os\n\n\ndef g():\n    import os\n    return os\n\ng()\n"})
    with importtrace.trace() as t:
        import lines  # noqa: F401
    assert [e.line for e in t.events if e.kind == "hit" and e.name == "os"] == [3, 7]


def test_trace_of_an_empty_block() -> None:
    with importtrace.trace() as t:
        pass
    assert t.events == [] and t.loaded() == [] and t.why("json") == []
    assert t.header["python"].startswith("%d.%d" % sys.version_info[:2])


# --- facts for --explain ---------------------------------------------------------------------------------


def test_explain_records_where_bytecode_came_from(project: Project) -> None:
    import compileall

    project.write({"fresh.py": "A = 1\n", "stale.py": "B = 1\n", "nocache.py": "C = 1\n"})
    compileall.compile_file(str(project.root / "fresh.py"), quiet=1)
    compileall.compile_file(str(project.root / "stale.py"), quiet=1)
    project.write({"stale.py": "B = 2  # changed after compiling\n"})
    with importtrace.trace(explain=True) as t:
        import fresh  # noqa: F401
        import nocache  # noqa: F401
        import stale  # noqa: F401
    assert [(e.name, e.bytecode) for e in t.of_kind("load")] == [
        ("fresh", "cached"),
        ("nocache", "compiled"),
        ("stale", "stale"),
    ]
    assert t.header["explain"] is True


def test_without_explain_no_bytecode_io(project: Project) -> None:
    project.write({"plainload.py": ""})
    with importtrace.trace() as t:
        import plainload  # noqa: F401
    assert only(t, "load", "plainload").bytecode is None and t.header["explain"] is False


def test_an_inner_explain_trace_leaves_no_bytecode_io_behind(project: Project) -> None:
    project.write({"inner_mod.py": "", "after_mod.py": ""})
    with importtrace.trace() as outer:
        with importtrace.trace(explain=True):
            import inner_mod  # noqa: F401
        import after_mod  # noqa: F401
    assert only(outer, "load", "inner_mod").bytecode is not None
    assert only(outer, "load", "after_mod").bytecode is None


def test_reload_reports_unchanged_names_and_stale_from_bindings(project: Project) -> None:
    project.write(
        {
            "shape.py": "SIDES = [4]\ndef area():\n    return 1\nclass Box:\n    pass\nKEEP = 'k'\n",
            "user.py": "from shape import SIDES, area, Box\n",
        }
    )
    import shape
    import user  # noqa: F401

    project.write({"shape.py": "SIDES = [5]\ndef area():\n    return 2\n"})
    with importtrace.trace() as t:
        importlib.reload(shape)
    reload = only(t, "reload", "shape")
    assert reload.rebound == ["SIDES", "area"] and reload.unchanged == ["Box", "KEEP"]
    assert reload.stale == ["user.SIDES", "user.area"]  # user still holds the old objects


def test_header_knows_the_search_path_and_stdlib(project: Project) -> None:
    with importtrace.trace() as t:
        pass
    assert t.header["path"][0] == str(project.root) and t.header["stdlib"]
    assert (Path(t.header["stdlib"]) / "os.py").exists()
    assert t.header["dont_write_bytecode"] == sys.dont_write_bytecode


def test_nested_trace_started_after_a_finder_went_ahead_is_told_too(project: Project) -> None:
    project.write({"late_mod.py": ""})

    class Ahead:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            return None

    with importtrace.trace():
        sys.meta_path.insert(0, Ahead())
        import colorsys  # noqa: F401  (the outer trace notices the finder here)

        with importtrace.trace() as inner:
            import late_mod  # noqa: F401
    assert [n["code"] for n in inner.notes] == ["shadowed"]


def test_a_same_size_rewrite_is_what_a_reload_runs_with_bytecode_written(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The project helper's promise, whatever PYTHONDONTWRITEBYTECODE says: a pyc of the first version
    # (same size, same second) must not be taken for the second.
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    project.write({"same_size.py": "X = 1\n"})
    import same_size

    project.write({"same_size.py": "X = 2\n"})
    with importtrace.trace() as t:
        importlib.reload(same_size)
    assert same_size.X == 2 and only(t, "reload", "same_size").rebound == ["X"]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="imp was removed in 3.12")
def test_imp_reload_is_recorded(project: Project) -> None:
    import warnings

    project.write({"old_style.py": "X = 1\n"})
    import old_style

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import imp
    project.write({"old_style.py": "X = 2\n"})
    with importtrace.trace() as t:
        line = sys._getframe().f_lineno + 1
        imp.reload(old_style)
    reload = only(t, "reload", "old_style")
    assert reload.rebound == ["X"] and old_style.X == 2
    assert reload.importer == __name__ and reload.where == "%s:%d" % (__file__, line)  # not imp.py's line


def test_a_trace_stopped_while_the_program_patches_sys_says_the_truth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Tests patch sys.version_info, sys.implementation or sys.argv (packaging's do) and the plugin stops
    its recording before monkeypatch undoes them: stopping must not fail, and the header is the real one."""
    real = "%d.%d.%d" % sys.version_info[:3]
    implementation = sys.implementation.name
    with importtrace.trace() as t:
        import colorsys  # noqa: F401

        monkeypatch.setattr(sys, "version_info", (3, 1))
        monkeypatch.setattr(sys, "implementation", types.SimpleNamespace())
        monkeypatch.setattr(sys, "argv", None)
        monkeypatch.setattr(sys, "pycache_prefix", object(), raising=False)
    monkeypatch.undo()
    assert t.header["python"] == real and t.header["implementation"] == implementation
    assert t.header["argv"] == [] and t.header["pycache_prefix"] is None
    t.save(tmp_path / "t.jsonl")
    assert importtrace.load(tmp_path / "t.jsonl").header["python"] == real
