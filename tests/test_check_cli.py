"""`importtrace check` through the real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import run_cli, write_files


def check(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(["check", *args], cwd)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/cli.py": "import app.report\n",
        "app/report.py": "import json\nimport colorsys\n",
        "app/light.py": "X = 1\n",
        "cyc/__init__.py": "",
        "cyc/a.py": "from cyc import b\nA = 1\n",
        "cyc/b.py": "from cyc import a\n",
    }
    return write_files(tmp_path, files)


def test_rules_that_hold(app: Path) -> None:
    done = check(["--forbid", "pandas*", "--max-modules", "5", "--no-cycles", "-c", "import app.light"], app)
    assert done.returncode == 0, done.stderr


def test_forbidden_module_names_the_chain(app: Path) -> None:
    done = check(["--forbid", "colorsys", "-c", "import app.cli"], app)
    assert done.returncode == 1
    assert "forbid colorsys" in done.stderr
    assert "app/cli.py:1" in done.stderr and "app/report.py:2" in done.stderr
    chain = done.stderr.splitlines()[2:]
    assert chain[0].split() == ["<string>:1", "imported", "app.cli"], done.stderr  # the program's own line first
    assert "unknown place" not in done.stderr


def test_module_budget_and_cycles(app: Path) -> None:
    assert check(["--max-modules", "3", "-c", "import app.cli"], app).returncode == 1
    cycles = check(["--no-cycles", "-c", "import cyc.a"], app)
    assert cycles.returncode == 1 and "cyc.b imported cyc.a" in cycles.stderr


def test_rules_from_pyproject(app: Path) -> None:
    (app / "pyproject.toml").write_text('[tool.importtrace]\nforbid = ["json"]\n')
    assert check(["-c", "import app.cli"], app).returncode == 1
    assert check(["--no-config", "--max-modules", "100", "-c", "import app.cli"], app).returncode == 0


@pytest.mark.parametrize(
    ("args", "pyproject", "message"),
    [
        (["-c", "import app"], None, "no rules given"),
        (["--max-modules", "lots", "-c", "import app"], None, "--max-modules"),
        (["-c", "import app"], "[tool.importtrace]\nmax-modules = -1\n", "max-modules"),
        (["-c", "import app"], "[tool.importtrace]\nforbidd = ['x']\n", "forbidd"),
        (["--forbid", "x"], None, "no program given"),
    ],
)
def test_bad_rules_are_usage_errors(app: Path, args: list[str], pyproject: str | None, message: str) -> None:
    if pyproject:
        (app / "pyproject.toml").write_text(pyproject)
    done = check(args, app)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


def test_a_failing_program_fails_the_check(app: Path) -> None:
    done = check(["--forbid", "pandas", "-c", "raise SystemExit(3)"], app)
    assert done.returncode == 1 and "status 3" in done.stderr


def test_import_time_is_the_imports_not_the_scripts_own_run(app: Path) -> None:
    """A command-line trace's root load is the script's whole run: its imports count, its own work does not."""
    import importtrace
    from importtrace.rules._assertions import import_time

    (app / "busy.py").write_text("import app.report\ntotal = sum(range(3_000_000))\n")
    done = subprocess.run(
        [sys.executable, "-m", "importtrace", "--format", "jsonl", "-o", "t.jsonl", "busy.py"], cwd=app, timeout=60
    )
    assert done.returncode == 0
    trace = importtrace.load(app / "t.jsonl")
    root = trace.events[0]
    assert root.name == "__main__" and root.parent is None and root.duration is not None
    inside = [e.duration or 0 for e in trace.children(root) if e.kind in ("search", "load", "reload")]
    assert import_time(trace) == sum(inside) < root.duration
    failed = check(["--no-config", "--max-time", "0.001", "busy.py"], app)
    assert failed.returncode == 1 and "app.report" in failed.stderr
    assert "__main__" not in failed.stderr and "(unknown place)" not in failed.stderr, failed.stderr
