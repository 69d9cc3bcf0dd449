"""A third-party test suite that drives pytest through `pytester` must give the same results traced.

Usage: python pytester_suite.py NAME==VERSION TESTS...  (in a virtual environment holding importtrace
and the pytest to use).  Downloads the project's sdist from the package index, installs it, and runs
TESTS from the unpacked source three times: plain `pytest`, `pytest --importtrace` (the plugin traces
every test) and `python -m importtrace -m pytest` (the command line traces the whole run).  pytester
saves and restores sys.modules, sys.path and sys.meta_path around every in-process run, which is
where a tracer's finder and hooks get duplicated or lost; every test case's outcome (JUnit XML) and the
exit status must match the plain run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path


def outcomes(junit: Path) -> dict[str, str]:
    result = {}
    for case in ET.parse(junit).iter("testcase"):
        status = "passed"
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                status = tag
        result["%s::%s" % (case.get("classname"), case.get("name"))] = status
    return result


def fetch(requirement: str, work: Path) -> Path:
    """The sdist of requirement, unpacked in work, and installed with its dependencies."""
    name = requirement.split("==")[0]
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "download", "-q", "--no-deps", "--no-binary", name, requirement, "-d", str(work / "dist")], check=True
    )
    (sdist,) = (work / "dist").iterdir()
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        if hasattr(tarfile, "data_filter"):  # 3.12+, and security releases of older versions
            tar.extractall(work / "src", filter="data")
        else:
            tar.extractall(work / "src")
    source = work / "src" / top
    subprocess.run([*pip, "install", "-q", str(source)], check=True)
    return source


def run(label: str, cmd: list[str], source: Path, work: Path) -> tuple[int, dict[str, str]]:
    """Run the tests with cmd (the pytest command line up to the options), report and return outcomes."""
    junit = work / ("%s.xml" % label)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [*cmd, "-q", "-p", "no:cacheprovider", "--junit-xml", str(junit), *sys.argv[2:]],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    summary = [line for line in proc.stdout.splitlines() if " in " in line and ("passed" in line or "failed" in line)]
    if not junit.exists() or "Traceback" in proc.stderr:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit("%s: pytest wrote no results, or importtrace a traceback" % label)
    result = outcomes(junit)
    counts = ", ".join("%d %s" % (n, status) for status, n in sorted(Counter(result.values()).items()))
    print(
        "  %-6s exit %d | %s | %s" % (label, proc.returncode, counts, summary[-1] if summary else "no summary"),
        flush=True,
    )
    if label == "plugin" and "importtrace: imports per test" not in proc.stdout:
        raise SystemExit("pytest --importtrace printed no import summaries: was the plugin active?")
    return proc.returncode, result


def main() -> int:
    requirement = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = fetch(requirement, work)
        print("%s, tests %s, Python %s" % (requirement, " ".join(sys.argv[2:]), sys.version.split()[0]), flush=True)
        trace = work / "cli.jsonl"
        pytest = [sys.executable, "-m", "pytest"]
        status, baseline = run("plain", pytest, source, work)
        failed = False
        for label, cmd in (
            ("plugin", [*pytest, "--importtrace"]),
            ("cli", [sys.executable, "-m", "importtrace", "--format", "jsonl", "-o", str(trace), "-m", "pytest"]),
        ):
            traced_status, traced = run(label, cmd, source, work)
            diff = sorted(k for k in set(baseline) | set(traced) if baseline.get(k) != traced.get(k))
            if diff or traced_status != status:
                failed = True
                print("  %s: exit %d (plain %d), %d test cases differ:" % (label, traced_status, status, len(diff)))
                for key in diff[:40]:
                    print("    %s: plain %s, traced %s" % (key, baseline.get(key), traced.get(key)))
        lines = trace.read_text().splitlines()
        loads = sum(1 for line in lines[1:-1] if json.loads(line).get("kind") == "load")
        print("  the command line's trace: %d events, %d loads" % (len(lines) - 2, loads))
        if loads < 50:
            raise SystemExit("the command line recorded only %d loads: was the tracer active?" % loads)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
