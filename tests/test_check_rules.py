"""The rule engine of `importtrace check`: rules, pyproject.toml, evaluation and the report text."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Callable

import pytest

import importtrace
from importtrace.rules import _check, _config
from importtrace.rules._check import ConfigError, Rules, evaluate, format_failures, format_passed
from importtrace.trace._units import ms

from .conftest import TRACED_IMPORT_AT, Project, traced_import

APP = {
    "app/__init__.py": "",
    "app/cli.py": "import app.report\nimport app.config\n",
    "app/config.py": "",
    "app/report.py": "import heavy\n",
    "heavy/__init__.py": "import heavy.core\nimport heavy.extra\n",
    "heavy/core.py": "",
    "heavy/extra.py": "",
    "cyc/__init__.py": "",
    "cyc/a.py": "import cyc.b\n",
    "cyc/b.py": "import cyc.a\n",
}


@pytest.fixture
def app(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    project.write(APP)
    monkeypatch.chdir(project.root)
    return project


# --- Rules ----------------------------------------------------------------------------------------------


def test_rules_validate_their_values() -> None:
    assert not Rules() and Rules(no_cycles=True)
    assert Rules("pandas").forbid == ["pandas"]
    assert Rules(["a", "b", "a"]).forbid == ["a", "b"]
    for bad in (
        {"max_modules": -1},
        {"max_modules": 1.5},
        {"max_modules": True},
        {"max_time": -0.1},
        {"max_time": float("nan")},
        {"max_time": float("inf")},
        {"max_time": "100"},
        {"no_cycles": 1},
        {"no_cycles": ["ok", ""]},
        {"forbid": ["ok", " "]},
    ):
        with pytest.raises(ConfigError):
            Rules(**bad)  # type: ignore[arg-type]


def test_merge_lets_the_command_line_override_the_config() -> None:
    config = Rules(["pandas"], max_modules=100, max_time=500, no_cycles=True)
    merged = config.merge(Rules(["numpy", "pandas"], max_modules=80))
    assert merged == Rules(["pandas", "numpy"], max_modules=80, max_time=500, no_cycles=True)
    assert merged.describe() == ["forbid pandas", "forbid numpy", "max-modules 80", "max-time 500 ms", "no-cycles"]
    assert Rules(max_time=12.5).describe() == ["max-time 12.5 ms"]


# --- [tool.importtrace] in pyproject.toml -----------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_config_kebab_and_snake_case(tmp_path: Path) -> None:
    kebab = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.importtrace]\nforbid = ["pandas*", "matplotlib"]\n'
        "max-modules = 120\nmax-time = 250\nno-cycles = true\n",
    )
    assert _config.read_config(kebab) == Rules(["pandas*", "matplotlib"], 120, 250.0, True)
    snake = write(tmp_path / "snake.toml", "[tool.importtrace]\nmax_modules = 3\nforbid = 'tkinter'\n")
    assert _config.read_config(snake) == Rules(["tkinter"], max_modules=3)
    assert _config.read_config(write(tmp_path / "none.toml", "[tool.other]\nx = 1\n")) == Rules()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.importtrace]\nmax-module = 3\n", "unknown key 'max-module' (the check rules are: forbid, max-modules"),
        ("[tool.importtrace]\nmax-modules = 3\nmax_modules = 4\n", "'max_modules' is given twice"),
        ("[tool.importtrace]\nmax-modules = '3'\n", "max-modules must be a whole number"),
        ("[tool.importtrace]\nforbid = 3\n", "forbid must be a list"),
        ("[tool.importtrace]\nno-cycles = 1\n", "no-cycles must be true, false or a list of module patterns"),
        ("[tool]\nimporttrace = 1\n", "[tool.importtrace] must be a table"),
        ("[tool.importtrace\n", "is not valid TOML"),
    ],
)
def test_read_config_errors_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as info:
        _config.read_config(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_read_config_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        _config.read_config(tmp_path / "nope.toml")


def test_find_pyproject_walks_up_to_the_nearest(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert _config.find_pyproject(deep) in (None, *(str(p / "pyproject.toml") for p in tmp_path.parents))
    top = write(tmp_path / "pyproject.toml", "")
    assert _config.find_pyproject(deep) == str(top)
    inner = write(tmp_path / "a" / "pyproject.toml", "")
    assert _config.find_pyproject(deep) == str(inner)


# --- the command-line options ----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="importtrace check")
    _config.add_arguments(p)
    return p


def test_rules_from_args_merge_with_the_nearest_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.importtrace]\nforbid = ['pandas']\nmax-modules = 50\n")
    args = parser().parse_args(["--forbid", "numpy*", "--forbid", "scipy", "--max-time", "90.5", "--no-cycles"])
    assert _config.rules_from_args(args, tmp_path) == Rules(["pandas", "numpy*", "scipy"], 50, 90.5, True)
    args = parser().parse_args(["--max-modules", "7", "--no-config"])
    assert _config.rules_from_args(args, tmp_path) == Rules(max_modules=7)
    other = write(tmp_path / "other.toml", "[tool.importtrace]\nno-cycles = true\n")
    args = parser().parse_args(["--config", str(other)])
    assert _config.rules_from_args(args, tmp_path) == Rules(no_cycles=True)


@pytest.mark.parametrize("argv", [["--max-modules", "-1"], ["--max-modules", "x"], ["--max-time", "nan"]])
def test_bad_option_values_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        parser().parse_args(argv)
    assert info.value.code == 2 and "expected a" in capsys.readouterr().err


# --- evaluate ---------------------------------------------------------------------------------------------


def test_all_rules_hold(app: Project) -> None:
    t = traced_import("app.cli")
    rules = Rules(["pandas", "numpy*"], max_modules=7, no_cycles=True)
    assert evaluate(t, rules) == []
    assert format_failures([]) == ""
    assert format_passed(t, rules).startswith(
        "importtrace check: passed (forbid pandas, forbid numpy*, max-modules 7, no-cycles; 7 modules loaded, "
        "imports took "
    )


def test_forbid_failure_names_the_chain(app: Project) -> None:
    t = traced_import("app.cli")
    (failure,) = evaluate(t, Rules(["hea*"]))
    assert failure.rule == "forbid hea*"
    assert failure.message == "heavy (matching 'hea*') was imported"
    assert failure.chains == [
        [f"{TRACED_IMPORT_AT} imported app.cli", "app/cli.py:1 imported app.report", "app/report.py:1 imported heavy"]
    ]
    assert format_failures([failure]) == "\n".join(
        [
            "importtrace check: 1 rule failed",
            "FAILED forbid hea*: heavy (matching 'hea*') was imported",
            f"    {TRACED_IMPORT_AT} imported app.cli",
            "    app/cli.py:1 imported app.report",
            "    app/report.py:1 imported heavy",
            "    also imported: heavy.core, heavy.extra",
        ]
    )


def test_forbid_counts_a_module_that_was_already_loaded(app: Project) -> None:
    import heavy  # noqa: F401

    t = traced_import("app.cli")
    (failure,) = evaluate(t, Rules(["heavy"]))
    assert failure.message == "heavy was imported (from the cache: it was already in sys.modules)"


def test_max_modules_failure_shows_where_the_modules_came_from(app: Project) -> None:
    t = traced_import("app.cli")
    assert evaluate(t, Rules(max_modules=7)) == []
    (failure,) = evaluate(t, Rules(max_modules=6))
    assert failure.rule == "max-modules 6"
    assert failure.message == (
        "7 modules were loaded (all own code), more than the budget of 6; the largest separate imports"
    )
    text = failure.format().splitlines()
    assert text[:6] == [
        "FAILED max-modules 6: " + failure.message,
        "    heavy and its imports, 3 modules",
        f"        {TRACED_IMPORT_AT} imported app.cli",
        "        app/cli.py:1 imported app.report",
        "        app/report.py:1 imported heavy",
        "    loaded: app, app.cli, app.report, heavy, heavy.core, heavy.extra, app.config",
    ]


def test_no_cycles_failure(app: Project) -> None:
    t = traced_import("cyc.a")
    (failure,) = evaluate(t, Rules(no_cycles=True))
    assert failure.rule == "no-cycles" and failure.message == "1 circular import in the program's own code"
    assert failure.format().splitlines() == [
        "FAILED no-cycles: 1 circular import in the program's own code",
        "    cyc.b imported cyc.a while cyc.a was still initialising",
        f"        {TRACED_IMPORT_AT} imported cyc.a",
        "        cyc/a.py:1 imported cyc.b",
        "        cyc/b.py:1 imported cyc.a",
    ]


def test_max_time_with_a_fake_clock(app: Project, fake_clock: Callable[[], int]) -> None:
    """Times come from a clock that advances 1 microsecond a reading: the numbers are exact, not measured."""
    t = traced_import("app.cli", fake_clock)
    spent = _check.import_time(t)
    assert spent > 0 and spent % 1000 == 0
    assert evaluate(t, Rules(max_time=spent / 1e6)) == []
    (failure,) = evaluate(t, Rules(max_time=0.001))
    assert failure.rule == "max-time 0.001 ms"
    budget = "more than the budget of 0.001 ms; slowest modules"
    assert failure.message == "imports took %s ms, %s" % (ms(spent, trim=True), budget)
    assert len(failure.chains) == 5
    assert all(" took " in chain[0] and " ms itself" in chain[0] for chain in failure.chains)


def test_failures_come_in_rule_order(app: Project) -> None:
    t = traced_import("cyc.a")
    failures = evaluate(t, Rules(["cyc.b", "cyc.a"], max_modules=1, no_cycles=True))
    assert [f.rule for f in failures] == ["forbid cyc.b", "forbid cyc.a", "max-modules 1", "no-cycles"]
    assert format_failures(failures).splitlines()[0] == "importtrace check: 4 rules failed"


def test_importtraces_own_modules_never_break_a_rule(app: Project) -> None:
    sys.modules.pop("importtrace.integrations._fresh", None)
    with importtrace.trace() as t:
        importlib.import_module("importtrace.integrations._fresh")
    assert "importtrace.integrations._fresh" in t.loaded()
    assert evaluate(t.trace, Rules(["importtrace*"], max_modules=0)) == []
