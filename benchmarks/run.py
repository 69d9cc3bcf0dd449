"""importtrace benchmarks (issues 7 and 11): how much does tracing cost, measured against untraced runs.

    python benchmarks/run.py                 # full run on this interpreter (11 pairs per figure)
    python benchmarks/run.py --quick         # a few pairs: checks that everything works
    python benchmarks/run.py --python /tmp/venvs/3.9/bin/python --python /tmp/venvs/3.13/bin/python

Prints tables (tabulate) and writes the same data as JSON to benchmarks/results/.  See
benchmarks/README.md for what each figure measures and how to read it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

try:
    from tabulate import tabulate
except ImportError:  # pragma: no cover - tabulate comes with importtrace
    sys.exit("benchmarks/run.py needs tabulate: pip install -e '.[bench]' (or pip install tabulate)")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")  # generated tree, traces, scratch files (git-ignored)
RESULTS = os.path.join(HERE, "results")  # JSON results (git-ignored)
TREE = os.path.join(WORK, "tree")

sys.path.insert(0, HERE)
import gen_tree  # noqa: E402  (benchmarks/ is not a package)
import soak  # noqa: E402

# --- what is measured --------------------------------------------------------------------------


@dataclass
class Workload:
    """A program run as a whole process: its script, arguments and the module it needs installed."""

    key: str
    title: str
    script: str
    args: list[str] = field(default_factory=list)
    needs: str | None = None


WORKLOADS = {
    "tree": Workload("tree", "1 generated tree (2,012 modules, 22,800 hits)", os.path.join(TREE, "main.py")),
    "stdlib": Workload("stdlib", "2 stdlib-heavy (58 imports)", os.path.join(HERE, "workloads", "stdlib_heavy.py")),
    "sympy": Workload("sympy", "3 import sympy", os.path.join(HERE, "workloads", "sympy_import.py"), needs="sympy"),
    "hotloop": Workload("hotloop", "4 hot loop (1M import os)", os.path.join(HERE, "workloads", "hot_loop.py")),
}

#: whole-process variants, each compared with its own baseline run just before it
VARIANTS = {
    "library": "importtrace as a library: import importtrace, start(), the program, stop() -> Trace",
    "library-pure": "the same with IMPORTTRACE_PURE=1 (pure-Python hooks, no compiled accelerator)",
    "cli": "python -m importtrace --format jsonl -o FILE: the whole command line",
    "record": "the command line's recording child alone (records, hands the trace over)",
    "importtime": "python -X importtime (C-level reference)",
    "floor": "pure-Python floor: pass-through __import__ + null finder",
    "wrapt": "wrapt.FunctionWrapper __import__ hook + null finder",
}

TARGET_RATIO = {"library": 1.05, "library-pure": 1.05, "cli": 1.10}  # workloads 1 to 3
TARGET_ACCURACY = 0.05  # the tree's top import: --format importtime against -X importtime
TARGET_NS = 250.0  # per cached import, on 3.11
TARGET_LOOP_BYTES = 1 << 20  # events of the million-iteration loop
TARGET_RENDER = {"tree": 0.5, "synth100k": 3.0}  # timeline + table, seconds


@dataclass
class Settings:
    """How much to repeat: --quick for checking the runner, the default for publishing numbers."""

    pairs: int
    warmup: int
    render_repeats: int
    inproc_number: int
    inproc_repeat: int
    profile_repeats: int
    soak_cycles: tuple[int, ...] = (1_000, 10_000)
    accuracy_repeats: int = 5
    synthetic_events: int = 100_000


QUICK = Settings(
    pairs=3,
    warmup=1,
    render_repeats=2,
    inproc_number=200_000,
    inproc_repeat=3,
    profile_repeats=1,
    soak_cycles=(200,),
    accuracy_repeats=2,
)
FULL = Settings(pairs=11, warmup=2, render_repeats=5, inproc_number=1_000_000, inproc_repeat=5, profile_repeats=5)


# --- running processes -------------------------------------------------------------------------


@dataclass
class Run:
    """One whole process: wall seconds, CPU seconds (user + system) and peak RSS (KiB)."""

    wall: float
    cpu: float | None
    maxrss_kib: int | None
    status: int


#: the environment of every process started here (--importtrace-src adds PYTHONPATH)
ENV = dict(os.environ)


def run_process(
    cmd: list[str], cwd: str = WORK, stderr_path: str | None = None, env: dict[str, str] | None = None
) -> Run:
    """Run cmd to completion with its output discarded; rusage comes from wait4 (this child only).
    env adds variables to ENV."""
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    full_env = {**ENV, **env} if env else ENV
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code)
        code = proc.wait()
        return Run(time.perf_counter() - t0, None, None, code)
    finally:
        if stderr_path:
            err.close()  # type: ignore[union-attr]


def check_process(cmd: list[str], what: str, env: dict[str, str] | None = None) -> str | None:
    """Run cmd once; None if it succeeded, else the end of its stderr (for the report)."""
    path = os.path.join(WORK, "stderr.txt")
    run = run_process(cmd, stderr_path=path, env=env)
    if run.status == 0:
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [line.strip() for line in f.read().splitlines() if line.strip()]
    return "%s exited with %d: %s" % (what, run.status, lines[-1] if lines else "(no output)")


def run_json(cmd: list[str], cwd: str = WORK, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one of the helper scripts and return the JSON object it prints."""
    full_env = {**ENV, **env} if env else ENV
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd[:3]), proc.returncode, proc.stderr.strip()[-800:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- interpreters ------------------------------------------------------------------------------

_PROBE = """\
import importlib.util, json, os, platform, sys
def has(name):
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False
import importtrace
print(json.dumps({
    "version": platform.python_version(),
    "implementation": platform.python_implementation(),
    "executable": sys.executable,
    "importtrace": os.path.dirname(os.path.abspath(importtrace.__file__)),
    "importtrace_version": getattr(importtrace, "__version__", "?"),
    "speedups": __import__("importtrace.record").record.compiled,
    "sympy": has("sympy") and __import__("sympy").__version__,
    "wrapt": has("wrapt") and __import__("wrapt").__version__,
}))
"""

#: compile what a workload loads, as it loads it: every module with a .py source whose cached
#: bytecode is missing or stale is compiled (py_compile writes even under PYTHONDONTWRITEBYTECODE).
_COMPILE_LOADED = """\
import importlib.util, json, os, py_compile, runpy, sys
sys.argv[:] = [sys.argv[1], *sys.argv[2:]]
sys.path.insert(0, os.path.dirname(os.path.realpath(sys.argv[0])))
runpy.run_path(sys.argv[0], run_name="__main__")
done, failed = 0, []
for name, module in list(sys.modules.items()):
    spec = getattr(module, "__spec__", None)
    origin, cached = getattr(spec, "origin", None), getattr(spec, "cached", None)
    if not (isinstance(origin, str) and origin.endswith(".py") and cached):
        continue
    try:
        with open(cached, "rb") as f:
            head = f.read(16)
        st = os.stat(origin)
        if head[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(head[8:12], "little") == int(st.st_mtime) \\
                and int.from_bytes(head[12:16], "little") == st.st_size & 0xFFFFFFFF:
            continue
    except OSError:
        pass
    try:
        py_compile.compile(origin, cfile=cached, doraise=True)
        done += 1
    except Exception as exc:
        failed.append("%s: %s" % (origin, exc))
print(json.dumps({"compiled": done, "failed": failed[:5]}))
"""


@dataclass
class Interpreter:
    """A Python to measure, with what it has installed and the child commands importtrace would use."""

    path: str
    version: str
    implementation: str
    importtrace: str
    importtrace_version: str
    speedups: bool
    sympy: str | bool
    wrapt: str | bool
    child: dict[str, list[str]] = field(default_factory=dict)  # workload key -> recording child argv

    @property
    def label(self) -> str:
        return "%s %s" % ("CPython" if self.implementation == "CPython" else self.implementation, self.version)

    @property
    def short(self) -> str:
        return ".".join(self.version.split(".")[:2])


def resolve_python(spec: str) -> str:
    """A path, a command on PATH, or a bare version like 3.11 (python3.11 on PATH)."""
    if os.sep in spec or os.path.exists(spec):
        return os.path.abspath(spec)
    for name in (spec, "python" + spec):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("run.py: no interpreter %r (give a path, a command, or a version like 3.11)" % spec)


def probe(path: str) -> Interpreter:
    """Ask the interpreter what it is and whether importtrace, sympy and wrapt are importable."""
    try:
        info = run_json([path, "-c", _PROBE], cwd=HERE)
    except RuntimeError as exc:
        raise SystemExit("run.py: %s cannot import importtrace (pip install -e '.[bench]'): %s" % (path, exc)) from None
    return Interpreter(
        path=path,
        version=info["version"],
        implementation=info["implementation"],
        importtrace=info["importtrace"],
        importtrace_version=info["importtrace_version"],
        speedups=info["speedups"],
        sympy=info["sympy"],
        wrapt=info["wrapt"],
    )


def compile_bytecode(py: Interpreter, log: Callable[[str], None] | None = None) -> None:
    """compileall the generated tree and importtrace itself (cheap when up to date).  Called again
    before every figure: a source edited during the run would otherwise be compiled on every run."""
    for directory in (TREE, py.importtrace):
        cmd = [py.path, "-m", "compileall", "-q", directory]
        proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
        if proc.returncode != 0 and log is not None:
            log("  warning: compileall %s: %s" % (directory, proc.stderr.strip()[-300:]))


def source_stamp(directory: str) -> float:
    """The newest modification time of the .py files under directory (to notice edits during a run)."""
    newest = 0.0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            if name.endswith(".py"):
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
    return newest


def prepare(py: Interpreter, workloads: list[Workload], log: Callable[[str], None]) -> None:
    """Compile bytecode (the generated tree, importtrace, everything each workload loads) and find
    the recording child's command for each workload."""
    compile_bytecode(py, log)
    for w in workloads:
        args = [*w.args]
        if w.key == "hotloop":
            args = ["1"]  # its modules, not its million iterations
        info = run_json([py.path, "-c", _COMPILE_LOADED, w.script, *args])
        if info["compiled"] or info["failed"]:
            log("  %s: compiled %d missing or stale .pyc files for workload %s" % (py.label, info["compiled"], w.key))
        for failure in info["failed"]:
            log("  warning: could not compile %s" % failure)
        out = os.path.join(WORK, "out", "record-%s-%s.trace" % (py.short, w.key))
        py.child[w.key] = run_json([py.path, os.path.join(HERE, "_childcmd.py"), out, w.script, *w.args])["cmd"]


#: environment added to the measured command of a variant (never to its baseline)
VARIANT_ENV = {"library-pure": {"IMPORTTRACE_PURE": "1"}}


def variant_commands(py: Interpreter, w: Workload, variant: str) -> tuple[list[str], list[str]]:
    """(baseline command, measured command) for one whole-process variant."""
    plain = [py.path, w.script, *w.args]
    hooked = os.path.join(HERE, "_hooked.py")
    if variant in ("library", "library-pure"):
        return [py.path, hooked, "none", w.script, *w.args], [py.path, hooked, "library", w.script, *w.args]
    if variant == "record":
        return plain, py.child[w.key]
    if variant == "cli":
        out = cli_output(py, w)
        return plain, [py.path, "-m", "importtrace", "--format", "jsonl", "-o", out, w.script, *w.args]
    if variant == "importtime":
        return plain, [py.path, "-X", "importtime", w.script, *w.args]
    if variant == "floor":
        return plain, [py.path, hooked, "floor", w.script, *w.args]
    if variant == "wrapt":
        return [py.path, hooked, "wrapt-base", w.script, *w.args], [py.path, hooked, "wrapt", w.script, *w.args]
    raise ValueError(variant)


def cli_output(py: Interpreter, w: Workload) -> str:
    return os.path.join(WORK, "out", "cli-%s-%s.jsonl" % (py.short, w.key))


# --- figure: whole processes, A B A B ... --------------------------------------------------------


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure_overhead(
    py: Interpreter, w: Workload, variants: list[str], settings: Settings, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Alternate baseline and measured runs (A B A B ...), after a warm-up, for every variant."""
    compile_bytecode(py)
    commands = {v: variant_commands(py, w, v) for v in variants}
    broken: dict[str, str] = {}
    envs = {v: VARIANT_ENV.get(v) for v in variants}
    for v, (base, cmd) in commands.items():  # the first warm-up run also checks that it works
        for what, c, env in (("baseline", base, None), (v, cmd, envs[v])):
            error = check_process(c, what, env)
            if error:
                broken[v] = error
                log("  %s %s: %s: skipped: %s" % (py.label, w.key, v, error))
                break
    live = [v for v in variants if v not in broken]
    for _ in range(settings.warmup - 1):
        for v in live:
            run_process(commands[v][0])
            run_process(commands[v][1], env=envs[v])
    pairs: dict[str, list[tuple[Run, Run]]] = {v: [] for v in live}
    for i in range(settings.pairs):
        order = live[i % len(live) :] + live[: i % len(live)] if live else []  # rotate: no fixed position
        for v in order:
            base, cmd = commands[v]
            a = run_process(base)
            b = run_process(cmd, env=envs[v])
            if a.status or b.status:
                log("  %s %s %s: pair %d failed (status %d / %d)" % (py.label, w.key, v, i, a.status, b.status))
                continue
            pairs[v].append((a, b))
    rows = []
    for v in variants:
        row: dict[str, Any] = {"python": py.label, "executable": py.path, "workload": w.key, "variant": v}
        row["command"] = commands[v][1]
        if v in broken or not pairs.get(v):
            row["error"] = broken.get(v, "no successful pair")
            rows.append(row)
            continue
        ps = pairs[v]
        ratios = [b.wall / a.wall for a, b in ps]
        row.update(
            pairs=len(ps),
            ratio=_summary(ratios),
            ratio_of_medians=statistics.median(b.wall for _, b in ps) / statistics.median(a.wall for a, _ in ps),
            base_wall=_summary([a.wall for a, _ in ps]),
            wall=_summary([b.wall for _, b in ps]),
            raw_base_wall=[a.wall for a, _ in ps],
            raw_wall=[b.wall for _, b in ps],
        )
        cpu = [(a.cpu, b.cpu) for a, b in ps if a.cpu and b.cpu]
        if len(cpu) == len(ps):
            row["cpu_ratio"] = _summary([b / a for a, b in cpu])
        rss = [(a.maxrss_kib, b.maxrss_kib) for a, b in ps if a.maxrss_kib and b.maxrss_kib]
        if len(rss) == len(ps):
            row["base_maxrss_kib"] = statistics.median(a for a, _ in rss)
            row["maxrss_kib"] = statistics.median(b for _, b in rss)
        rows.append(row)
    if pairs.get("cli"):
        counts = count_events(cli_output(py, w))
        for row in rows:
            row["events"] = counts
    return rows


def count_events(path: str) -> dict[str, int]:
    """Events per kind in a JSON Lines trace, and the import statements the hits stand for."""
    counts: dict[str, int] = {}
    try:
        with open(path, encoding="utf-8") as f:
            next(f)
            for line in f:
                event = json.loads(line)
                kind = event.get("kind")
                if kind:
                    counts[kind] = counts.get(kind, 0) + 1
                    if kind == "hit":
                        counts["hit_count"] = counts.get("hit_count", 0) + int(event.get("count") or 1)
    except (OSError, StopIteration, ValueError):
        pass
    return counts


# --- figure: rendering -----------------------------------------------------------------------


def measure_rendering(
    py: Interpreter, traces: dict[str, str], settings: Settings, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """`importtrace show --format F TRACE` as whole processes, plus an in-process breakdown."""
    rows = []
    compile_bytecode(py)
    startup = [run_process([py.path, "-m", "importtrace", "--version"]).wall for _ in range(settings.render_repeats)]
    for name, path in traces.items():
        for fmt in ("timeline", "table"):
            row: dict[str, Any] = {"python": py.label, "executable": py.path, "trace": name, "format": fmt}
            out = os.path.join(WORK, "out", "show-%s-%s.txt" % (name, fmt))
            cmd = [py.path, "-m", "importtrace", "show", "--format", fmt, "-o", out, path]
            error = check_process(cmd, "importtrace show --format %s" % fmt)
            if error:
                row["error"] = error
                log("  %s rendering %s as %s: %s" % (py.label, name, fmt, error))
                rows.append(row)
                continue
            walls = [run_process(cmd).wall for _ in range(settings.render_repeats)]
            row["wall"] = _summary(walls)
            row["startup"] = statistics.median(startup)
            try:
                row["inprocess"] = run_json([py.path, os.path.join(HERE, "_traces.py"), "render", path, fmt])
            except RuntimeError as exc:
                row["inprocess"] = {"error": str(exc)}
            rows.append(row)
    return rows


# --- figure: in-process --------------------------------------------------------------------------


def measure_inprocess(py: Interpreter, settings: Settings, pure: bool = False) -> dict[str, Any]:
    """ns per cached import and memory per event (benchmarks/_inproc.py, run by py); pure: with
    IMPORTTRACE_PURE=1 (the pure-Python hooks even where the accelerator is built)."""
    helper = os.path.join(HERE, "_inproc.py")
    env = {"IMPORTTRACE_PURE": "1"} if pure else None
    compile_bytecode(py)
    hot = [py.path, helper, "hot", str(settings.inproc_number), str(settings.inproc_repeat)]
    result = run_json(hot, env=env)
    mem = {m: run_json([py.path, helper, "treemem", TREE, m], env=env) for m in ("untraced", "traced")}
    traced, untraced = mem["traced"], mem["untraced"]
    records = max(traced.get("records", 0), 1)
    result["tree_records"] = traced.get("records")
    result["tree_recording_bytes"] = traced["recording_bytes"] - untraced["recording_bytes"]
    result["tree_bytes_per_record"] = result["tree_recording_bytes"] / records
    result["tree_after_stop_bytes"] = traced["after_stop_bytes"] - untraced["after_stop_bytes"]
    result.update(python=py.label + (" pure" if pure else ""), executable=py.path, pure=pure)
    return result


def _top_import(text: str) -> tuple[str, int]:
    """The line with the largest cumulative time in -X importtime's format: (module, microseconds)."""
    best = ("", -1)
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[1].strip().isdigit():
            best = max(best, (parts[2].strip(), int(parts[1])), key=lambda item: item[1])
    return best


def measure_accuracy(py: Interpreter, w: Workload, repeats: int) -> dict[str, Any]:
    """The cumulative time importtrace reports for the workload's top import (--format importtime)
    against what python -X importtime reports for it, medians of repeats runs each, alternating."""
    compile_bytecode(py)
    out = os.path.join(WORK, "out", "accuracy-%s.txt" % py.short)
    ours: list[int] = []
    theirs: list[int] = []
    module = ""
    for _ in range(repeats):
        proc = subprocess.run(
            [py.path, "-X", "importtime", w.script, *w.args], cwd=WORK, env=ENV, capture_output=True, text=True
        )
        module, micros = _top_import(proc.stderr)
        theirs.append(micros)
        error = check_process([py.path, "-m", "importtrace", "--format", "importtime", "-o", out, w.script], "cli")
        if error:
            return {"python": py.label, "workload": w.key, "error": error}
        with open(out, encoding="utf-8") as f:
            text = f.read()
        ours.append(next((v for line in text.splitlines() for m, v in [_top_import(line)] if m == module), -1))
    base, measured = statistics.median(theirs), statistics.median(ours)
    return {
        "python": py.label,
        "workload": w.key,
        "module": module,
        "importtime_us": theirs,
        "importtrace_us": ours,
        "deviation": (measured - base) / base if base > 0 and measured >= 0 else float("inf"),
    }


def measure_profile(py: Interpreter, workloads: list[Workload], repeats: int, top: int = 15) -> list[dict[str, Any]]:
    """Where the recording time goes: phase timers (median of repeats) and cProfile of the child."""
    helper = os.path.join(HERE, "_profile.py")
    rows = []
    for w in workloads:
        compile_bytecode(py)
        cmd = py.child[w.key]
        boot = next(i for i, part in enumerate(cmd) if part.endswith("_boot.py"))
        flags, child_args = cmd[1:boot], cmd[boot:]
        row: dict[str, Any] = {"python": py.label, "workload": w.key}
        try:
            plain = [run_json([py.path, *flags, helper, "plain", w.script, *w.args]) for _ in range(repeats)]
            traced = [run_json([py.path, *flags, helper, "phases", *child_args]) for _ in range(repeats)]
            row["untraced"] = {k: statistics.median(r[k] for r in plain) for k in plain[0]}
            row["phases"] = {k: statistics.median(r.get(k, 0.0) for r in traced) for k in traced[0]}
            row["cprofile"] = run_json([py.path, *flags, helper, "cprofile", str(top), *child_args])
        except RuntimeError as exc:
            row["error"] = str(exc)
        rows.append(row)
    return rows


# --- reporting ---------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return "%.1f" % (seconds * 1000)


def _verdict(value: float | None, target: float, lower_is_better: bool = True, fmt: str = "%.3g") -> str:
    if value is None:
        return "n/a"
    if value <= target if lower_is_better else value >= target:
        return "met"
    return ("missed by " + fmt) % (value - target) + " (x%.2f)" % (value / target)


def overhead_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    table = []
    for r in rows:
        if "error" in r:
            table.append([r["python"], r["workload"], r["variant"], "", "", "error: " + r["error"][:60], "", "", ""])
            continue
        target, verdict = "", ""
        wanted = TARGET_RATIO.get(r["variant"])
        if wanted is not None and r["workload"] in ("tree", "stdlib", "sympy"):
            target, verdict = "<= %.2f" % wanted, _verdict(r["ratio"]["median"], wanted, fmt="%.3f")
        cpu = r.get("cpu_ratio", {}).get("median")
        table.append(
            [
                r["python"],
                r["workload"],
                r["variant"],
                _ms(r["base_wall"]["median"]),
                _ms(r["wall"]["median"]),
                "%.3f [%.3f, %.3f]" % (r["ratio"]["median"], r["ratio"]["min"], r["ratio"]["max"]),
                "" if cpu is None else "%.3f" % cpu,
                target,
                verdict,
            ]
        )
    return table


OVERHEAD_HEADERS = [
    "python",
    "workload",
    "variant",
    "base ms",
    "run ms",
    "ratio median [min, max]",
    "cpu ratio",
    "target",
    "verdict",
]


def memory_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    table = []
    for r in rows:
        if r["variant"] not in ("record", "cli") or "maxrss_kib" not in r:
            continue
        base, run = r["base_maxrss_kib"] / 1024, r["maxrss_kib"] / 1024
        events = r.get("events", {})
        table.append(
            [
                r["python"],
                r["workload"],
                r["variant"],
                "%.1f" % base,
                "%.1f" % run,
                "%+.1f" % (run - base),
                "%.2f" % (run / base),
                sum(v for k, v in events.items() if k != "hit_count") or "",
            ]
        )
    return table


def rendering_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    table = []
    for r in rows:
        if "error" in r:
            table.append([r["python"], r["trace"], r["format"], "", "error: " + r["error"][:70], "", "", "", ""])
            continue
        ip = r.get("inprocess", {})
        table.append(
            [
                r["python"],
                r["trace"],
                r["format"],
                ip.get("events", ""),
                "%.3f" % r["wall"]["median"],
                "%.3f" % r["startup"],
                "%.3f" % ip["read_s"] if "read_s" in ip else ip.get("error", "")[:40],
                "%.3f" % ip["render_s"] if "render_s" in ip else "",
                ip.get("chars", ""),
            ]
        )
    return table


def render_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timeline + table per trace and interpreter, against the targets."""
    out = []
    by_key: dict[tuple[str, str], dict[str, float]] = {}
    for r in rows:
        if "wall" in r:
            by_key.setdefault((r["python"], r["trace"]), {})[r["format"]] = r["wall"]["median"]
    for r in rows:
        by_key.setdefault((r["python"], r["trace"]), {})
    for (python, trace), walls in by_key.items():
        target = TARGET_RENDER[trace]
        missing = [f for f in ("timeline", "table") if f not in walls]
        total = sum(walls.values())
        out.append(
            {
                "python": python,
                "what": "render %s: timeline + table" % trace,
                "measured": "%.3f s" % total if not missing else "%s failed" % " and ".join(missing),
                "target": "< %.1f s" % target,
                "verdict": _verdict(total, target, fmt="%.2f s") if not missing else "not measured",
            }
        )
    return out


def inprocess_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    table = []
    for r in rows:
        table.append(
            [
                r["python"],
                "%.0f" % r["untraced_ns"],
                "%.0f" % r["traced_ns"],
                "%.0f" % r["extra_ns"],
                "%.0f" % r["floor_extra_ns"],
                "" if r["wrapt_extra_ns"] is None else "%.0f" % r["wrapt_extra_ns"],
                "%.0f" % r["first_hit_extra_ns"],
                "%d B / %d rec" % (r["loop_bytes"], r["loop_records"]),
                "%.0f" % r["hit_record_bytes"],
                "%.0f" % r["tree_bytes_per_record"],
            ]
        )
    return table


INPROCESS_HEADERS = [
    "python",
    "import os ns",
    "traced ns",
    "extra ns",
    "floor extra",
    "wrapt extra",
    "new-site extra ns",
    "1M loop memory",
    "B/hit record",
    "B/record tree",
]


def targets(
    overhead: list[dict[str, Any]],
    inproc: list[dict[str, Any]],
    render: list[dict[str, Any]],
    accuracy: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every target of issues 7 and 11 next to what was measured."""
    out: list[dict[str, Any]] = []
    what = {"library": "library ratio", "library-pure": "library ratio (pure Python)", "cli": "command-line ratio"}
    for r in overhead:
        wanted = TARGET_RATIO.get(r["variant"])
        if wanted is not None and r["workload"] in ("tree", "stdlib", "sympy") and "ratio" in r:
            value = r["ratio"]["median"]
            out.append(
                {
                    "python": r["python"],
                    "what": "%s, workload %s" % (what[r["variant"]], r["workload"]),
                    "measured": "%.3f" % value,
                    "target": "<= %.2f" % wanted,
                    "verdict": _verdict(value, wanted, fmt="%.3f"),
                }
            )
    for r in accuracy or []:
        if "error" in r:
            continue
        out.append(
            {
                "python": r["python"],
                "what": "reported time of the tree's top import (%s)" % r["module"],
                "measured": "%+.1f%%" % (100 * r["deviation"]),
                "target": "within %d%%" % round(100 * TARGET_ACCURACY),
                "verdict": _verdict(abs(r["deviation"]), TARGET_ACCURACY, fmt="%.3f"),
            }
        )
    for r in inproc:
        note = "" if r["python"].split()[1].startswith("3.11.") else " (target set for 3.11)"
        out.append(
            {
                "python": r["python"],
                "what": "extra ns per cached import" + note,
                "measured": "%.0f ns" % r["extra_ns"],
                "target": "<= %.0f ns" % TARGET_NS,
                "verdict": _verdict(r["extra_ns"], TARGET_NS, fmt="%.0f ns"),
            }
        )
        out.append(
            {
                "python": r["python"],
                "what": "memory of the 1M-iteration loop's events",
                "measured": "%d B" % r["loop_bytes"],
                "target": "< 1 MiB",
                "verdict": _verdict(r["loop_bytes"], TARGET_LOOP_BYTES, fmt="%d B"),
            }
        )
    out.extend(render_targets(render))
    return out


# --- main ------------------------------------------------------------------------------------------


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Measure importtrace's overhead against untraced runs (issues 7, 11). See benchmarks/README.md.",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="3 pairs, fewer repetitions: to check that it all works")
    mode.add_argument("--full", action="store_true", help="11 pairs after 2 warm-up rounds (the default)")
    p.add_argument("--python", action="append", default=[], metavar="PY", help="interpreter to measure (repeatable)")
    p.add_argument(
        "--workload", action="append", default=[], choices=list(WORKLOADS), help="workloads to run (default: all)"
    )
    p.add_argument(
        "--variant", action="append", default=[], choices=list(VARIANTS), help="whole-process variants (default: all)"
    )
    figures = ("overhead", "accuracy", "render", "inprocess", "profile", "soak")
    p.add_argument(
        "--figure",
        action="append",
        default=[],
        choices=figures,
        help="figures to produce (default: overhead, accuracy, render, inprocess; profile and soak only when asked)",
    )
    p.add_argument("--pairs", type=int, help="measured pairs per variant (at least 11 for published numbers)")
    p.add_argument("--warmup", type=int, help="warm-up rounds before the pairs")
    p.add_argument(
        "--importtrace-src",
        metavar="DIR",
        help="measure the importtrace package found in DIR (put first on PYTHONPATH of every process)",
    )
    p.add_argument("--tablefmt", default="simple", help="tabulate format for the printed tables (e.g. github)")
    p.add_argument("--json", metavar="FILE", help="where to write the JSON (default: benchmarks/results/DATE.json)")
    ns = p.parse_args(argv)
    ns.figure = ns.figure or ["overhead", "accuracy", "render", "inprocess"]
    return ns


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(argv)
    settings = QUICK if ns.quick else FULL
    if ns.importtrace_src:
        src = os.path.abspath(ns.importtrace_src)
        ENV["PYTHONPATH"] = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    if ns.pairs is not None:
        settings.pairs = max(1, ns.pairs)
    if ns.warmup is not None:
        settings.warmup = max(1, ns.warmup)
    os.makedirs(os.path.join(WORK, "out"), exist_ok=True)
    os.makedirs(os.path.join(WORK, "traces"), exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.time()
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    modules, written = gen_tree.write_tree(TREE)
    log("workload 1: %d modules in %s (%d files written)" % (modules, TREE, written))
    pythons = [probe(resolve_python(p)) for spec in (ns.python or [sys.executable]) for p in spec.split(",")]
    stamps = {py.importtrace: source_stamp(py.importtrace) for py in pythons}
    workloads = [WORKLOADS[k] for k in (ns.workload or list(WORKLOADS))]
    variants = ns.variant or list(VARIANTS)
    results: dict[str, Any] = {
        "meta": {
            "started": datetime.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "mode": "quick" if ns.quick else "full",
            "settings": settings.__dict__,
            "machine": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_start": load_start,
            "commit": _git("rev-parse", "HEAD"),
            "dirty_files": (_git("status", "--porcelain", "--", "src") or "").splitlines(),
            "interpreters": [p.__dict__ for p in pythons],
        },
        "overhead": [],
        "render": [],
        "inprocess": [],
        "profile": [],
        "soak": [],
        "accuracy": [],
    }
    for py in pythons:
        runnable = []
        for w in workloads:
            if w.needs and not getattr(py, w.needs, False):
                log(
                    "%s: workload %s skipped: %s is not installed for %s (pip install -e '.[bench]')"
                    % (py.label, w.key, w.needs, py.path)
                )
                continue
            runnable.append(w)
        py_variants = list(variants)
        if "library-pure" in py_variants and not py.speedups:
            log("%s: library-pure row skipped: no compiled accelerator in use, library is pure Python" % py.label)
            py_variants.remove("library-pure")
        if "wrapt" in py_variants and not py.wrapt:
            log("%s: wrapt row skipped: wrapt is not installed (pip install wrapt; benchmark-only)" % py.label)
            py_variants.remove("wrapt")
        log("%s (%s): preparing (bytecode, child commands)" % (py.label, py.path))
        prepare(py, runnable, log)
        if "overhead" in ns.figure:
            for w in runnable:
                log("%s: workload %s: %d pairs x %d variants" % (py.label, w.key, settings.pairs, len(py_variants)))
                results["overhead"].extend(measure_overhead(py, w, py_variants, settings, log))
        if "accuracy" in ns.figure:
            log("%s: reported times against -X importtime" % py.label)
            results["accuracy"].append(measure_accuracy(py, WORKLOADS["tree"], settings.accuracy_repeats))
        if "render" in ns.figure:
            traces = {"tree": os.path.join(WORK, "traces", "tree-%s.jsonl" % py.short)}
            cli_tree = cli_output(py, WORKLOADS["tree"])
            if os.path.exists(cli_tree) and "overhead" in ns.figure and "cli" in variants:
                shutil.copyfile(cli_tree, traces["tree"])
            else:
                error = check_process(
                    [py.path, "-m", "importtrace", "--format", "jsonl", "-o", traces["tree"], WORKLOADS["tree"].script],
                    "tracing workload 1",
                )
                if error:
                    log("%s: %s" % (py.label, error))
            traces["synth100k"] = os.path.join(WORK, "traces", "synth-%d.jsonl" % settings.synthetic_events)
            if not os.path.exists(traces["synth100k"]):  # deterministic: any interpreter writes the same events
                synth = [py.path, os.path.join(HERE, "_traces.py"), "synth", traces["synth100k"]]
                run_json([*synth, str(settings.synthetic_events)])
            log("%s: rendering" % py.label)
            results["render"].extend(measure_rendering(py, traces, settings, log))
        if "inprocess" in ns.figure:
            log("%s: in-process figures" % py.label)
            for pure in (False, True) if py.speedups else (False,):
                try:
                    results["inprocess"].append(measure_inprocess(py, settings, pure))
                except RuntimeError as exc:
                    log("%s: in-process figures failed: %s" % (py.label, exc))
        if "profile" in ns.figure:
            log("%s: profiling the recording child" % py.label)
            results["profile"].extend(measure_profile(py, runnable, settings.profile_repeats))
        if "soak" in ns.figure:
            hooks = soak.HOOKS if py.speedups else tuple(h for h in soak.HOOKS if h != "compiled")
            results["soak"].extend(soak.measure(py.path, list(settings.soak_cycles), log, hooks, ENV))
    edited = [d for d, stamp in stamps.items() if source_stamp(d) != stamp]
    results["meta"]["sources_edited_during_run"] = edited
    if edited:
        log("warning: importtrace's sources changed during the run (%s): figures may mix versions" % ", ".join(edited))
    results["meta"]["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    results["meta"]["seconds"] = round(time.time() - started, 1)
    results["targets"] = targets(results["overhead"], results["inprocess"], results["render"], results["accuracy"])
    print_report(results, ns.tablefmt)
    path = ns.json or os.path.join(
        RESULTS, "bench-%s-%s.json" % (time.strftime("%Y%m%d-%H%M%S", time.localtime(started)), results["meta"]["mode"])
    )
    with open(path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    print("\nJSON: %s" % os.path.relpath(path))
    return 0


def print_report(results: dict[str, Any], fmt: str) -> None:
    """The tables, in the order of README.md's performance section."""
    meta = results["meta"]
    print(
        "\nimporttrace benchmarks, %s run (%d pairs per figure after %d warm-up rounds), %s, %s CPUs, "
        "load %s at start, %s at end; commit %s%s"
        % (
            meta["mode"],
            meta["settings"]["pairs"],
            meta["settings"]["warmup"],
            meta["machine"],
            meta["cpus"],
            _load(meta["loadavg_start"]),
            _load(meta["loadavg_end"]),
            (meta["commit"] or "?")[:10],
            " + uncommitted changes in src/" if meta["dirty_files"] else "",
        )
    )
    if meta["settings"]["pairs"] < 11:
        print("  fewer than 11 pairs: these figures check that the runner works, they are not for publishing")
    if meta.get("sources_edited_during_run"):
        print("  importtrace's sources changed during the run: figures may mix versions")
    for py in meta["interpreters"]:
        print(
            "  %s %s: %s; importtrace %s from %s (compiled accelerator: %s); sympy %s; wrapt %s"
            % (
                py["implementation"],
                py["version"],
                py["path"],
                py["importtrace_version"],
                py["importtrace"],
                "in use" if py["speedups"] else "not in use",
                py["sympy"] or "not installed",
                py["wrapt"] or "not installed",
            )
        )
    if results["overhead"]:
        print("\nWhole process, traced / untraced (median of per-pair ratios [min, max]; ms are medians):")
        for w in WORKLOADS.values():
            print("  %-11s workload %s" % (w.key, w.title))
        for key, text in VARIANTS.items():
            print("  %-11s %s" % (key, text))
        print(tabulate(overhead_table(results["overhead"]), OVERHEAD_HEADERS, tablefmt=fmt, disable_numparse=True))
        mem = memory_table(results["overhead"])
        if mem:
            print("\nPeak memory (max RSS, MiB, medians; cli: the larger of parent and child):")
            headers = ["python", "workload", "variant", "untraced", "traced", "delta", "ratio", "events"]
            print(tabulate(mem, headers, tablefmt=fmt, disable_numparse=True))
    if results["render"]:
        print("\nRendering: `importtrace show --format F -o FILE TRACE` (s, median); in-process: read and render:")
        headers = ["python", "trace", "format", "events", "command s", "start-up s", "read s", "render s", "chars"]
        print(tabulate(rendering_table(results["render"]), headers, tablefmt=fmt, disable_numparse=True))
    if results["inprocess"]:
        print("\nIn process: function-level `import os` (ns per call; extra = minus untraced), memory (tracemalloc):")
        print(tabulate(inprocess_table(results["inprocess"]), INPROCESS_HEADERS, tablefmt=fmt, disable_numparse=True))
    if results["profile"]:
        print_profiles(results["profile"], fmt)
    if results["soak"]:
        print("\nSoak: resident memory growth of one process tracing the same cycle again and again (KiB):")
        headers, rows = soak.table(results["soak"], list(meta["settings"]["soak_cycles"]))
        print(tabulate(rows, headers, tablefmt=fmt, disable_numparse=True))
    if results["accuracy"]:
        print("\nReported times: the tree's top import, cumulative microseconds (medians; per run in the JSON):")
        rows = [
            [
                a["python"],
                a["module"],
                statistics.median(a["importtime_us"]),
                statistics.median(a["importtrace_us"]),
                "%+.1f%%" % (100 * a["deviation"]),
            ]
            if "error" not in a
            else [a["python"], "error: " + a["error"][:60], "", "", ""]
            for a in results["accuracy"]
        ]
        headers = ["python", "module", "-X importtime", "importtrace --format importtime", "deviation"]
        print(tabulate(rows, headers, tablefmt=fmt, disable_numparse=True))
    if results["targets"]:
        print("\nTargets (issues 7 and 11):")
        rows = [[t["python"], t["what"], t["measured"], t["target"], t["verdict"]] for t in results["targets"]]
        print(tabulate(rows, ["python", "target", "measured", "wanted", "verdict"], tablefmt=fmt))


PHASES = [
    ("import_importtrace", "import importtrace"),
    ("program_and_exit", "program (+ atexit)"),
    ("stop", "stop: take the records"),
    ("handover.portable", "hand-over: lines and file names"),
    ("handover.write", "hand-over: marshal write"),
    ("child_total", "child total"),
]


def print_profiles(profiles: list[dict[str, Any]], fmt: str) -> None:
    """Phase times of the recording child against the untraced program, then cProfile's top functions."""
    rows = []
    for prof in profiles:
        if "error" in prof:
            print("\nProfile %s %s: %s" % (prof["python"], prof["workload"], prof["error"]))
            continue
        phases, base = prof["phases"], prof["untraced"]["program_and_exit"]
        row = [prof["python"], prof["workload"], _ms(base)]
        row += [_ms(phases[key]) if key in phases else "" for key, _ in PHASES]
        row.append(_ms(phases.get("child_total", 0.0) - base))
        rows.append(row)
    if rows:
        print(
            "\nWhere the recording time goes: phases of the recording child (CPU ms, medians; wall times in the JSON;"
            " untraced: the program alone, measured the same way)"
        )
        headers = ["python", "workload", "untraced", *(title for _, title in PHASES), "extra"]
        print(tabulate(rows, headers, tablefmt=fmt, disable_numparse=True))
    for prof in profiles:
        cp = prof.get("cprofile")
        if not cp:
            continue
        print(
            "\ncProfile of the recording child, %s, workload %s (%.2f s profiled, %.0f%% of it in importtrace's code):"
            % (prof["python"], prof["workload"], cp["total_s"], 100 * cp["importtrace_share"])
        )
        top = [[r["function"][-72:], r["ncalls"], "%.3f" % r["tottime"], "%.3f" % r["cumtime"]] for r in cp["top"]]
        print(tabulate(top, ["function", "calls", "own s", "cumulative s"], tablefmt=fmt, disable_numparse=True))


def _load(load: Any) -> str:
    return "?" if not load else "%.2f" % load[0]


if __name__ == "__main__":
    sys.exit(main())
