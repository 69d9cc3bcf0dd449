"""Soak: resident memory of one long-lived process that traces the same work again and again (issue 18).

    python benchmarks/soak.py                          # this interpreter, 1,000 and 10,000 cycles
    python benchmarks/soak.py --python /tmp/venvs/3.9/bin/python --python /tmp/venvs/3.13/bin/python
    python benchmarks/soak.py --cycles 500,5000 --json soak.json

Each row is its own process: a loop of one kind of cycle, each cycle inside its own
``importtrace.trace()`` that is stopped and dropped (or, for the untraced rows, the same loop without
it). Kinds: ``import`` (import a small module, then take it out of sys.modules so that the next cycle
loads it again), ``reload`` (``importlib.reload`` of it), ``failed`` (an import of a module that does
not exist) and ``new-file`` (like ``import``, but each cycle a module from a file of its own, as a test
session's temporary projects are). Hooks: ``untraced``, ``compiled`` (the C accelerator) and ``pure``
(IMPORTTRACE_PURE=1).
Reported: resident memory (``/proc/self/statm``; elsewhere the peak, ``ru_maxrss``) after 1,000 and
10,000 cycles, minus what it was after 100 warm-up cycles. Flat means a finished trace leaves nothing
behind; CPython's own caches make the untraced rows move by a few tens of KiB too.

``python benchmarks/soak.py --child KIND HOOKS C1,C2,...`` is one row: it prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

KINDS = ("import", "reload", "failed", "new-file")
HOOKS = ("untraced", "compiled", "pure")
WARMUP = 100
MODULE = '''"""A small module for the soak loop: a few imports and some data."""
import json
import os.path
from collections import OrderedDict

TABLE = {str(i): [i] * 4 for i in range(50)}


def helper():
    import os
    return os.sep, OrderedDict(TABLE), json.dumps(sorted(TABLE))


helper()
'''


def _resident_kib() -> int:
    """Current resident set size (Linux), else the peak (ru_maxrss), in KiB."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak


def child(kind: str, hooks: str, checkpoints: list[int]) -> dict[str, Any]:
    """One row, in this process: run the cycles and read resident memory at each checkpoint."""
    import contextlib
    import gc
    import importlib
    import tempfile

    import importtrace
    from importtrace import record

    if hooks != "untraced" and (hooks == "compiled") != record.compiled:
        raise SystemExit("hooks %r asked for, but %s are in use" % (hooks, "pure" if hooks == "compiled" else "C"))
    folder = tempfile.mkdtemp(prefix="importtrace-soak-")
    with open(os.path.join(folder, "soak_mod.py"), "w") as f:
        f.write(MODULE)
    if kind == "new-file":  # written beforehand: the finder's directory listing is read once
        for i in range(WARMUP + checkpoints[-1]):
            with open(os.path.join(folder, "soak_%d.py" % i), "w") as f:
                f.write(MODULE)
    sys.path.insert(0, folder)
    sys.dont_write_bytecode = False  # every row reads the same cached bytecode
    import soak_mod  # type: ignore[import-not-found]  # noqa: F401  (compiles it once, warms the finders)

    def tracing() -> Any:
        return contextlib.nullcontext() if hooks == "untraced" else importtrace.trace()

    files = iter(range(WARMUP + checkpoints[-1]))

    def cycle() -> None:
        if kind == "new-file":
            name = "soak_%d" % next(files)
            with tracing():
                __import__(name)
            del sys.modules[name]
        elif kind == "import":
            with tracing():
                import soak_mod  # noqa: F401
            del sys.modules["soak_mod"]
        elif kind == "reload":
            with tracing():
                importlib.reload(sys.modules["soak_mod"])
        else:
            with tracing():
                try:
                    import soak_missing_module  # type: ignore[import-not-found]  # noqa: F401
                except ImportError:
                    pass

    if kind == "import":
        del sys.modules["soak_mod"]
    for _ in range(WARMUP):
        cycle()
    gc.collect()
    base = _resident_kib()
    done = 0
    readings = {}
    for target in checkpoints:
        while done < target:
            cycle()
            done += 1
        gc.collect()
        readings[str(target)] = _resident_kib() - base
    return {
        "kind": kind,
        "hooks": hooks,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "base_kib": base,
        "growth_kib": readings,
    }


def measure(
    python: str,
    checkpoints: list[int],
    log: Any = None,
    hooks_wanted: tuple[str, ...] = HOOKS,
    base_env: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every kind and hooks row for one interpreter, each its own process."""
    rows = []
    for kind in KINDS:
        for hooks in hooks_wanted:
            env = dict(os.environ if base_env is None else base_env)
            env.pop("IMPORTTRACE_PURE", None)
            if hooks == "pure":
                env["IMPORTTRACE_PURE"] = "1"
            cmd = [python, os.path.abspath(__file__), "--child", kind, hooks, ",".join(map(str, checkpoints))]
            if log is not None:
                log("soak: %s %s %s" % (python, kind, hooks))
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                rows.append({"kind": kind, "hooks": hooks, "executable": python, "error": proc.stderr.strip()[-300:]})
                continue
            row = json.loads(proc.stdout)
            row["executable"] = python
            rows.append(row)
    return rows


def table(rows: list[dict[str, Any]], checkpoints: list[int]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows: resident memory growth in KiB after each checkpoint, and bytes per cycle."""
    last = checkpoints[-1]
    headers = ["python", "cycle", "hooks", *("KiB after %s" % format(c, ",") for c in checkpoints)]
    headers.append("B/cycle (%s)" % format(last, ","))
    out = []
    for r in rows:
        if "error" in r:
            out.append([r["executable"], r["kind"], r["hooks"], "failed: " + r["error"].splitlines()[-1]])
            continue
        growth = r["growth_kib"]
        line = [r["python"], r["kind"], r["hooks"], *(growth[str(c)] for c in checkpoints)]
        line.append("%.0f" % (growth[str(last)] * 1024 / last))
        out.append(line)
    return headers, out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/soak.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--python", action="append", default=[], metavar="PY", help="interpreter (repeatable)")
    p.add_argument("--cycles", default="1000,10000", help="checkpoints, comma-separated (default 1000,10000)")
    p.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    p.add_argument("--tablefmt", default="simple", help="tabulate format (e.g. github)")
    p.add_argument("--child", nargs=3, metavar=("KIND", "HOOKS", "CYCLES"), help=argparse.SUPPRESS)
    ns = p.parse_args(argv)
    if ns.child:
        kind, hooks, cycles = ns.child
        print(json.dumps(child(kind, hooks, [int(c) for c in cycles.split(",")])))
        return 0
    checkpoints = sorted(int(c) for c in ns.cycles.split(","))
    rows = []
    for python in ns.python or [sys.executable]:
        rows.extend(measure(python, checkpoints, lambda m: print(m, file=sys.stderr, flush=True)))
    headers, lines = table(rows, checkpoints)
    try:
        from tabulate import tabulate

        print(tabulate(lines, headers, tablefmt=ns.tablefmt, disable_numparse=True))
    except ImportError:
        for line in [headers, *lines]:
            print("  ".join(str(x) for x in line))
    if ns.json:
        with open(ns.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
