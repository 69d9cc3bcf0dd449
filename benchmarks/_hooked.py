# Comparison hooks for the whole-process benchmarks (never used by importtrace itself).
#
#   python _hooked.py KIND SCRIPT [ARGS...]
#
# installs the hook KIND, then runs SCRIPT as `python SCRIPT` would (sys.argv, sys.path[0], a clean
# __main__), the way importtrace's child runs it.  KIND is one of
#   floor       a plain-Python pass-through builtins.__import__ plus a meta-path finder that records
#               nothing: the "pure-Python floor" of issue 7 (any Python-level hook costs at least this)
#   wrapt-base  imports wrapt and installs nothing: the baseline of the wrapt row, so that its ratio
#               is the hook's cost and not the cost of importing wrapt (about 100 modules on 3.13)
#   wrapt       wrapt.FunctionWrapper pass-through on builtins.__import__ plus the same finder
#   none        nothing: measures this launcher's own cost (the baseline of the library rows)
#   library     importtrace as a library: import importtrace, start(), the program, stop() returning
#               its Trace (with IMPORTTRACE_PURE=1 in the environment: the pure-Python hooks)
# Only modules every interpreter has loaded at start-up are imported here, except wrapt.
import builtins
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class NullFinder:
    """First in sys.meta_path, finds nothing, so every search also passes through Python code."""

    def find_spec(self, fullname: str, path: "Any" = None, target: "Any" = None) -> None:
        return None


def install(kind: str) -> None:
    """Put the hook of the given kind in place."""
    orig = builtins.__import__
    if kind == "floor":

        def _import(
            name: str, globals: "Any" = None, locals: "Any" = None, fromlist: "Any" = (), level: int = 0
        ) -> "Any":
            return orig(name, globals, locals, fromlist, level)

        builtins.__import__ = _import
        sys.meta_path.insert(0, NullFinder())
    elif kind in ("wrapt", "wrapt-base"):
        import wrapt

        if kind == "wrapt":

            def passthrough(wrapped: "Any", instance: "Any", args: "Any", kwargs: "Any") -> "Any":
                return wrapped(*args, **kwargs)

            builtins.__import__ = wrapt.FunctionWrapper(orig, passthrough)
            sys.meta_path.insert(0, NullFinder())
    elif kind not in ("none", "library"):
        raise SystemExit("_hooked.py: unknown hook kind %r" % kind)


def run(script: str, args: "list[str]") -> None:
    """Run script as __main__, like `python script args` (this module's globals are cleared first)."""
    _sys, path = sys, os.path
    external = _sys.modules["_frozen_importlib_external"]
    abspath = path.abspath(script)
    main = _sys.modules["__main__"]
    g = main.__dict__
    for key in [k for k in g if k not in ("__name__", "__builtins__", "__loader__", "__spec__", "__package__")]:
        del g[key]
    g["__doc__"] = None
    g["__file__"] = abspath
    g["__cached__"] = None
    g["__loader__"] = external.SourceFileLoader("__main__", abspath)
    _sys.path[0] = path.dirname(path.realpath(abspath))  # python put this file's directory there
    _sys.argv[:] = [script, *args]
    with open(abspath, "rb") as f:
        code = compile(f.read(), abspath, "exec", dont_inherit=True)
    exec(code, g)


def run_traced(script: str, args: "list[str]") -> None:
    """run() between importtrace.start() and stop() (kept in locals: run() clears this module's globals)."""
    import importtrace

    stop = importtrace.stop
    importtrace.start()
    try:
        run(script, args)
    finally:
        stop()


if __name__ == "__main__":
    install(sys.argv[1])
    (run_traced if sys.argv[1] == "library" else run)(sys.argv[2], sys.argv[3:])
