"""Assertion helpers and fresh imports, on real packages written to tmp_path (no pytest plugin needed)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import importtrace
from importtrace import TraceError
from importtrace.integrations import _fresh
from importtrace.rules._assertions import cycles

from .conftest import TRACED_IMPORT_AT, Project, traced_import

APP = {
    "app/__init__.py": "",
    "app/cli.py": "import json\nimport app.report\n\ndef main():\n    return 1\n",
    "app/report.py": "import heavy\n",
    "heavy/__init__.py": "from heavy import core\n",
    "heavy/core.py": "X = 1\n",
}


@pytest.fixture
def app(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The app package, with the working directory at its root so messages show relative paths."""
    project.write(APP)
    monkeypatch.chdir(project.root)
    return project


# --- not imported / loaded / requested ------------------------------------------------------------------


def test_not_loaded_names_the_chain_with_file_and_line(app: Project) -> None:
    t = traced_import("app.cli")
    importtrace.assert_not_loaded(t, "pandas", "app.missing")
    with pytest.raises(AssertionError) as info:
        importtrace.assert_not_loaded(t, "heavy")
    assert str(info.value).splitlines() == [
        "heavy was loaded: %s imported app.cli; app/cli.py:2 imported app.report; app/report.py:1 imported heavy"
        % TRACED_IMPORT_AT,
        "  also loaded: heavy.core",
    ]


def test_glob_pattern_names_the_first_match_and_lists_the_rest(app: Project) -> None:
    t = traced_import("app.cli")
    with pytest.raises(AssertionError) as info:
        importtrace.assert_not_imported(t, "hea*")
    first, also = str(info.value).splitlines()
    assert first.startswith("heavy (matching 'hea*') was imported: ")
    assert first.endswith("app/report.py:1 imported heavy")
    assert also == "  also imported: heavy.core"
    with pytest.raises(
        AssertionError, match=r"^app\.report \(matching 'app.rep\?rt'\) was loaded: .* imported app\.report$"
    ):
        importtrace.assert_not_loaded(t, "app.rep?rt")


def test_a_cache_hit_counts_as_imported_but_not_as_loaded(app: Project) -> None:
    import heavy  # noqa: F401  (loaded before the trace: only a cache hit inside it)

    t = traced_import("app.cli")
    importtrace.assert_not_loaded(t, "heavy")
    with pytest.raises(AssertionError) as info:
        importtrace.assert_not_imported(t, "heavy")
    assert str(info.value) == (
        "heavy was imported (from the cache: it was already in sys.modules): "
        "%s imported app.cli; app/cli.py:2 imported app.report; app/report.py:1 imported heavy" % TRACED_IMPORT_AT
    )


def test_not_requested_catches_a_failed_optional_import(app: Project) -> None:
    app.write({"optional.py": "try:\n    import not_installed_xyz\nexcept ImportError:\n    pass\n"})
    t = traced_import("optional")
    importtrace.assert_not_imported(t, "not_installed_xyz")
    importtrace.assert_not_loaded(t, "not_installed_xyz")
    with pytest.raises(AssertionError) as info:
        importtrace.assert_not_requested(t, "not_installed_xyz")
    assert str(info.value).startswith("not_installed_xyz was requested (the search found nothing): ")
    assert str(info.value).endswith("; optional.py:2 asked for not_installed_xyz (not found)")


def test_a_load_that_raised_counts_and_says_so(app: Project) -> None:
    app.write({"broken.py": "import heavy\nraise RuntimeError('nope')\n"})
    with importtrace.trace() as t:
        with pytest.raises(RuntimeError):
            import broken  # noqa: F401
    with pytest.raises(AssertionError, match=r"^broken was loaded \(and its code raised RuntimeError: nope\): "):
        importtrace.assert_not_loaded(t, "broken")
    with pytest.raises(AssertionError, match=r"broken was not imported: broken was requested \(and its code raised"):
        importtrace.assert_imported(t, "broken")


def test_patterns_are_required_and_must_be_strings(app: Project) -> None:
    t = traced_import("app.cli")
    with pytest.raises(TypeError, match="at least one"):
        importtrace.assert_not_imported(t)
    with pytest.raises(TypeError, match="non-empty strings"):
        importtrace.assert_not_loaded(t, "")


def test_helpers_take_a_stopped_recording_and_refuse_a_running_one(app: Project) -> None:
    with importtrace.trace() as rec:
        import app.cli  # noqa: F401

        with pytest.raises(TraceError, match="still recording"):
            importtrace.assert_not_loaded(rec, "heavy")
    with pytest.raises(AssertionError, match=r"^heavy was loaded"):
        importtrace.assert_not_loaded(rec, "heavy")


def test_importtraces_own_modules_are_never_counted(app: Project) -> None:
    sys.modules.pop("importtrace.rules._check", None)
    with importtrace.trace() as t:
        importlib.import_module("importtrace.rules._check")  # what a lazy name does on first use
    assert "importtrace.rules._check" in t.loaded()
    importtrace.assert_max_modules(t, 0)
    importtrace.assert_not_imported(t, "importtrace*")


# --- imported -----------------------------------------------------------------------------------------


def test_imported_passes_for_loads_and_hits(app: Project) -> None:
    import heavy  # noqa: F401

    t = traced_import("app.cli")
    importtrace.assert_imported(t, "app.cli", "heavy", "app.*")


def test_imported_failure_says_what_happened_instead(app: Project) -> None:
    import app.report  # noqa: F401  (preloaded, and nothing in the trace imports it)

    with importtrace.trace() as t:
        import json  # noqa: F401
    with pytest.raises(AssertionError) as info:
        importtrace.assert_imported(t, "app.report", "nothing_like_this")
    preloaded, absent = str(info.value).splitlines()
    assert preloaded.startswith("app.report was not imported: it was loaded before the trace began")
    assert "fresh_import" in preloaded
    assert absent == "nothing_like_this was not imported (nothing requested it); loaded: nothing"


# --- module budget --------------------------------------------------------------------------------------


def test_max_modules_at_the_limit_passes_and_above_names_the_biggest_imports(app: Project) -> None:
    t = traced_import("app.cli")
    loaded = [n for n in t.loaded() if not n.startswith("importtrace")]
    assert loaded == ["app", "app.cli", "app.report", "heavy", "heavy.core"]  # json was loaded before
    importtrace.assert_max_modules(t, 5)
    importtrace.assert_max_modules(t, 2, "heavy")
    with pytest.raises(AssertionError) as info:
        importtrace.assert_max_modules(t, 4)
    lines = str(info.value).splitlines()
    # The culprit is the separate subtree (heavy), not app.cli, app.report: they contain everything.
    assert lines[0] == "5 modules were loaded (all own code), more than the budget of 4; the largest separate imports"
    assert lines[1].startswith("  heavy and its imports, 2 modules: ") and lines[1].endswith(
        "app/cli.py:2 imported app.report; app/report.py:1 imported heavy"
    )
    assert lines[2] == "  loaded: app, app.cli, app.report, heavy, heavy.core"
    with pytest.raises(AssertionError, match=r"^2 modules matching 'heavy' were loaded \(all own code\), more than"):
        importtrace.assert_max_modules(t, 1, "heavy")


# --- cycles ---------------------------------------------------------------------------------------------


def test_no_cycles_passes_for_a_package_importing_its_own_submodules(project: Project) -> None:
    project.write({"selfpkg/__init__.py": "from . import part\n", "selfpkg/part.py": "P = 1\n"})
    t = traced_import("selfpkg")
    importtrace.assert_no_cycles(t)


def test_cycle_through_import_statement(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write({"cyd/__init__.py": "", "cyd/a.py": "import cyd.b\nA = 1\n", "cyd/b.py": "import cyd.a\nB = 1\n"})
    monkeypatch.chdir(project.root)
    t = traced_import("cyd.a")
    with pytest.raises(AssertionError) as info:
        importtrace.assert_no_cycles(t)
    assert str(info.value) == (
        "circular import: cyd.b imported cyd.a while cyd.a was still initialising: "
        "%s imported cyd.a; cyd/a.py:1 imported cyd.b; cyd/b.py:1 imported cyd.a" % TRACED_IMPORT_AT
    )
    importtrace.assert_no_cycles(t, "other*")


def test_cycle_through_from_package_import_submodule(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """``from . import a`` hits the package, not cye.a: the raw partial flag misses it, cycles() does not."""
    project.write({"cye/__init__.py": "", "cye/a.py": "from . import b\nA = 1\n", "cye/b.py": "from . import a\n"})
    monkeypatch.chdir(project.root)
    t = traced_import("cye.a")
    assert not any(e.partial for e in t.of_kind("hit"))
    assert (
        [(hit.name, target) for hit, target in cycles(t)]
        == [("cye", "cye.a")]
        == [(hit.name, target) for hit, target in t.cycles()]
    )
    with pytest.raises(AssertionError) as info:
        importtrace.assert_no_cycles(t)
    assert str(info.value).startswith("circular import: cye.b imported cye.a while cye.a was still initialising: ")
    assert str(info.value).endswith("cye/a.py:1 imported cye.b; cye/b.py:1 imported cye.a (from cye import a)")


def test_package_parts_importing_siblings_are_not_cycles_but_its_unfinished_names_are(project: Project) -> None:
    """``from . import sibling`` while the package's __init__ runs is how packages work (json, asyncio);
    ``from . import NAME`` for a name the __init__ has not defined yet is a real cycle."""
    project.write(
        {
            "parts/__init__.py": "from . import a\nfrom . import late\nVALUE = 1\n",
            "parts/a.py": "from . import b\nfrom parts import b as b2\n",
            "parts/b.py": "",
            "parts/late.py": "try:\n    from . import VALUE\nexcept ImportError:\n    pass\n",
        }
    )
    t = traced_import("parts")
    assert len([e for e in t.of_kind("hit") if e.partial]) == 3  # every hit on the unfinished package
    assert [(hit.importer, target, hit.missing) for hit, target in cycles(t)] == [("parts.late", "parts", ["VALUE"])]
    assert cycles(t) == t.cycles()


def test_the_standard_librarys_own_cycles_count_only_when_asked(tmp_path: Path) -> None:
    code = """
        import importtrace, json
        from importtrace.rules._assertions import cycles
        with importtrace.trace() as t:
            import json, re, asyncio, email.message, logging, argparse, typing, decimal
        print(json.dumps({"recorder": len([e for e in t.of_kind("hit") if e.partial]),
                          "default": [x for _, x in cycles(t.trace)],
                          "stdlib": [(h.importer, x) for h, x in cycles(t.trace, stdlib=True)]}))
    """
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True, text=True)
    result = json.loads(out.stdout)
    assert result["recorder"] > 5 and result["default"] == []
    if sys.version_info >= (3, 12):  # asyncio.tasks imports asyncio.timeouts, which imports it back
        assert ["asyncio.timeouts", "asyncio.tasks"] in result["stdlib"]


def test_cycle_that_fails_names_the_missing_names(project: Project) -> None:
    project.write({"cyc_a.py": "import cyc_b\nA = 1\n", "cyc_b.py": "from cyc_a import A\n"})
    with importtrace.trace() as t:
        with pytest.raises(ImportError):
            import cyc_a  # noqa: F401
    with pytest.raises(AssertionError, match=r"cyc_b imported cyc_a while .* \(names not defined yet: A\)"):
        importtrace.assert_no_cycles(t)


# --- a finder ahead of importtrace's (pytest's assertion rewriter does this) -------------------------------


class AheadFinder:
    """A real finder that serves one module, put ahead of importtrace's finder during the trace."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, path, target)


def test_messages_through_a_module_loaded_by_a_finder_ahead(app: Project) -> None:
    app.write({"shadowed_mod.py": "import heavy\n"})
    with importtrace.trace() as t:
        sys.meta_path.insert(0, AheadFinder("shadowed_mod"))
        import shadowed_mod  # noqa: F401
    assert [n["code"] for n in t.notes] == ["shadowed"]
    with pytest.raises(AssertionError) as info:
        importtrace.assert_not_loaded(t, "heavy")
    assert str(info.value).splitlines()[0] == (
        "heavy was loaded: shadowed_mod loaded by SourceFileLoader, a finder ahead of importtrace's "
        "(unobserved: who imported it is unknown); shadowed_mod.py:1 imported heavy"
    )
    with pytest.raises(AssertionError) as info:
        importtrace.assert_not_loaded(t, "shadowed_mod")
    assert str(info.value) == (
        "shadowed_mod was loaded: loaded by SourceFileLoader, a finder ahead of importtrace's "
        "(unobserved: who imported it is unknown)"
    )
    importtrace.assert_imported(t, "shadowed_mod")
    with pytest.raises(AssertionError, match=r"^3 modules were loaded"):
        importtrace.assert_max_modules(t, 2)


# --- fresh imports --------------------------------------------------------------------------------------


def test_fresh_import_replays_a_cached_module_and_restores_sys_modules(app: Project) -> None:
    import app.cli

    old = {n: sys.modules[n] for n in ("app", "app.cli", "app.report", "heavy", "heavy.core")}
    with importtrace.trace() as t, importtrace.fresh_import("app.cli") as fresh:
        assert fresh is sys.modules["app.cli"] and fresh is not old["app.cli"]
        assert sys.modules["heavy"] is not old["heavy"]
    assert t.loaded() == ["app", "app.cli", "app.report", "heavy", "heavy.core"]
    assert all(sys.modules[n] is m for n, m in old.items())
    assert app.cli.main() == 1 and sys.modules["app"].cli is old["app.cli"]
    assert t.first_load("app.cli").where == "%s:%d" % (__file__, sys._getframe().f_lineno - 6)  # type: ignore[union-attr]
    with pytest.raises(AssertionError, match=r"^heavy was loaded: .*test_assertions.py:\d+ imported app.cli; "):
        importtrace.assert_not_loaded(t, "heavy")


def test_plan_takes_the_package_and_what_came_after_it_but_not_the_stdlib(app: Project) -> None:
    app.write({"before.py": "", "after.py": ""})
    for name in ("before", "app.cli", "after"):  # in this order: sys.modules keeps it
        importlib.import_module(name)

    stdlib = next(n for n in ("colorsys", "sched", "wave", "tabnanny") if n not in sys.modules)
    importlib.import_module(stdlib)
    plan = _fresh.plan("app.cli")
    assert {"app", "app.cli", "app.report", "heavy", "heavy.core", "after"} <= set(plan)
    assert "before" not in plan and stdlib not in plan and "json" not in plan
    assert not any(n.startswith(("importtrace", "pytest", "_pytest")) for n in plan)
    assert stdlib in _fresh.plan("app.cli", unload=[stdlib])
    assert "heavy" not in _fresh.plan("app.cli", keep=["hea*"])


def test_a_kept_parent_gets_its_old_submodule_back(app: Project) -> None:
    app.write({"kept/__init__.py": "", "kept/sub.py": "", "user.py": "import kept.sub\nimport kept.new\n"})
    app.write({"kept/new.py": ""})
    import kept.sub
    import user  # noqa: F401

    sys.modules.pop("kept.new")
    del kept.new  # type: ignore[attr-defined]
    old_sub = kept.sub
    with importtrace.fresh_import("user", unload=["kept.sub"]) as fresh:
        assert fresh.__name__ == "user"
        assert kept.sub is not old_sub and "kept.new" in sys.modules  # the fresh copies, on the kept parent
    assert kept.sub is old_sub and sys.modules["kept.sub"] is old_sub
    assert "kept.new" not in sys.modules and not hasattr(kept, "new")


def test_fresh_import_that_raises_restores_at_once(app: Project) -> None:
    app.write({"explodes/__init__.py": "import heavy\nimport json\nraise KeyError('k')\n"})
    before = dict(sys.modules)
    import heavy  # noqa: F401

    before = dict(sys.modules)
    fresh = importtrace.fresh_import("explodes")
    with importtrace.trace() as t:
        with pytest.raises(KeyError):
            fresh.start()
    assert dict(sys.modules) == before
    assert t.first_load("explodes").error == {"type": "KeyError", "message": "'k'"}  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="already used"):
        fresh.start()


def test_fresh_import_rejects_names_it_cannot_replay(app: Project) -> None:
    with pytest.raises(ValueError, match="absolute"):
        importtrace.fresh_import(".sibling")
    import app.cli  # noqa: F401

    for name, keep in (("sys", ()), ("importtrace.trace._trace", ()), ("app.cli", ("app",))):
        before = dict(sys.modules)
        with pytest.raises(ValueError, match="cannot be imported afresh"):
            importtrace.fresh_import(name, keep=keep).start()
        assert dict(sys.modules) == before


def _extension_file() -> tuple[str, str]:
    for name in ("_bisect", "_heapq", "_json", "_csv", "_statistics", "_random", "_struct", "array", "math"):
        spec = importlib.util.find_spec(name)
        if spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            assert spec.origin is not None
            return name, spec.origin
    pytest.skip("no standard extension module built as a file")


def test_packages_with_a_compiled_module_are_never_unloaded(app: Project) -> None:
    name, origin = _extension_file()
    (app.root / "compiled").mkdir()
    (app.root / "compiled" / "__init__.py").write_text("")
    (app.root / "compiled" / "helper.py").write_text("")
    shutil.copy(origin, app.root / "compiled" / Path(origin).name)
    importlib.invalidate_caches()
    importlib.import_module("app.cli")
    importlib.import_module(f"compiled.{name}")
    import compiled.helper  # noqa: F401

    assert sys.modules[f"compiled.{name}"].__spec__.loader.__class__.__name__ == "ExtensionFileLoader"
    plan = _fresh.plan("app.cli")
    assert "heavy" in plan and not any(n.startswith("compiled") for n in plan)
    full = _fresh.plan("compiled.helper")
    assert "compiled.helper" in full and f"compiled.{name}" not in full
