"""`importtrace diff` and importtrace.diff(): two versions of a real package, recorded for real (the
command line in fresh interpreters, the library in process), compared."""

from __future__ import annotations

import importlib
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import importtrace
from importtrace.rules._diff import compare
from importtrace.rules._diffresult import Diff
from importtrace.rules._noise import median

from .conftest import run_cli, write_files

PARTS = {"heavy/parts/p%d.py" % i: "X = %d\n" % i for i in range(10)}
V1 = {
    "app/__init__.py": "",
    "app/cli.py": "import app.report\nimport app.util\nimport app.legacy\n",
    "app/report.py": """\
        def render():
            import heavy.engine
            return heavy.engine.run()
        """,
    "app/util.py": "X = 1\n",
    "app/legacy.py": "import app.legacy_helpers\n",
    "app/legacy_helpers.py": "",
    "heavy/__init__.py": "",
    "heavy/engine.py": """\
        import colorsys
        from heavy.parts import p0, p1, p2, p3, p4, p5, p6, p7, p8, p9

        def run():
            return 1
        """,
    "heavy/parts/__init__.py": "",
    **PARTS,
}
# The change under review: heavy imported eagerly, app.util now first imported by app.report, a new
# optional import that fails, a circular import between app.a and app.b, app.legacy gone.
V2 = {
    **{k: v for k, v in V1.items() if not k.startswith("app/legacy")},
    "app/cli.py": "import app.report\nimport app.util\nimport app.a\n",
    "app/report.py": """\
        import heavy.engine
        import app.util

        def render():
            return heavy.engine.run()
        """,
    "app/util.py": """\
        try:
            import not_installed_xyz
        except ImportError:
            pass
        X = 1
        """,
    "app/a.py": "from app import b\nA = 1\n",
    "app/b.py": "from app import a\n",
}
HEAVY = ["heavy", "heavy.engine", "colorsys", "heavy.parts", *("heavy.parts.p%d" % i for i in range(10))]


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    return write_files(tmp_path / "v1", V1), write_files(tmp_path / "v2", V2)


@pytest.fixture
def recorded(versions: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """Each version's start-up recorded by the command line, as a user would: one trace file each."""
    files = []
    for root, name in zip(versions, ("before.jsonl", "after.jsonl")):
        out = tmp_path / name
        done = run_cli(["--format", "jsonl", "-o", str(out), "-c", "import app.cli"], root)
        assert done.returncode == 0, done.stderr
        files.append(out)
    return files[0], files[1]


# --- the facts ----------------------------------------------------------------------------------------


def test_the_diff_names_the_line_that_pulled_in_a_heavy_module(recorded: tuple[Path, Path]) -> None:
    d = importtrace.diff(*recorded)
    assert not d.same_modules
    group, cycle = d.added  # biggest first: one import statement brought all of heavy's modules
    assert cycle.name == "app.a" and cycle.modules == ["app.a", "app.b"]
    assert group.name == "heavy.engine" and group.roots == ["heavy", "heavy.engine"]
    assert sorted(group.modules) == sorted(HEAVY) and group.modules[:2] == ["heavy", "heavy.engine"]
    assert group.stdlib == 1  # colorsys
    assert group.chain[0] == "<string>:1 imported app.cli"
    assert group.chain[1].endswith("app/cli.py:1 imported app.report")
    assert group.chain[-1].endswith("v2/app/report.py:1 imported heavy.engine")
    assert sorted(d.added_modules) == sorted([*HEAVY, "app.a", "app.b"])


def test_modules_no_longer_loaded_are_grouped_with_their_chain_before(recorded: tuple[Path, Path]) -> None:
    d = importtrace.diff(*recorded)
    (gone,) = d.removed
    assert gone.name == "app.legacy" and gone.modules == ["app.legacy", "app.legacy_helpers"]
    assert gone.chain[-1].endswith("v1/app/cli.py:3 imported app.legacy")


def test_new_cycle_new_failure_and_changed_importer(recorded: tuple[Path, Path]) -> None:
    d = importtrace.diff(*recorded)
    (cycle,) = d.new_cycles
    assert (cycle.importer, cycle.module) == ("app.b", "app.a")
    assert cycle.headline == "app.b imported app.a while app.a was still initialising"
    assert cycle.chain[-1].endswith("app/b.py:1 imported app.a (from app import a)")
    assert d.resolved_cycles == []
    (failure,) = d.new_failures
    assert failure.headline == "not_installed_xyz was not found"
    assert failure.chain[-1].endswith("v2/app/util.py:2 asked for not_installed_xyz (not found)")
    (change,) = [c for c in d.importer_changes if not c.stdlib]
    assert (change.module, change.before, change.after) == ("app.util", "app.cli", "app.report")
    assert change.before_chain[-1].endswith("v1/app/cli.py:2 imported app.util")
    assert change.after_chain[-1].endswith("v2/app/report.py:2 imported app.util")


def test_the_reverse_diff_swaps_new_and_resolved(recorded: tuple[Path, Path]) -> None:
    d = importtrace.diff(recorded[1], recorded[0])
    assert [g.name for g in d.added] == ["app.legacy"] and [g.name for g in d.removed] == ["heavy.engine", "app.a"]
    assert d.new_cycles == [] and [c.module for c in d.resolved_cycles] == ["app.a"]
    assert d.new_failures == [] and [f.module for f in d.resolved_failures] == ["not_installed_xyz"]


def test_a_run_against_itself_is_the_same(recorded: tuple[Path, Path]) -> None:
    d = importtrace.diff(recorded[1], recorded[1])
    assert d.same_modules and not (d.new_cycles or d.new_failures or d.importer_changes)
    assert d.import_time.change == 0 and d.subtrees == []


def test_to_dict_is_json_ready_and_complete(recorded: tuple[Path, Path]) -> None:
    data = json.loads(json.dumps(importtrace.diff(*recorded).to_dict()))
    assert data["format"] == "importtrace-diff" and data["same_modules"] is False
    assert data["added"][0]["name"] == "heavy.engine" and data["removed"][0]["name"] == "app.legacy"
    assert data["new_cycles"][0]["importer"] == "app.b" and data["new_failures"][0]["module"] == "not_installed_xyz"
    assert data["import_time"]["beyond_noise"] is None  # one run a side: no measure of the noise
    assert data["before"]["runs"] == 1 and data["after"]["program"] == "-c 'import app.cli'"


# --- the command line -------------------------------------------------------------------------------


def test_text_report_and_exit_status(recorded: tuple[Path, Path], tmp_path: Path) -> None:
    done = run_cli(["diff", str(recorded[0]), str(recorded[1])], tmp_path)
    assert done.returncode == 1 and done.stderr == ""
    out = done.stdout
    assert "modules loaded: 7 -> 21 (16 new, 2 gone)" in out
    assert "+ heavy.engine and its imports: 14 modules (1 standard library)" in out
    assert "      v2/app/report.py:1 imported heavy.engine\n" in out
    assert "- app.legacy and its imports: 2 modules" in out
    assert "! app.b imported app.a while app.a was still initialising" in out
    assert "! not_installed_xyz was not found" in out
    assert "~ app.util: imported by app.cli, now by app.report" in out
    assert "one run a side, so this may be noise" in out
    assert "\x1b[" not in out  # no colour in a pipe
    same = run_cli(["diff", str(recorded[0]), str(recorded[0])], tmp_path)
    assert same.returncode == 0 and "(the same modules)" in same.stdout


def test_markdown_and_json(recorded: tuple[Path, Path], tmp_path: Path) -> None:
    md = run_cli(["diff", "--format", "markdown", str(recorded[0]), str(recorded[1])], tmp_path)
    assert md.returncode == 1
    assert md.stdout.startswith("### importtrace diff: modules loaded: 7 → 21 (16 new, 2 gone)\n")
    assert "- **`heavy.engine`** and its imports: 14 modules (1 standard library)" in md.stdout
    assert "  - `v2/app/report.py:1 imported heavy.engine`" in md.stdout
    assert "| **total** |" in md.stdout
    out = tmp_path / "diff.json"
    js = run_cli(["diff", "-f", "json", "-o", str(out), str(recorded[0]), str(recorded[1])], tmp_path)
    assert js.returncode == 1 and js.stdout == ""
    assert json.loads(out.read_text())["added"][0]["chain"][-1] == "v2/app/report.py:1 imported heavy.engine"


def test_rules_decide_the_exit_status_and_name_the_chain(recorded: tuple[Path, Path], tmp_path: Path) -> None:
    before, after = str(recorded[0]), str(recorded[1])
    held = run_cli(["diff", "--max-new-modules", "16", before, after], tmp_path)
    assert held.returncode == 0 and "Rules: all hold (max-new-modules 16)" in held.stdout
    failed = run_cli(["diff", "--max-new-modules", "0", "--forbid", "heavy.parts", before, after], tmp_path)
    assert failed.returncode == 1
    lines = failed.stdout.split("Rules: 2 rules failed\n")[1].splitlines()
    assert lines[0] == "FAILED max-new-modules 0: 16 new modules, more than 0"
    assert lines[1] == "    heavy.engine and its imports, 14 modules"
    assert lines[4] == "        v2/app/report.py:1 imported heavy.engine"
    forbid = lines.index("FAILED forbid heavy.parts: heavy.parts was imported")
    assert lines[forbid + 3] == "    v2/app/report.py:1 imported heavy.engine"
    assert lines[forbid + 4].endswith("heavy/engine.py:2 imported heavy.parts")
    js = run_cli(["diff", "-f", "json", "--forbid", "pandas", "--forbid", "colorsys", before, after], tmp_path)
    rules = json.loads(js.stdout)["rules"]
    assert [(r["rule"], r["passed"]) for r in rules] == [("forbid pandas", True), ("forbid colorsys", False)]
    assert js.returncode == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: [str(d / "nope.jsonl"), str(d / "nope.jsonl")], "nope.jsonl: no such file or directory"),
        (lambda d: [str(d / "empty"), str(d / "empty")], "empty: no trace files (*.jsonl) in this directory"),
        (lambda d: [str(d / "bad.jsonl"), str(d / "bad.jsonl")], "bad.jsonl:1: not valid JSON"),
        (lambda d: [str(d / "mixed"), str(d / "mixed")], "traced another program"),
        (lambda d: ["--max-slowdown", "5", str(d / "one.jsonl"), str(d / "one.jsonl")], "at least 5 a side"),
        (lambda d: ["--format", "html", str(d / "one.jsonl"), str(d / "one.jsonl")], "unknown diff format 'html'"),
        (lambda d: ["--max-new-modules", "-1", str(d / "one.jsonl"), str(d / "one.jsonl")], "--max-new-modules"),
        (lambda d: [str(d / "one.jsonl")], "the following arguments are required: AFTER"),
    ],
)
def test_bad_input_is_one_line_and_status_2(tmp_path: Path, make: object, message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a trace")
    (tmp_path / "bad.jsonl").write_text("{oops\n")
    trace = importtrace.Trace([], {"program": {"mode": "code", "target": "pass", "args": []}, "python": "3.11.7"})
    trace.save(tmp_path / "one.jsonl")
    (tmp_path / "mixed").mkdir()
    trace.save(tmp_path / "mixed" / "run-001.jsonl")
    trace.header["program"]["target"] = "import app"
    trace.save(tmp_path / "mixed" / "run-002.jsonl")
    done = run_cli(["diff", *make(tmp_path)], tmp_path)  # type: ignore[operator]
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


# --- repeated runs: --runs N, directories, medians -----------------------------------------------------


def test_runs_record_a_directory_and_keep_the_programs_status(versions: tuple[Path, Path], tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "run-009.jsonl").write_text("left from an earlier recording")
    (folder / "notes.txt").write_text("mine")
    code = "import app.cli, sys; print('ran'); sys.exit(3)"
    done = run_cli(["--runs", "3", "-o", str(folder), "-c", code], versions[0])
    assert done.returncode == 3
    assert done.stdout == "ran\n" * 3
    assert done.stderr.endswith("(run-001.jsonl to run-003.jsonl); 3 runs exited with status 3\n"), done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "run-001.jsonl", "run-002.jsonl", "run-003.jsonl"]
    d = importtrace.diff(folder, str(folder))
    assert d.before.runs == 3 and d.same_modules and d.import_time.beyond_noise is None  # too few to judge
    assert [len(importtrace.load(p).loaded("app*")) for p in sorted(folder.glob("run-*"))] == [6, 6, 6]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runs", "2", "-c", "pass"], "--runs N needs -o DIR"),
        (["--runs", "0", "-o", "d", "-c", "pass"], "--runs must be 1 or more"),
        (["--runs", "2", "-o", "d", "--format", "tree", "-c", "pass"], "--format tree does not apply"),
        (["--runs", "2", "-o", "d", "--why", "json", "-c", "pass"], "--why does not apply"),
        (["--runs", "2", "-o", "file.txt", "-c", "pass"], "is a file"),
    ],
)
def test_runs_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "file.txt").write_text("")
    done = run_cli([*args], tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert not (tmp_path / "d").exists()


# --- time and noise, with a clock the test controls ----------------------------------------------------
#
# Each in-process run reads a clock that advances a fixed step per reading: run-to-run noise is a run
# that is uniformly a few per cent faster or slower, as on a busy machine, and the numbers are exact.

BEFORE_STEPS = [1000, 1030, 980, 1050, 970]
AFTER_STEPS = [990, 1040, 1010, 960, 1020]  # interleaved with BEFORE_STEPS: slower and faster runs on both sides


def record(root: Path, steps: list[int]) -> list[importtrace.Trace]:
    """Import app.cli afresh from root once per step (after one warm-up run), each run on its own clock."""
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        traces = []
        for step in [steps[0], *steps]:
            with importtrace.trace(clock=itertools.count(0, step).__next__) as t, importtrace.fresh_import("app.cli"):
                pass
            traces.append(t.trace)
        return traces[1:]
    finally:
        sys.path.remove(str(root))


@pytest.fixture
def runs(versions: tuple[Path, Path]) -> Iterator[dict[str, list[importtrace.Trace]]]:
    v1, v2 = versions
    yield {
        "v1": record(v1, BEFORE_STEPS),
        "v1 again": record(v1, AFTER_STEPS),
        "v2": record(v2, AFTER_STEPS),
    }


def test_noise_alone_reports_no_time_change(runs: dict[str, list[importtrace.Trace]]) -> None:
    d = importtrace.diff(runs["v1"], runs["v1 again"])
    assert d.repeated and d.same_modules
    total = d.import_time
    assert total.change > 0 and total.percent is not None and total.percent > 0.5  # the median did move
    assert total.beyond_noise is False and total.p_value is not None and total.p_value > 0.5
    assert d.subtrees == []
    assert d.check(max_slowdown=0) == []
    text = _render(d)
    assert "Import time, medians of 5 and 5 runs: " in text and ": could be noise (rank test p = " in text
    assert "(subtrees are compared when the total changed beyond the noise)" in text


def test_a_real_slowdown_is_beyond_the_noise_and_named(runs: dict[str, list[importtrace.Trace]]) -> None:
    d = importtrace.diff(runs["v1"], runs["v2"])
    assert d.import_time.beyond_noise is True and d.import_time.change > 0
    top = d.subtrees[0]
    assert top.module == "heavy.engine" and top.before == 0 and top.beyond_noise
    assert top.chain[-1].endswith("v2/app/report.py:1 imported heavy.engine")
    # app.report got slower only because of heavy.engine: the list names heavy.engine, not every module above
    assert "app.report" not in [s.module for s in d.subtrees] and "app.cli" not in [s.module for s in d.subtrees]
    (failure,) = d.check(max_slowdown=10)
    assert failure.rule == "max-slowdown 10%" and "medians of 5 and 5 runs" in failure.message
    assert failure.chains[0][0].startswith("heavy.engine 0.00 -> ")
    assert failure.chains[0][-1].endswith("v2/app/report.py:1 imported heavy.engine")
    assert d.check(max_slowdown=10_000) == []


def test_medians_over_the_runs(runs: dict[str, list[importtrace.Trace]]) -> None:
    d = importtrace.diff(runs["v1"], runs["v1 again"])
    before = [importtrace.rules._assertions.import_time(t) for t in runs["v1"]]
    assert d.import_time.before_runs == before and d.import_time.before == median(before)
    assert median([3, 1, 2]) == 2 and median([4, 1, 2, 3]) == 2  # the mean of the middle two, in whole ns


def test_assert_diff_names_the_chain(runs: dict[str, list[importtrace.Trace]]) -> None:
    importtrace.assert_diff(importtrace.diff(runs["v1"], runs["v1 again"]))
    d = importtrace.diff(runs["v1"], runs["v2"])
    with pytest.raises(AssertionError) as info:
        importtrace.assert_diff(d)
    message = str(info.value)
    assert len(d.added_modules) >= 15  # heavy's 13, app.a and app.b (and colorsys unless already loaded)
    assert message.startswith("FAILED max-new-modules 0: %d new modules, more than 0\n" % len(d.added_modules))
    assert "v2/app/report.py:1 imported heavy.engine" in message
    importtrace.assert_diff(importtrace.diff(runs["v1"], runs["v2"]), max_new_modules=None, forbid=["pandas"])
    with pytest.raises(ValueError, match="max_new_modules must be"):
        importtrace.assert_diff(importtrace.diff(runs["v1"], runs["v2"]), max_new_modules=-1)


def test_runs_that_disagree_are_noted(runs: dict[str, list[importtrace.Trace]]) -> None:
    mixed = [runs["v1"][0], runs["v2"][0]]  # the same program (in process: no program header) that loaded more once
    d = importtrace.diff(runs["v1"], mixed)
    assert sorted(d.after.unsteady) == sorted([*d.added_modules, "app.legacy", "app.legacy_helpers"])
    assert "only some of the after runs loaded %d modules" % len(d.after.unsteady) in _render(d)


def _render(d: Diff) -> str:
    from importtrace.renderers.diff import render_diff

    return render_diff(d)


def test_compare_needs_traces_on_both_sides() -> None:
    with pytest.raises(ValueError, match="at least one trace"):
        compare([], [importtrace.Trace([])])


def test_the_fixture_compares_with_a_saved_baseline(
    pytester: pytest.Pytester, versions: tuple[Path, Path], tmp_path: Path
) -> None:
    v1, v2 = versions
    baseline = tmp_path / "baseline.jsonl"
    record(v1, [1000])[0].save(baseline)
    pytester.syspathinsert(v2)
    pytester.makepyfile(
        test_startup=f"""
        BASELINE = {str(baseline)!r}

        def test_no_new_modules(import_trace):
            import_trace.fresh_import("app.cli")
            import_trace.assert_diff(BASELINE)

        def test_within_the_budget(import_trace):
            import_trace.fresh_import("app.cli")
            d = import_trace.diff(BASELINE)
            assert [g.name for g in d.added] == ["heavy.engine", "app.a"] and import_trace.recording
            import_trace.assert_diff(BASELINE, max_new_modules=len(d.added_modules), forbid=["pandas"])
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: FAILED max-new-modules 0: * new modules, more than 0",
            "*app/report.py:1 imported heavy.engine",
        ]
    )


def test_a_package_loading_a_submodule_lazily_keeps_it_in_its_group(tmp_path: Path) -> None:
    """`from lazypkg import Thing` runs lazypkg's __getattr__ after lazypkg has loaded: the submodule's load
    is not inside lazypkg's, but lazypkg's code asked for it, so it belongs to lazypkg's group and time."""
    write_files(
        tmp_path,
        {
            "lazypkg/__init__.py": """\
                def __getattr__(name):
                    if name == "Thing":
                        from lazypkg.impl import Thing
                        return Thing
                    raise AttributeError(name)
                """,
            "lazypkg/impl.py": "class Thing:\n    pass\n",
        },
    )
    for name, code in (("before.jsonl", "pass"), ("after.jsonl", "from lazypkg import Thing")):
        done = run_cli(["--format", "jsonl", "-o", name, "-c", code], tmp_path)
        assert done.returncode == 0, done.stderr
    d = importtrace.diff(tmp_path / "before.jsonl", tmp_path / "after.jsonl")
    (group,) = d.added
    assert group.modules == ["lazypkg", "lazypkg.impl"] and group.chain == ["<string>:1 imported lazypkg"]
    after = importtrace.load(tmp_path / "after.jsonl")
    loads = [after.first_load("lazypkg"), after.first_load("lazypkg.impl")]
    assert loads[1] is not None and loads[1].importer == "lazypkg" and loads[1].parent == after.events[0].id
    assert group.time == sum(e.duration or 0 for e in loads if e is not None)


def test_the_rank_test_against_textbook_values() -> None:
    from importtrace.rules._noise import enough_runs, rank_test

    fast, slow = [10, 11, 12, 13, 14], [20, 21, 22, 23, 24]
    assert rank_test(fast, slow) == rank_test(slow, fast) == pytest.approx(2 / 252)  # every run apart: 2 of C(10, 5)
    assert rank_test([10, 11, 12, 22, 24], [13, 14, 20, 21, 23]) == pytest.approx(2 * 69 / 252)  # U = 16 of 25
    assert rank_test([10, 11, 12, 15, 16], [13, 17, 18, 19, 20]) == pytest.approx(2 * 4 / 252)  # U = 23: p = 0.032
    assert rank_test([5, 5], [5, 5]) == 1.0
    assert rank_test(list(range(25)), list(range(100, 125))) < 1e-8  # 50 runs: the normal approximation
    assert [enough_runs(*n) for n in ((5, 5), (4, 5), (4, 6), (3, 9), (3, 8), (2, 19), (1, 100))] == [
        True,
        False,
        True,
        True,
        False,
        True,
        False,
    ]


def test_one_very_slow_run_does_not_hide_a_change() -> None:
    """Only the order of the times counts: a run 20 times slower than the rest weighs as one slow run."""
    from importtrace.rules._diffresult import TimeChange

    change = TimeChange(None, [10, 11, 12, 13, 14], [20, 21, 22, 23, 500])
    assert change.beyond_noise is True and change.change == 10
    assert TimeChange(None, [10, 11, 12, 13, 14], [12, 13, 14, 11, 500]).beyond_noise is False
    assert TimeChange(None, [10, 11, 12, 13], [20, 21, 22, 23]).beyond_noise is None  # 4 a side cannot tell


def test_failed_imports_the_standard_library_makes_are_folded(tmp_path: Path) -> None:
    """mimetypes asks for winreg, which only Windows has: a fact, but not the program's failure."""
    for name, code in (("before.jsonl", "pass"), ("after.jsonl", "import mimetypes")):
        assert run_cli(["--format", "jsonl", "-o", name, "-c", code], tmp_path).returncode == 0
    d = importtrace.diff(tmp_path / "before.jsonl", tmp_path / "after.jsonl")
    (winreg,) = [f for f in d.new_failures if f.module == "winreg"]
    assert winreg.stdlib and "mimetypes.py:" in winreg.chain[-1]
    assert winreg.chain[-1].endswith(" asked for winreg (not found)")
    text = _render(d)
    assert "! winreg was not found" not in text
    assert " by the standard library (optional modules it probes for): " in text and "winreg" in text


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "diff"


def test_the_example_readme_shows_real_output(tmp_path: Path) -> None:
    """examples/diff/README.md: its commands, and the lines of its output that do not depend on the
    Python version or the machine (the groups, their chains, the failed rules), are real."""
    import shutil

    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    work = tmp_path / "diff"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("runs-*", "__pycache__"))
    for side in ("before", "after"):
        command = f"(cd {side} && importtrace --runs 10 -o ../runs-{side} -m mailer.cli --help > /dev/null)"
        assert command in readme
        done = run_cli(["--runs", "1", "-o", f"../runs-{side}", "-m", "mailer.cli", "--help"], work / side)
        assert done.returncode == 0 and "usage: mailer" in done.stdout, done.stderr
    assert "importtrace diff runs-before runs-after\n" in readme
    report = run_cli(["diff", "runs-before", "runs-after"], work)
    assert report.returncode == 1
    stable = [
        "+ smtplib and its imports: ",
        "      after/mailer/cli.py:4 imported smtplib\n",
        "+ email.mime.text and its imports: ",
        "      after/mailer/cli.py:5 imported email.mime.text\n",
    ]
    for text in stable:
        assert text in readme and text in report.stdout, text
    assert "importtrace diff --max-new-modules 0 --forbid smtplib runs-before runs-after\n" in readme
    rules = run_cli(["diff", "--max-new-modules", "0", "--forbid", "smtplib", "runs-before", "runs-after"], work)
    assert rules.returncode == 1
    shown = readme.split("Rules: 2 rules failed\n", 1)[1].split("```", 1)[0]
    real = rules.stdout.split("Rules: 2 rules failed\n", 1)[1]
    lines = [line for line in shown.splitlines() if "after/" in line or "FAILED forbid" in line]
    assert len(lines) == 4 and all(line + "\n" in real for line in lines), real


def test_a_run_ended_by_a_signal_stops_the_recording(tmp_path: Path) -> None:
    """Ctrl-C or a kill during --runs means stop: importtrace ends by the same signal after that run."""
    import signal

    code = "import os, signal; os.kill(os.getpid(), signal.%s)"
    done = run_cli(["--runs", "3", "-o", "int", "-c", code % "SIGINT"], tmp_path)
    assert done.returncode == -signal.SIGINT  # KeyboardInterrupt: the run's trace is handed over and kept
    assert "run 1 of 3 ended by signal %d; stopped" % signal.SIGINT in done.stderr
    assert sorted(p.name for p in (tmp_path / "int").iterdir()) == ["run-001.jsonl"]
    done = run_cli(["--runs", "3", "-o", "term", "-c", code % "SIGTERM"], tmp_path)
    assert done.returncode == -signal.SIGTERM  # killed outright: no trace to keep
    assert "run 1 of 3 ended without handing over its trace (status -%d); stopped" % signal.SIGTERM in done.stderr
    assert list((tmp_path / "term").iterdir()) == []


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("color", [False, True])
def test_no_format_lets_a_control_character_through(fmt: str, color: bool) -> None:
    """Names, paths, messages and programs come from trace files: shown spelled out, never interpreted."""
    import re

    from importtrace.renderers.diff import render_diff
    from importtrace.rules._diffresult import DiffRules, check

    from .test_renderers import EVIL_NAME, EVIL_PATH, ev, hostile_trace

    after = hostile_trace()
    after.events.append(ev(6, "load", EVIL_NAME + "`|x", 9500, 100, importer="`", where=EVIL_PATH + ":9"))
    after = importtrace.Trace(after.events, {**after.header, "program": {"mode": "code", "target": EVIL_NAME}})
    d = compare([importtrace.Trace([], {"python": "\x1b[0m"})], [after])
    assert d.added and d.new_failures
    rules = DiffRules(max_new_modules=0, forbid=[EVIL_NAME])
    text = render_diff(d, fmt, color=color, rules=rules, failures=check(d, rules))
    ours = re.sub(r"\x1b\[[0-9;]*m", "", text) if color and fmt == "text" else text
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2028\u2029]", ours), [
        line for line in ours.split("\n") if re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2028\u2029]", line)
    ]
    if fmt == "json":
        assert json.loads(text)["added"][0]["name"] == EVIL_NAME + "`|x"
    else:
        assert "\\x1b[2J\\x1b]0;pwned\\x07" in ours
    if fmt == "markdown":
        assert "`` evil" in ours  # a name holding a backtick still makes one code span


def test_one_statement_in_a_loop_is_one_group(tmp_path: Path) -> None:
    write_files(tmp_path, {"plug/__init__.py": "", **{"plug/p%d.py" % i: "" for i in range(5)}})
    code = "import importlib\nfor i in range(5):\n    importlib.import_module('plug.p%d' % i)\n"
    (tmp_path / "load.py").write_text(code)
    (tmp_path / "none.py").write_text("")
    for name, script in (("before.jsonl", "none.py"), ("after.jsonl", "load.py")):
        assert run_cli(["--format", "jsonl", "-o", name, script], tmp_path).returncode == 0
    d = importtrace.diff(tmp_path / "before.jsonl", tmp_path / "after.jsonl")
    plugins, importlib = d.added
    assert plugins.roots == ["plug", *("plug.p%d" % i for i in range(5))] and plugins.chain[-1].endswith(
        "load.py:3 imported plug.p0"
    )
    assert plugins.name == "plug.p0, plug.p1, plug.p2 (+2 more)"
    # importlib's aliases of the frozen bootstrap modules are loads no statement was seen making: with importlib
    assert importlib.name == "importlib" and {"importlib._bootstrap", "importlib._bootstrap_external"} <= set(
        importlib.modules
    )
    assert importlib.time is not None  # the unobserved loads have no time; the group still has one
