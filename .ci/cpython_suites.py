"""CPython's own import test suites must pass under importtrace exactly as they pass without it.

Runs the suites untraced, then traced through the library (importtrace.start() before regrtest) and
through the command line (`python -m importtrace -m test`), and compares the outcome of every test
case (from regrtest's JUnit XML).  Modes ending in "-pure" use the pure-Python hooks
(IMPORTTRACE_PURE=1) and exclude test_import's ImportTracebackTests, which assert the exact frames of
a failed import: a Python-level __import__ wrapper adds one frame there that no Python code can
remove.  The compiled hooks call the original __import__ from C and need no exclusion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

SUITES = ["test_importlib", "test_import", "test_pkgutil", "test_runpy", "test_zipimport"]
ARGS = list(SUITES)
if (
    "--single-process"
    in subprocess.run([sys.executable, "-m", "test", "--help"], capture_output=True, text=True).stdout
):
    ARGS.append("--single-process")  # the tests must run in the traced interpreter itself (3.13+)
PURE_EXCLUSION = ["-i", "*.ImportTracebackTests.*"]
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


def run(label: str, cmd: list[str], work: Path, pure: bool = False) -> dict[str, str]:
    junit = work / ("%s.xml" % label)
    env = dict(os.environ, IMPORTTRACE_PURE="1") if pure else None
    args = ARGS + (PURE_EXCLUSION if pure else [])
    proc = subprocess.run(
        cmd + args + ["--junit-xml", str(junit)], cwd=work, capture_output=True, text=True, timeout=1800, env=env
    )
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
    modes = sys.argv[1:] or ["library", "cli", "library-pure", "cli-pure"]
    from importtrace import record

    if not record.compiled and not all(m.endswith("-pure") for m in modes):
        print("the compiled hooks are not built here: running the pure-Python modes only")
        modes = sorted({m if m.endswith("-pure") else m + "-pure" for m in modes})
    print("CPython %s import suites: %s" % (sys.version.split()[0], ", ".join(SUITES)))
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baselines: dict[bool, dict[str, str]] = {}
        for mode in modes:
            pure = mode.endswith("-pure")
            if pure not in baselines:
                baselines[pure] = run(
                    "untraced" + ("-filtered" if pure else ""), [sys.executable, "-m", "test"], work, pure=pure
                )
            baseline = baselines[pure]
            trace = work / ("%s.jsonl" % mode)
            if mode.startswith("library"):
                cmd = [sys.executable, str(HERE / "traced_regrtest.py"), str(trace)]
            else:
                cmd = [sys.executable, "-m", "importtrace", "--format", "jsonl", "-o", str(trace), "-m", "test"]
            traced = run(mode, cmd, work, pure=pure)
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
