"""What following child processes costs (issue 17): a pool of 4 processes importing the stdlib-heavy
workload (workloads/pool_stdlib.py), untraced and traced, in the same run.

    python benchmarks/processes.py                   # spawn, forkserver and fork; 5 pairs each
    python benchmarks/processes.py --quick           # 2 pairs: checks that everything runs
    python benchmarks/processes.py --method fork --pairs 10

For each start method, untraced and traced runs alternate (their order rotating from round to round)
after a warm-up round that also checks every command succeeds.  Variants:

  follow     python -m importtrace --format jsonl -o FILE pool_stdlib.py METHOD  (the default: every process)
  no-follow  the same with --no-follow (the main process alone)

Reported, each as the median of the per-round ratios traced/untraced:
  run wall, run CPU  the whole command (CPU: user + system of the process tree, from wait4)
  worker import      a worker's time to import the workload, measured inside the worker
                     (wall and CPU; the median of the 4 workers of a run)
  main import        the main process's time to import the workload, measured inside it
The worker and main import ratios answer "does a child's recording cost what the main process's does".

On a shared machine those ratios swing by tens of percent from round to round.  --instructions adds a
figure that does not: the instructions (valgrind's callgrind, when installed) of one process importing
the workload untraced, as the program's recording process (its trace handed over at the end), and as a
followed child's (its record streamed as it goes, then handed over): the same command lines the
command line starts.
Nothing here is a test: these are measurements, never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from tabulate import tabulate

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "workloads", "pool_stdlib.py")
VARIANTS = {"follow": [], "no-follow": ["--no-follow"]}


def command(python: str, variant: str | None, method: str, out: str) -> list[str]:
    if variant is None:
        return [python, WORKLOAD, method]
    return [python, "-m", "importtrace", *VARIANTS[variant], "--format", "jsonl", "-o", out, WORKLOAD, method]


def measure(cmd: list[str]) -> dict[str, Any]:
    """Run cmd once: wall seconds, CPU seconds of the whole process tree (the rusage of the children
    reaped meanwhile: the command, and the workers its program reaped), and the workload's figures."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit("failed (%d): %s\n%s" % (proc.returncode, " ".join(cmd), proc.stderr))
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, **figures}


def run_pair_rounds(python: str, method: str, pairs: int, warmup: int) -> dict[str, list[dict[str, Any]]]:
    """Every variant and the untraced baseline, round after round (the order rotating)."""
    order: list[str | None] = [None, *VARIANTS]
    runs: dict[str, list[dict[str, Any]]] = {str(v): [] for v in order}
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "trace.jsonl")
        for round_ in range(warmup + pairs):
            shift = round_ % len(order)
            for variant in order[shift:] + order[:shift]:
                result = measure(command(python, variant, method, out))
                if round_ >= warmup:
                    runs[str(variant)].append(result)
    return runs


def ratios(traced: list[dict[str, Any]], base: list[dict[str, Any]], key: Any) -> tuple[float, float, float]:
    """Median, min and max of the per-round ratios key(traced) / key(untraced)."""
    values = [key(t) / key(b) for t, b in zip(traced, base) if key(b)]
    return statistics.median(values), min(values), max(values)


def worker(index: int) -> Any:
    return lambda r: statistics.median(w[index] for w in r["workers"])


def report(python: str, method: str, runs: dict[str, list[dict[str, Any]]]) -> list[list[str]]:
    base = runs["None"]
    rows = []
    for variant in VARIANTS:
        traced = runs[variant]
        cells = [method, variant]
        for key in (
            lambda r: r["wall"],
            lambda r: r["cpu"],
            worker(0),
            worker(1),
            lambda r: r["main"][0],
            lambda r: r["main"][1],
        ):
            median, low, high = ratios(traced, base, key)
            cells.append("%.2f (%.2f-%.2f)" % (median, low, high))
        rows.append(cells)
    untraced = ["%s untraced" % method, "-", "%.3f s" % statistics.median(r["wall"] for r in base)]
    untraced += ["%.3f s" % statistics.median(r["cpu"] for r in base)]
    untraced += ["%.1f ms" % (statistics.median(worker(0)(r) for r in base) / 1e6)]
    untraced += ["%.1f ms" % (statistics.median(worker(1)(r) for r in base) / 1e6)]
    untraced += ["%.1f ms" % (statistics.median(r["main"][0] for r in base) / 1e6)]
    untraced += ["%.1f ms" % (statistics.median(r["main"][1] for r in base) / 1e6)]
    rows.append(untraced)
    return rows


def instructions(python: str) -> list[list[str]]:
    """Instructions of one process importing the stdlib workload: untraced, as the program, as a child."""
    import shutil

    if shutil.which("valgrind") is None:
        return [["(valgrind is not installed: no instruction counts)", "", ""]]
    script = os.path.join(HERE, "workloads", "stdlib_heavy.py")
    with tempfile.TemporaryDirectory() as work:
        code = (
            "import json, sys; from importtrace.run import _program; "
            "print(json.dumps([_program.child_command('script', %r, [], out, '', False, %r) "
            "for out in (%r, '')]))" % (script, work, os.path.join(work, "out.trace"))
        )
        as_main, as_child = json.loads(
            subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
        )
        counts = {}
        for name, cmd in (("untraced", [python, script]), ("program", as_main), ("child", as_child)):
            log = os.path.join(work, "callgrind.%s" % name)
            done = subprocess.run(
                ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + log, *cmd],
                capture_output=True,
                text=True,
            )
            found = [line for line in done.stderr.splitlines() if "Collected :" in line]
            counts[name] = int(found[-1].split(":")[-1]) if found else 0
    base = counts["untraced"] or 1
    return [[name, f"{n:,}", "%.3f" % (n / base)] for name, n in counts.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure (importtrace installed)")
    parser.add_argument("--method", action="append", choices=("spawn", "forkserver", "fork"), help="repeatable")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="2 pairs, 1 warm-up round")
    parser.add_argument("--tablefmt", default="simple")
    parser.add_argument("--instructions", action="store_true", help="also count instructions with valgrind")
    ns = parser.parse_args()
    pairs = 2 if ns.quick else ns.pairs
    probe = "import os, sys, importtrace.record as r; print(sys.version.split()[0], r.backend.name, r.__file__)"
    *version, package = subprocess.run(
        [ns.python, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    # bytecode up to date (the environment may set PYTHONDONTWRITEBYTECODE): the workloads, importtrace
    for folder in (os.path.join(HERE, "workloads"), os.path.dirname(os.path.dirname(package))):
        subprocess.run([ns.python, "-m", "compileall", "-q", folder], check=True)
    print("Python %s (%s hooks), %d pairs per method, load average %s" % (*version, pairs, os.getloadavg()[0]))
    rows: list[list[str]] = []
    for method in ns.method or ["spawn", "forkserver", "fork"]:
        rows.extend(report(ns.python, method, run_pair_rounds(ns.python, method, pairs, ns.warmup)))
    headers = ["method", "variant", "run wall", "run CPU", "worker import", "worker CPU", "main import", "main CPU"]
    print(tabulate(rows, headers, tablefmt=ns.tablefmt, disable_numparse=True))
    print("ratios traced/untraced: median of the rounds (min-max); the untraced rows give the times")
    if ns.instructions:
        print()
        print("one process importing stdlib_heavy.py: instructions (callgrind), ratio to untraced")
        print(tabulate(instructions(ns.python), ["process", "instructions", "ratio"], tablefmt=ns.tablefmt))
    print("load average at the end: %.2f" % os.getloadavg()[0])


if __name__ == "__main__":
    main()
