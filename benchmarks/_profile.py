"""Where does the recording time go?  Run with the interpreter being measured; prints JSON.

``python _profile.py phases BOOT_FILE ARGS...``
    runs importtrace's child bootstrap (the command the command line starts, minus the interpreter)
    with timers (CPU time, and wall time) around its phases: importing importtrace, the program under the hooks, stop()
    (export of the raw records, then Trace.from_dicts) and the hand-over (Trace.to_dicts, marshal).
``python _profile.py plain SCRIPT ARGS...``
    the program's own time, untraced, measured the same way (for the "program under the hooks" share).
``python _profile.py cprofile TOP BOOT_FILE ARGS...``
    the same child under cProfile: the functions with the most own time, and importtrace's share.
    cProfile charges every call, so functions called very often look slower than they are: read
    the shares, not the absolute times.  The loader proxies' methods are disguised as importlib's
    ``_call_with_frames_removed`` (for clean tracebacks), so their time is counted under importlib.

Only ``time`` and ``sys`` are imported before the program runs in the first two modes (json would
turn the program's own ``import json`` into a cache hit).
"""

import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def _to_json(values: "dict[str, float]") -> str:
    return "{%s}" % ", ".join('"%s": %r' % (k, float(v)) for k, v in values.items())


def _run_boot(boot: str, args: "list[str]") -> None:
    """Execute the bootstrap file as `python BOOT_FILE ARGS` would, in a fresh __main__ (the child
    clears the globals of __main__ before the program runs)."""
    sys.argv[:] = [boot, *args]
    sys.path[0] = boot.rpartition("/")[0]
    with open(boot, "rb") as f:
        code = compile(f.read(), boot, "exec")
    real_main = sys.modules["__main__"]
    boot_main = type(sys)("__main__")
    boot_main.__file__ = boot
    sys.modules["__main__"] = boot_main
    try:
        exec(code, boot_main.__dict__)
    except SystemExit:
        pass
    finally:
        sys.modules["__main__"] = real_main


def phases(boot: str, args: "list[str]") -> "dict[str, float]":
    """Seconds spent in each phase of the recording child: CPU time (the child is single-threaded,
    so this is what the phase costs, whatever else the machine runs) and, under NAME.wall, wall time."""
    clocks = (("", time.process_time), (".wall", time.perf_counter))
    spent: "dict[str, float]" = {}

    def now() -> "list[float]":
        return [clock() for _, clock in clocks]

    def add(name: str, since: "list[float]") -> None:
        for (suffix, _), t0, t1 in zip(clocks, since, now()):
            spent[name + suffix] = spent.get(name + suffix, 0.0) + t1 - t0

    begin = now()
    sys.path.insert(0, args[0])  # PKGDIR, as _boot.py does
    from importtrace.record import Recording
    from importtrace.record import hold as real_hold
    from importtrace.run import _child, _childio

    del sys.path[0]
    add("import_importtrace", begin)

    def timed(name: str, func: "Callable[..., Any]") -> "Callable[..., Any]":
        def wrapper(*a: "Any", **k: "Any") -> "Any":
            t = now()
            try:
                return func(*a, **k)
            finally:
                add(name, t)

        return wrapper

    started: "list[list[float]]" = []
    real_stop = Recording.stop_raw

    def hold(**options: "Any") -> "Any":  # the command line's recording
        result = real_hold(**options)
        started.append(now())
        return result

    def stop(self: "Any") -> "Any":
        add("program_and_exit", started[0])  # the program under the hooks, and atexit handlers
        return timed("stop", real_stop)(self)

    _child.hold = hold  # type: ignore[attr-defined]
    Recording.stop_raw = stop  # type: ignore[method-assign]
    _child.portable_records = timed("handover.portable", _child.portable_records)  # type: ignore[attr-defined]
    _childio.write = timed("handover.write", _childio.write)
    _run_boot(boot, args)
    add("child_total", begin)
    return spent


def plain(script: str, args: "list[str]") -> "dict[str, float]":
    """The untraced program's own time (CPU, and wall as .wall): compile and exec the script as __main__."""
    abspath = script if script.startswith("/") else sys.path[0] + "/" + script
    sys.argv[:] = [script, *args]
    sys.path[0] = abspath.rpartition("/")[0]
    t0, w0 = time.process_time(), time.perf_counter()
    with open(abspath, "rb") as f:
        code = compile(f.read(), abspath, "exec", dont_inherit=True)
    exec(code, {"__name__": "__main__", "__file__": abspath, "__builtins__": __builtins__})
    return {"program_and_exit": time.process_time() - t0, "program_and_exit.wall": time.perf_counter() - w0}


def cprofile(top: int, boot: str, args: "list[str]") -> "dict[str, Any]":
    import cProfile
    import os
    import pstats

    here = os.path.dirname(os.path.abspath(boot))
    prof = cProfile.Profile()
    prof.enable()
    try:
        _run_boot(boot, args)
    finally:
        prof.disable()
    stats: "Any" = pstats.Stats(prof)
    rows = []
    total = ours = 0.0
    by_function: "dict[str, float]" = {}
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        total += tottime
        if filename.startswith(here + os.sep):
            ours += tottime
            key = "%s:%s" % (os.path.basename(filename), func)
            by_function[key] = by_function.get(key, 0.0) + tottime
        name = "%s:%d(%s)" % (filename.replace(here + os.sep, "importtrace/"), line, func)
        rows.append({"function": name, "ncalls": ncalls, "tottime": tottime, "cumtime": cumtime})
    rows.sort(key=lambda r: -r["tottime"])
    return {
        "total_s": total,
        "importtrace_s": ours,
        "importtrace_share": ours / total if total else 0.0,
        "top": rows[:top],
        "importtrace_functions": sorted(by_function.items(), key=lambda kv: -kv[1])[:top],
    }


def main() -> None:
    command = sys.argv[1]
    write = sys.stdout.write
    if command == "phases":
        write(_to_json(phases(sys.argv[2], sys.argv[3:])) + "\n")
    elif command == "plain":
        write(_to_json(plain(sys.argv[2], sys.argv[3:])) + "\n")
    elif command == "cprofile":
        import json

        write(json.dumps(cprofile(int(sys.argv[2]), sys.argv[3], sys.argv[4:])) + "\n")
    else:
        raise SystemExit("_profile.py: unknown command %r" % command)


if __name__ == "__main__":
    main()
