"""CPython's own import test suites must pass under importtrace exactly as they pass without it.

Runs the suites untraced, then traced through the library (importtrace.start() before regrtest)
and, when the command line exists, through `python -m importtrace -m test`; compares the outcome
of every test case (from regrtest's JUnit XML).  The one documented exclusion is
test_import's ImportTracebackTests, which assert the exact frames of a failed import: a
Python-level __import__ wrapper adds one frame there that no Python code can remove.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

SUITES = ["test_importlib", "test_import", "test_pkgutil", "test_runpy", "test_zipimport"]
ARGS = SUITES + ["-i", "*.ImportTracebackTests.*"]
if sys.version_info >= (3, 12):
    ARGS.append("--single-process")  # the tests must run in the traced interpreter itself
HERE = Path(__file__).resolve().parent


def outcomes(junit: Path) -> dict[str, str]:
    result = {}
    for case in ET.parse(junit).iter("testcase"):
        key = "%s.%s" % (case.get("classname"), case.get("name"))
        status = "passed"
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                status = tag
        result[key] = status
    return result


def run(label: str, cmd: list[str], work: Path) -> dict[str, str]:
    junit = work / ("%s.xml" % label)
    proc = subprocess.run(cmd + ARGS + ["--junit-xml", str(junit)], cwd=work, capture_output=True, text=True,
                          timeout=1800)
    tail = "\n".join(proc.stdout.strip().splitlines()[-4:])
    print("  %-9s exit %d | %s" % (label, proc.returncode, tail.replace("\n", " | ")))
    if not junit.exists():
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit("%s: regrtest wrote no results" % label)
    return outcomes(junit)


def check_trace(path: Path) -> str:
    lines = path.read_text().splitlines()
    events = [json.loads(line) for line in lines[1:-1]]
    loads = sum(1 for e in events if e["kind"] == "load" and e["name"].startswith("test.test_import"))
    if loads < 20:
        raise SystemExit("the traced run recorded only %d loads of test modules: was the tracer active?" % loads)
    return "%d events, %d test-module loads" % (len(events), loads)


def main() -> int:
    modes = sys.argv[1:] or ["library"]
    print("CPython %s import suites: %s" % (sys.version.split()[0], ", ".join(SUITES)))
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baseline = run("untraced", [sys.executable, "-m", "test"], work)
        for mode in modes:
            trace = work / ("%s.jsonl" % mode)
            if mode == "library":
                cmd = [sys.executable, str(HERE / "traced_regrtest.py"), str(trace)]
            else:
                cmd = [sys.executable, "-m", "importtrace", "--format", "jsonl", "-o", str(trace), "-m", "test"]
            traced = run(mode, cmd, work)
            diff = sorted(k for k in set(baseline) | set(traced) if baseline.get(k) != traced.get(k))
            if diff:
                failed = True
                print("  %s: %d test cases differ from the untraced run:" % (mode, len(diff)))
                for key in diff[:40]:
                    print("    %s: untraced %s, traced %s" % (key, baseline.get(key), traced.get(key)))
            else:
                print("  %s: all %d test cases match the untraced run (%s)" % (mode, len(baseline), check_trace(trace)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
