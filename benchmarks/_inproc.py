"""In-process measurements (figure e), run with the interpreter being measured; prints one JSON object.

``python _inproc.py hot NUMBER REPEAT``
    nanoseconds per cached function-level ``import os`` untraced, under ``importtrace.trace()``, under
    the pure-Python floor hook and under a wrapt.FunctionWrapper hook (best of REPEAT timeit runs of
    NUMBER calls); the cost of a first-time import statement (a new site: a new record); memory of the
    events of a million-iteration traced loop and bytes per hit record (tracemalloc).
``python _inproc.py treemem TREE_DIR (traced|untraced)``
    memory allocated while importing the generated tree (workload 1), with or without a trace: the
    difference divided by the number of records is the recorder's memory per event.
"""

from __future__ import annotations

import builtins
import gc
import json
import os
import sys
import time
import timeit
import tracemalloc
from typing import Any, Callable

import importtrace
from importtrace.record import backend as _backend


def f() -> Any:
    import os

    return os


def g() -> Any:
    return builtins


def _per_call_ns(func: Callable[[], Any], number: int, repeat: int) -> float:
    """Best-of-repeat nanoseconds per call of func (timeit's own loop overhead included)."""
    timer = timeit.Timer("func()", globals={"func": func})
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e9


def _floor_hook() -> Callable[..., Any]:
    orig = builtins.__import__

    def _import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        return orig(name, globals, locals, fromlist, level)

    return _import


def _wrapt_hook() -> Callable[..., Any] | None:
    try:
        import wrapt
    except ImportError:
        return None

    def passthrough(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        return wrapped(*args, **kwargs)

    return wrapt.FunctionWrapper(builtins.__import__, passthrough)


def _with_import_hook(hook: Callable[..., Any], func: Callable[[], float]) -> float:
    saved = builtins.__import__
    builtins.__import__ = hook
    try:
        return func()
    finally:
        builtins.__import__ = saved


def _fresh_sites(count: int, tag: str) -> list[Callable[[], Any]]:
    """count distinct functions, each with its own `import os` statement (a site never seen before).
    The code gets a file name, as a module's code has: code compiled from a string ('<string>') takes
    the recorder's slower path on purpose (exec in a loop makes a new site each time)."""
    source = "".join(f"def {tag}{i}():\n    import os\n    return os\n" for i in range(count))
    namespace: dict[str, Any] = {}
    exec(
        compile(source, os.path.join(os.path.dirname(os.path.abspath(__file__)), f"sites_{tag}.py"), "exec"), namespace
    )
    return [namespace[f"{tag}{i}"] for i in range(count)]


def _call_all(funcs: list[Callable[[], Any]]) -> float:
    t0 = time.perf_counter()
    for fn in funcs:
        fn()
    return time.perf_counter() - t0


def hot(number: int, repeat: int) -> dict[str, Any]:
    """Figure (e): time per cached import and memory of the hot loop."""
    out: dict[str, Any] = {"number": number, "repeat": repeat}
    f()  # os is loaded at start-up; make sure the statement has run once
    call_ns = _per_call_ns(g, number, repeat)
    untraced = [_per_call_ns(f, number, repeat)]
    with importtrace.trace():
        traced = _per_call_ns(f, number, repeat)
    untraced.append(_per_call_ns(f, number, repeat))
    floor = _with_import_hook(_floor_hook(), lambda: _per_call_ns(f, number, repeat))
    hook = _wrapt_hook()
    wrapt_ns = None if hook is None else _with_import_hook(hook, lambda: _per_call_ns(f, number, repeat))
    base = min(untraced)
    out.update(
        call_ns=call_ns,
        untraced_ns=base,
        traced_ns=traced,
        extra_ns=traced - base,
        floor_ns=floor,
        floor_extra_ns=floor - base,
        wrapt_ns=wrapt_ns,
        wrapt_extra_ns=None if wrapt_ns is None else wrapt_ns - base,
    )

    # A first-time import statement: a new site, so a new hit record (what workload 1 does 22,800 times).
    sites = 20_000
    plain, recorded = _fresh_sites(sites, "u"), _fresh_sites(sites, "t")
    gc.collect()
    t_plain = _call_all(plain)
    with importtrace.trace():
        t_traced = _call_all(recorded)
    out["first_hit_extra_ns"] = (t_traced - t_plain) / sites * 1e9
    out["first_hit_sites"] = sites

    # Memory: the million-iteration loop, and bytes per hit record.
    loops = 1_000_000
    measured = _fresh_sites(sites, "m")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    with importtrace.trace() as t:
        started = tracemalloc.get_traced_memory()[0]
        for _ in range(loops):
            f()
        looped = tracemalloc.get_traced_memory()[0]
        loop_records = _backend.position()
        for fn in measured:
            fn()
        per_site = tracemalloc.get_traced_memory()[0]
        site_records = _backend.position() - loop_records
    tracemalloc.stop()
    hits = [e for e in t.trace.events if e.kind == "hit" and e.name == "os"]
    out.update(
        loop_iterations=loops,
        loop_bytes=looped - started,
        loop_records=loop_records,
        loop_counted=max((e.count for e in hits), default=0),
        session_bytes=started - before,
        hit_record_bytes=(per_site - looped) / max(site_records, 1),
        hit_records=site_records,
    )
    return out


def treemem(tree: str, mode: str) -> dict[str, Any]:
    """Memory allocated while importing workload 1's tree, traced or not (tracemalloc)."""
    sys.path.insert(0, tree)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    out: dict[str, Any] = {"mode": mode}
    if mode == "traced":
        with importtrace.trace() as t:
            import bt._all

            out["recording_bytes"] = tracemalloc.get_traced_memory()[0] - before
            out["records"] = _backend.position()
        out["events"] = len(t.trace.events)
        out["after_stop_bytes"] = tracemalloc.get_traced_memory()[0] - before
    else:
        import bt._all  # noqa: F401

        out["recording_bytes"] = out["after_stop_bytes"] = tracemalloc.get_traced_memory()[0] - before
    out["peak_bytes"] = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return out


def main() -> None:
    command = sys.argv[1]
    if command == "hot":
        result = hot(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "treemem":
        result = treemem(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"_inproc.py: unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
