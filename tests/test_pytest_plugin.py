"""The pytest plugin, run through pytester: the fixture, its assertions, --importtrace, pytest's
assertion rewriter (its meta-path finder and its "already imported" warning) and pytest-xdist."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import write_files

ROOT = Path(__file__).resolve().parent.parent

APP = {
    "app/__init__.py": "",
    "app/cli.py": "import app.report\n\ndef main():\n    return 0\n",
    "app/report.py": "import heavy\n",
    "heavy.py": "import heavy_part\n",
    "heavy_part.py": "",
}


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# --- loading the plugin ---------------------------------------------------------------------------------


def test_importing_the_plugin_loads_only_importtrace_and_traces_nothing(tmp_path: Path) -> None:
    code = """
        import builtins, json, sys
        import pytest
        before = set(sys.modules)
        original = builtins.__import__
        import importtrace.integrations.pytest_plugin
        from importtrace import record as _recorder
        print(json.dumps({"new": sorted(set(sys.modules) - before), "active": _recorder.active(),
                          "patched": builtins.__import__ is not original}))
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    assert result["active"] is False and result["patched"] is False
    assert "importtrace.integrations.pytest_plugin" in result["new"]
    assert all(n == "importtrace" or n.startswith("importtrace.") for n in result["new"]), result["new"]
    assert not any(
        n.startswith(("importtrace.rules._check", "importtrace.renderers", "importtrace.run._cli"))
        for n in result["new"]
    )


def test_a_session_traces_only_tests_that_ask(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_quiet="""
        import builtins
        from importtrace import record as _recorder

        def test_without_fixture():
            assert not _recorder.active()
            assert builtins.__import__.__module__ == "builtins" and builtins.__import__.__name__ == "__import__"

        def test_with_fixture(import_trace):
            assert _recorder.active() and import_trace.recording
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_tests_that_patch_sys_pass_as_untraced(pytester: pytest.Pytester) -> None:
    """packaging's tests patch sys.version_info; the plugin stops a test's recording before monkeypatch
    undoes it (its header read the patched value and failed the test)."""
    pytester.makepyfile(
        test_patching="""
        import sys, types

        def test_version(monkeypatch):
            monkeypatch.setattr(sys, "version_info", (3, 1))
            import colorsys

        def test_implementation(monkeypatch, import_trace):
            monkeypatch.setattr(sys, "implementation", types.SimpleNamespace())
        """
    )
    pytester.runpytest("-p", "no:cacheprovider", "--importtrace", "-W", "error").assert_outcomes(passed=2)


# --- the fixture and its assertions ---------------------------------------------------------------------


def test_fixture_assertions_pass_and_fail_with_the_chain(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, APP)
    pytester.makepyfile(
        test_budget="""
        import importtrace
        import app.cli  # loaded at collection: later imports are cache hits

        def test_passes(import_trace):
            import_trace.fresh_import("app.cli")
            import_trace.assert_not_imported("pandas", "numpy*")
            import_trace.assert_not_requested("pandas")
            import_trace.assert_imported("app.report", "heavy")
            import_trace.assert_max_modules(5)
            import_trace.assert_no_cycles()

        def test_not_imported(import_trace):
            import_trace.fresh_import("app.cli")
            import_trace.assert_not_imported("heav*")

        def test_budget(import_trace):
            import_trace.fresh_import("app.cli")
            import_trace.assert_max_modules(4)

        def test_a_plain_import_is_only_a_hit(import_trace):
            import app.cli
            import_trace.assert_not_loaded("heavy")
            import_trace.assert_imported("app.cli")
            importtrace.assert_not_imported(import_trace, "app.report")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            '>*import_trace.assert_not_imported("heav*")',
            "E*AssertionError: heavy (matching 'heav*') was imported: test_budget.py:13 imported app.cli; "
            "app/cli.py:1 imported app.report; app/report.py:1 imported heavy",
            "E*also imported: heavy_part",
            ">*import_trace.assert_max_modules(4)",
            "E*AssertionError: 5 modules were loaded (all own code), more than the budget of 4; the largest separate *",
            "E*heavy and its imports, 2 modules: test_budget.py:17 imported app.cli; *app/report.py:1 imported heavy",
            "E*loaded: app, app.cli, app.report, heavy, heavy_part",
        ]
    )
    assert "pytest_plugin.py" not in result.stdout.str()  # __tracebackhide__: the test line is the culprit


def test_fixture_trace_so_far_stop_and_queries(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {n: "" for n in ("setup_mod.py", "mid_mod.py", "late_mod.py", "between_mod.py")})
    pytester.makeconftest(
        """
        import importlib

        def pytest_runtest_logreport(report):
            if report.when == "setup":  # pytest's own work between set-up and call: not the test's
                importlib.import_module("between_mod")
        """
    )
    pytester.makepyfile(
        test_window="""
        import importlib
        import pytest

        @pytest.fixture
        def loads_in_setup(import_trace):
            importlib.import_module("setup_mod")

        def test_window(import_trace, loads_in_setup):
            first = import_trace.trace
            assert first.loaded() == ["setup_mod"]
            import mid_mod
            assert import_trace.loaded() == ["setup_mod", "mid_mod"]  # Trace queries on the trace so far
            assert import_trace.recording and "between_mod" not in import_trace.requested()
            t = import_trace.stop()
            import late_mod
            assert not import_trace.recording and import_trace.stop() is t
            assert t.loaded() == ["setup_mod", "mid_mod"] and t.why("mid_mod")[0].where.endswith("test_window.py:11")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_fixture_fresh_import_is_undone_when_the_test_ends(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, APP)
    pytester.makepyfile(
        test_restore="""
        import sys
        import app.cli
        OLD = app.cli

        def test_fresh(import_trace):
            fresh = import_trace.fresh_import("app.cli")
            assert fresh is not OLD and sys.modules["app.cli"] is fresh and fresh.main() == 0
            assert import_trace.trace.why("heavy")[0].where.endswith("test_restore.py:6")

        def test_after():
            assert sys.modules["app.cli"] is OLD and sys.modules["app"].cli is OLD
            assert sys.modules["app"].report is sys.modules["app.report"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_assertion_failure_caught_by_the_test_keeps_recording(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {"one.py": "", "two.py": ""})
    pytester.makepyfile(
        test_caught="""
        import pytest

        def test_caught(import_trace):
            import one
            with pytest.raises(AssertionError, match="^one was loaded: test_caught.py:4 imported one$"):
                import_trace.assert_not_loaded("one")
            import two
            assert import_trace.loaded() == ["one", "two"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# --- pytest's assertion rewriter ----------------------------------------------------------------------


HELPERS = {
    "helpers.py": "import heavy\n\ndef check(x):\n    assert x == 1\n",
    "heavy.py": "",
    "conftest.py": "import pytest\n\npytest.register_assert_rewrite('helpers')\n",
}


def test_modules_the_rewriter_serves_are_seen_when_the_fixture_traces(pytester: pytest.Pytester) -> None:
    """The fixture's trace starts after pytest's finder is in place, so importtrace's goes first and
    asks pytest's: the rewritten module is an observed load whose loader is pytest's hook."""
    write_files(pytester.path, HELPERS)
    pytester.makepyfile(
        test_rewritten="""
        def test_observed(import_trace):
            import helpers
            load = import_trace.trace.first_load("helpers")
            assert load.observed and load.loader == "AssertionRewritingHook"
            import_trace.assert_not_loaded("heavy")

        def test_rewriting_still_works(import_trace):
            import helpers
            helpers.check(2)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: heavy was loaded: test_rewritten.py:2 imported helpers; helpers.py:1 imported heavy",
            "E*assert 2 == 1",  # helpers' assert was rewritten although importtrace traced its import
        ]
    )


RUNNER = """
import sys
import importtrace
import importtrace.integrations.pytest_plugin, importtrace.integrations._fresh
import importtrace.rules._assertions, importtrace.rules._check
recording = importtrace.start()  # as `python -m importtrace -m pytest`: importtrace first, pytest's finder later
import pytest
code = pytest.main(sys.argv[1:])
trace = importtrace.stop()
print("OUTER-NOTES", sorted({n["code"] for n in trace.notes}))
sys.exit(code)
"""

MARK_IMPORTTRACE = """
import pytest
# What pytest does for an installed (not editable) plugin package, and for
# -p importtrace.integrations.pytest_plugin:
# each name already imported without PYTEST_DONT_REWRITE in its docstring gets the warning.
pytest.register_assert_rewrite(
    "importtrace",
    "importtrace.integrations.pytest_plugin",
    "importtrace.rules._assertions",
    "importtrace.integrations._fresh",
    "importtrace.rules._check",
)
pytest.register_assert_rewrite("helpers")
"""


def run_under_importtrace(pytester: pytest.Pytester, *args: str) -> subprocess.CompletedProcess[str]:
    (pytester.path / "runner.py").write_text(RUNNER, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "runner.py", "-p", "no:cacheprovider", *args],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )


def test_no_rewrite_warning_when_importtrace_is_imported_before_pytest(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {**HELPERS, "conftest.py": MARK_IMPORTTRACE})
    write_files(pytester.path, APP)
    pytester.makepyfile(
        test_early="""
        def test_fixture_under_an_outer_trace(import_trace):
            import_trace.fresh_import("app.cli")
            import_trace.assert_imported("heavy_part")
        """
    )
    for flags in (["-W", "error::pytest.PytestAssertRewriteWarning"], ["-W", "error"]):
        out = run_under_importtrace(pytester, *flags)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "1 passed" in out.stdout and "PytestAssertRewriteWarning" not in out.stdout + out.stderr
        assert "OUTER-NOTES ['shadowed']" in out.stdout  # pytest's finder did go in ahead of importtrace's


FLAGS = ["-p", "no:cacheprovider", "-W", "error::pytest.PytestAssertRewriteWarning"]


def test_the_warning_check_itself_catches_a_module_without_the_marker(pytester: pytest.Pytester) -> None:
    """Control for the test above: the same set-up does fail for a module lacking PYTEST_DONT_REWRITE."""
    conftest = MARK_IMPORTTRACE + "pytest.register_assert_rewrite('plainmod')\n"
    write_files(pytester.path, {"plainmod.py": '"""No marker."""\n', "conftest.py": conftest})
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    out = subprocess.run(
        [sys.executable, "-c", "import sys, plainmod, pytest; sys.exit(pytest.main(sys.argv[1:]))", *FLAGS],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert out.returncode != 0
    assert "Module already imported so cannot be rewritten; plainmod" in out.stdout + out.stderr
    assert "cannot be rewritten; importtrace" not in out.stdout + out.stderr


@pytest.mark.parametrize("name", ["importtrace", "importtrace.integrations.pytest_plugin"])
def test_plugin_named_with_p_after_it_was_imported(pytester: pytest.Pytester, name: str) -> None:
    """With autoloading off, ``-p importtrace`` (the entry point) or the module's name loads the plugin,
    also when its module was imported before pytest started."""
    pytester.makepyfile(test_p="def test_p(import_trace):\n    assert import_trace.recording\n")
    env = subprocess_env()
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    code = "import sys, importtrace.integrations.pytest_plugin, pytest; sys.exit(pytest.main(sys.argv[1:]))"
    out = subprocess.run(
        [sys.executable, "-c", code, *FLAGS, "-p", name], cwd=pytester.path, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0 and "1 passed" in out.stdout, out.stdout + out.stderr


def test_modules_the_rewriter_serves_ahead_of_importtrace_are_unobserved(pytester: pytest.Pytester) -> None:
    """Under an outer trace started before pytest, pytest's finder sits ahead of importtrace's: the
    modules it rewrites load unobserved, and the messages say so where the chain stops."""
    write_files(pytester.path, HELPERS)
    pytester.makepyfile(
        test_shadowed="""
        def test_shadowed(import_trace):
            import helpers
            load = import_trace.trace.first_load("helpers")
            assert not load.observed and load.loader == "AssertionRewritingHook" and load.where is None
            import_trace.assert_not_loaded("heavy")
        """
    )
    out = run_under_importtrace(pytester)
    assert "1 failed" in out.stdout, out.stdout + out.stderr
    assert (
        "AssertionError: heavy was loaded: helpers loaded by AssertionRewritingHook, a finder ahead of "
        "importtrace's (unobserved: who imported it is unknown); helpers.py:1 imported heavy"
    ) in out.stdout


# --- --importtrace ----------------------------------------------------------------------------------------


SUMMARY_TESTS = """
import pytest

@pytest.fixture
def report_module():
    import app.report
    return app.report

def test_loads(report_module):
    import app.cli

def test_nothing():
    pass

def test_fails():
    import lonely
    assert False

def test_reloads():
    import importlib, app.cli
    importlib.reload(app.cli)
"""


def test_importtrace_option_adds_a_summary_per_test(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {**APP, "lonely.py": ""})
    pytester.makepyfile(test_summary=SUMMARY_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--importtrace")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- importtrace -*",  # the section in the failing test's report
            "1 module loaded, 0 cache hits, imports took * ms",
            "slowest (self time): lonely * ms",
            "loaded: lonely",
            "*= importtrace: imports per test =*",
            "test_summary.py::test_loads: 5 modules loaded, * cache hit*, imports took * ms",
            "    slowest (self time): * ms, * ms, * ms",
            "    loaded: app, app.report, heavy, heavy_part, app.cli",
            "test_summary.py::test_nothing: 0 modules loaded, 0 cache hits, imports took 0.00 ms",
            "test_summary.py::test_fails: 1 module loaded, 0 cache hits, imports took * ms",
            "test_summary.py::test_reloads: 0 modules loaded, * cache hit*, 1 reload, imports took * ms",
        ]
    )


def test_without_the_option_there_is_no_summary(pytester: pytest.Pytester) -> None:
    write_files(pytester.path, {**APP, "lonely.py": ""})
    pytester.makepyfile(test_summary=SUMMARY_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    assert "- importtrace -" not in out and "imports per test" not in out and "modules loaded" not in out


def test_importtrace_option_with_xdist_workers(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    write_files(pytester.path, {**APP, "lonely.py": ""})
    pytester.makepyfile(test_summary=SUMMARY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist", "-n", "2", "--importtrace")
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    assert "2 workers" in out or "gw1" in out  # the tests ran in worker processes
    result.stdout.fnmatch_lines(["*- importtrace -*", "loaded: lonely"])
    summary = out[out.index("importtrace: imports per test") :]
    for line in (
        "test_summary.py::test_loads: 5 modules loaded",
        "test_summary.py::test_nothing: 0 modules loaded",
        "test_summary.py::test_fails: 1 module loaded",
    ):
        assert line in summary


def test_fixture_works_on_xdist_workers(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    write_files(pytester.path, APP)
    pytester.makepyfile(
        test_workers="""
        import app.cli
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_budget(import_trace, n):
            import_trace.fresh_import("app.cli")
            import_trace.assert_max_modules(5)
            import_trace.assert_not_imported("pandas")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=4)


# --- the example a user copies ------------------------------------------------------------------------------


def test_the_copyable_example_runs_as_documented(pytester: pytest.Pytester) -> None:
    shutil.copytree(ROOT / "examples" / "testing", pytester.path, dirs_exist_ok=True)
    source = (pytester.path / "test_import_budget.py").read_text(encoding="utf-8").splitlines()
    line = source.index('    import_trace.fresh_import("shop.legacy.orders")') + 1
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=5, xfailed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--runxfail", "-k", "legacy")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: circular import: shop.legacy.customers imported shop.legacy.orders while "
            f"shop.legacy.orders was still initialising: test_import_budget.py:{line} imported shop.legacy.orders; "
            "shop/legacy/orders.py:1 imported shop.legacy.customers; "
            "shop/legacy/customers.py:1 imported shop.legacy.orders (from shop.legacy import orders)"
        ]
    )
