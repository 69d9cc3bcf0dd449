"""The command line: `python -m importtrace [options] (script | -m module | -c code) [args]`, and the
`show`, `why`, `check` and `diff` subcommands.

The program runs in a child interpreter (same executable, same options) that imports only importtrace's
recording modules; this process parses arguments, waits, and renders, so nothing it imports can
turn one of the program's loads into a cache hit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import IO, Any, NoReturn

from . import __version__
from ._trace import Trace, TraceError

PROG = "importtrace"
USAGE = """\
importtrace [options] (script.py | -m module | -c code) [args ...]
       importtrace show TRACE.jsonl [options]
       importtrace why TRACE.jsonl MODULE
       importtrace check [rules] (script.py | -m module | -c code) [args ...]
       importtrace --runs N -o DIR (script.py | -m module | -c code) [args ...]
       importtrace diff BEFORE AFTER [options]"""
DESCRIPTION = """\
Run a Python program exactly as `python` would and show how its modules were fetched: every search
(which finder, which file), load (self and cumulative time, errors), cache hit (who asked, where)
and reload.  The report goes to stderr, so the program's own stdout stays clean."""
EXIT_CODES = """\
exit codes:
  the program's own  its exit status (or the signal that ended it) when it ran
  2                  usage error or bad input, found before the program starts (unknown option or
                     format, missing script, directory without __main__.py, unknown top-level
                     -m package, unwritable -o or --stream path, unreadable or malformed trace file)
  1                  why: the module is not in the trace; check: a rule or the program failed;
                     diff: the runs loaded different modules (or, with rules, a rule failed)"""

SUBCOMMANDS = ("show", "why", "check", "diff")


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m importtrace` and the `importtrace` console script (argv None: the
    process's own command line, after which the process ends here)."""
    import gc

    gc.disable()  # this process only parses, reads traces and renders: no cycles worth collecting
    status = _main(list(sys.argv[1:] if argv is None else argv))
    if argv is None:
        _leave(status)
    return status


def _leave(status: int) -> None:
    """End this process at once with status: freeing a large trace object by object at interpreter exit
    took 0.2 s for 100,000 events.  Only the parent does this; the traced program ends as it would.
    Not when something still has work at exit or is watching (coverage's atexit save, cProfile), except
    under python -i: its prompt is the program's (in the child), and this process would open another."""
    import atexit

    inspect = bool(sys.flags.inspect)
    if inspect:
        atexit._run_exitfuncs()
    elif _watched():
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        if not inspect:
            return  # a closed or broken stream: let the interpreter's own exit report it as usual
    os._exit(status)


def _watched() -> bool:
    """Whether something still has work at exit (atexit handlers) or watches this process."""
    import atexit

    if getattr(atexit, "_ncallbacks", lambda: 1)() or sys.gettrace() is not None or sys.getprofile() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # 3.12+: cProfile and coverage may watch through it
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))


def _main(args: list[str]) -> int:
    try:
        if args and args[0] in SUBCOMMANDS and not os.path.exists(args[0]):
            command = args.pop(0)
            if command == "show":
                return _show(args)
            if command == "why":
                return _why(args)
            if command == "diff":
                return _diff(args)
            return _check(args)
        return _run(args)
    except UsageError as exc:
        print("%s: error: %s (see %s --help)" % (PROG, exc, PROG), file=sys.stderr)
        return 2
    except TraceError as exc:
        print("%s: error: %s" % (PROG, exc), file=sys.stderr)
        return 2


# --- options -----------------------------------------------------------------------------------


def _parser(command: str | None) -> _Parser:
    p = _Parser(
        prog=PROG if command is None else "%s %s" % (PROG, command),
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument("--version", action="version", version="%(prog)s " + __version__)
    out = p.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report to FILE (default: stderr; show and why: stdout); relative to where importtrace started",
    )
    out.add_argument(
        "-f",
        "--format",
        default="timeline",
        metavar="FORMAT",
        help="timeline (default), story (for learners), tree, table, jsonl, chrome, importtime, mermaid, html",
    )
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the report (auto: on a terminal; NO_COLOR and FORCE_COLOR are honoured)",
    )
    out.add_argument("--style", metavar="STYLE", help="table style for --format table (plain, github, grid, ...)")
    out.add_argument("--explain", action="store_true", help="add plain-language notes for learners")
    filters = p.add_argument_group("filters (every format)")
    filters.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only modules matching PATTERN (glob; 'json' also matches json.*); repeatable",
    )
    filters.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="leave out modules matching PATTERN; repeatable",
    )
    filters.add_argument(
        "--kind",
        action="append",
        default=[],
        metavar="KIND",
        help="only events of KIND: search, load, hit, reload; repeatable or comma-separated",
    )
    filters.add_argument("--min-duration", type=float, metavar="MS", help="leave out events faster than MS ms")
    filters.add_argument("--depth", type=int, metavar="N", help="show loads nested at most N deep")
    filters.add_argument("--hide-stdlib", action="store_true", help="leave out standard-library modules")
    filters.add_argument(
        "--hide-noise",
        action="store_true",
        help="leave out importtrace's own events, find_spec probes and the import machinery's own hits",
    )
    if command in (None, "check"):
        run = p.add_argument_group("running")
        run.add_argument(
            "--stream",
            metavar="FILE",
            help="also write events to FILE as JSON Lines as they "
            "happen, so a crash or os._exit loses at most the event in flight",
        )
        run.add_argument(
            "--why",
            metavar="MODULE",
            action="append",
            default=[],
            help="after the report, show the imports that first brought MODULE in",
        )
    if command is None:
        run.add_argument(
            "--runs",
            metavar="N",
            type=int,
            help="run the program N times and record each run's trace into the directory -o DIR "
            "(DIR/run-001.jsonl, ...), for `importtrace diff`; the exit status is the first failing run's",
        )
    return p


def _render_options(ns: argparse.Namespace, stream: IO[str] | None) -> dict[str, Any]:
    from .renderers import FORMATS

    if ns.format not in FORMATS:
        raise UsageError("unknown format %r (choose from %s)" % (ns.format, ", ".join(FORMATS)))
    kinds = [k.strip() for spec in ns.kind for k in spec.split(",") if k.strip()]
    for kind in kinds:
        if kind not in ("search", "load", "hit", "reload"):
            raise UsageError("unknown event kind %r (search, load, hit or reload)" % kind)
    options: dict[str, Any] = {}
    if ns.include:
        options["include"] = list(ns.include)
    if ns.exclude:
        options["exclude"] = list(ns.exclude)
    if kinds:
        options["kinds"] = kinds
    if ns.min_duration is not None:
        if ns.min_duration < 0:
            raise UsageError("--min-duration must not be negative")
        options["min_duration"] = int(ns.min_duration * 1_000_000)
    if ns.depth is not None:
        if ns.depth < 0:
            raise UsageError("--depth must not be negative")
        options["depth"] = ns.depth
    if ns.hide_stdlib:
        options["hide_stdlib"] = True
    if ns.hide_noise:
        options["hide_noise"] = True
    if ns.style:
        options["style"] = ns.style
    if ns.explain:
        options["explain"] = True
    if ns.format not in ("jsonl", "chrome", "html", "mermaid", "importtime"):
        options["color"] = _want_color(stream, ns.color)
        if stream is not None and _isatty(stream):
            import shutil

            options["width"] = shutil.get_terminal_size().columns
    return options


def _want_color(stream: IO[str] | None, mode: str) -> bool:
    from .renderers import want_color

    return bool(want_color(stream, mode))


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _writable(path: str, what: str) -> str:
    """An absolute path that can be written, checked now so that the user's run is not wasted."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise UsageError("cannot write %s %r: it is a directory" % (what, path))
    existed = os.path.exists(path)
    try:
        with open(path, "a"):
            pass
    except OSError as exc:
        raise UsageError("cannot write %s %r: %s" % (what, path, exc.strerror or exc)) from None
    if not existed:
        os.unlink(path)
    return path


# --- running a program -------------------------------------------------------------------------


def split_target(args: list[str], parser: argparse.ArgumentParser) -> tuple[list[str], str, str, list[str]]:
    """Split argv like python does: our options, then script | -m module | -c code, then its args."""
    takes_value = {opt for action in parser._actions if action.nargs != 0 for opt in action.option_strings}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest = args[i + 1 :]
            if not rest:
                raise UsageError("no program given after --")
            return args[:i], "script", rest[0], rest[1:]
        for flag, mode in (("-m", "module"), ("-c", "code")):
            if arg == flag:
                if i + 1 >= len(args):
                    raise UsageError("argument %s: expected one argument" % flag)
                return args[:i], mode, args[i + 1], args[i + 2 :]
            if arg.startswith(flag) and not arg.startswith("--"):
                return args[:i], mode, arg[2:], args[i + 1 :]
        if not arg.startswith("-") or arg == "-":
            return args[:i], "script", arg, args[i + 1 :]
        if arg in takes_value and "=" not in arg:
            i += 1
        i += 1
    return args, "", "", []


def _check_target(mode: str, target: str) -> None:
    """The bad inputs python itself would reject, reported before anything runs."""
    if mode == "script":
        if target == "-":
            raise UsageError("reading the program from stdin is not supported; pass a file, -m or -c")
        if not os.path.exists(target):
            raise UsageError("can't open file %r: No such file or directory" % target)
        if os.path.isdir(target) and not os.path.exists(os.path.join(target, "__main__.py")):
            raise UsageError("can't find '__main__' module in %r" % target)
        if not os.path.isdir(target):
            import zipfile

            if zipfile.is_zipfile(target):
                with zipfile.ZipFile(target) as z:
                    if "__main__.py" not in z.namelist() and "__main__.pyc" not in z.namelist():
                        raise UsageError("can't find '__main__' module in %r" % target)
    elif mode == "module":
        top = target.partition(".")[0]
        if not top or target.startswith("."):
            raise UsageError("relative module names are not supported: %r" % target)
        import importlib.util

        saved = sys.path[:]
        try:
            if not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)):
                sys.path.insert(0, os.getcwd())  # the child's sys.path[0] for -m
            found = importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            found = False
        finally:
            sys.path[:] = saved
        if not found:
            raise UsageError("No module named %r" % top)


def _run(args: list[str]) -> int:
    parser = _parser(None)
    options, mode, target, program_args = split_target(args, parser)
    ns = parser.parse_args(options)
    if not mode:
        raise UsageError("no program given: pass a script, -m module or -c code")
    if ns.runs is not None:
        from ._diffcli import record_runs

        return exit_like(record_runs(ns, mode, target, program_args))
    status, _ = run_program(ns, mode, target, program_args)
    return exit_like(status)


def run_program(
    ns: argparse.Namespace, mode: str, target: str, program_args: list[str], report: bool = True
) -> tuple[int, Trace | None]:
    """Run the program traced in a child interpreter and render the report (unless report is
    False); return its exit status (negative: the signal that ended it) and its trace."""
    output = _writable(ns.output, "the report to") if ns.output else None
    stream_path = _writable(ns.stream, "the stream to") if getattr(ns, "stream", None) else ""
    render_options = _render_options(ns, None if output else sys.stderr) if report else {}
    _check_target(mode, target)
    explain = bool(ns.explain) or ns.format == "story"  # the story tells what explain records
    trace, status = trace_program(mode, target, program_args, stream_path, explain=explain)
    if trace is not None and trace.header.get("complete") is False:
        print(
            "%s: the program ended abruptly (status %d); the trace was recovered from the stream file "
            "and lacks at most the event in flight" % (PROG, status),
            file=sys.stderr,
        )
    if trace is not None and report:
        _report(trace, ns, render_options, output)
        for module in getattr(ns, "why", []):
            print(why_text(trace, module), file=sys.stderr, end="")
    if trace is None:
        print(
            "%s: the program ended without handing over its trace (os._exit, a crash or a signal); "
            "--stream FILE keeps events as they happen" % PROG,
            file=sys.stderr,
        )
    return status, trace


def child_command(
    mode: str,
    target: str,
    args: list[str],
    out: str,
    stream_path: str = "",
    explain: bool = False,
) -> list[str]:
    """The command that runs the program traced in a child interpreter (same executable, and the
    interpreter options this one was given), handing the trace over as a marshal file at ``out``.
    The benchmarks time exactly this command."""
    import importtrace

    from ._child import BOOT
    from ._interpreter import interpreter_command

    pkgdir = os.path.dirname(os.path.dirname(os.path.abspath(importtrace.__file__)))
    boot = ["-c", BOOT] if mode == "code" else [os.path.join(pkgdir, "importtrace", "_boot.py")]
    abspath = _absolute(target) if mode == "script" else ""
    if mode == "script":
        path0 = os.path.dirname(os.path.realpath(abspath))  # python resolves the script's symlinks
    else:
        path0 = os.getcwd() if mode == "module" else ""
    argv0, interpreter, letters = interpreter_command()
    options = ",".join(name for name, on in (("explain", explain), ("x", "x" in letters)) if on)
    return [
        sys.executable,
        *interpreter,
        *boot,
        pkgdir,
        out,
        stream_path,
        options,
        argv0,
        mode,
        target,
        abspath,
        path0,
        *args,
    ]


def _absolute(path: str) -> str:
    """path made absolute as python makes a script's (__file__, tracebacks): joined to the working
    directory, not normalised ('./app.py' stays '/cwd/./app.py')."""
    if not path or path == ".":
        return os.getcwd()
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def trace_program(
    mode: str, target: str, args: list[str], stream_path: str = "", explain: bool = False
) -> tuple[Trace | None, int]:
    """Run the program in a child interpreter; return its trace (None if it died without one) and
    its exit status (negative: the signal that ended it)."""
    fd, out = _temp_file()
    os.close(fd)
    try:
        status = _spawn(child_command(mode, target, args, out, stream_path, explain))
        trace = read_child_trace(out)
    finally:
        try:
            os.unlink(out)
        except OSError:
            pass
    if trace is None and stream_path and os.path.exists(stream_path):
        from ._tracefile import read

        try:
            trace = read(stream_path)
        except TraceError:
            trace = None
    if trace is not None:
        trace.header.setdefault("program", {"mode": mode, "target": target, "args": list(args)})
        trace.header["program"]["status"] = status
    return trace, status


def _temp_file() -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(prefix="importtrace-", suffix=".trace")


def read_child_trace(path: str) -> Trace | None:
    """The trace a child handed over at path (None if it wrote none: os._exit, a crash)."""
    import marshal

    try:
        with open(path, "rb") as f:
            data = f.read()
        if not data:
            return None
        header, records = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return Trace._from_records(header, records)


def _spawn(cmd: list[str]) -> int:
    """Run the child, passing on the signals sent to this process (see importtrace._spawn)."""
    from ._spawn import run

    return run(cmd)


def _report(
    trace: Trace, ns: argparse.Namespace, options: dict[str, Any], output: str | None, default: IO[str] | None = None
) -> None:
    from .renderers import RenderError, render

    try:
        text = render(trace, ns.format, **options)
    except RenderError as exc:
        raise UsageError(str(exc)) from None
    write_report(text, output, default)


def write_report(text: str, output: str | None, default: IO[str] | None = None) -> None:
    """Write a report to the file output, else to default (stderr if None), escaping what it cannot encode."""
    if output:
        with open(output, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
    else:
        stream = default if default is not None else sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except UnicodeEncodeError:
            stream.write(text.encode("ascii", "backslashreplace").decode("ascii"))


def exit_like(status: int) -> int:
    """Return status for sys.exit, or die by the same signal the program died of."""
    if status < 0:
        import signal

        sys.stdout.flush()
        sys.stderr.flush()
        try:
            signal.signal(-status, signal.SIG_DFL)
            os.kill(os.getpid(), -status)
        except (OSError, ValueError):
            pass
        return 128 - status
    return status


# --- show and why ------------------------------------------------------------------------------


def _load_trace(path: str) -> Trace:
    from ._tracefile import read

    return read(path)


def _show(args: list[str]) -> int:
    parser = _parser("show")
    parser.add_argument("trace", metavar="TRACE.jsonl")
    ns = parser.parse_args(args)
    output = _writable(ns.output, "the report to") if ns.output else None
    options = _render_options(ns, None if output else sys.stdout)
    trace = _load_trace(ns.trace)
    _report(trace, ns, options, output, default=sys.stdout)
    return 0


def _why(args: list[str]) -> int:
    parser = _Parser(
        prog="%s why" % PROG,
        usage="%s why TRACE.jsonl MODULE" % PROG,
        description="Show the chain of imports that first brought MODULE in, and every other place that asked for it.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("trace", metavar="TRACE.jsonl")
    parser.add_argument("module", metavar="MODULE")
    ns = parser.parse_args(args)
    trace = _load_trace(ns.trace)
    text = why_text(trace, ns.module)
    sys.stdout.write(text)
    return 0 if trace.requests(ns.module) else 1


def why_text(trace: Trace, module: str) -> str:
    from ._whytext import why_text as _why_text

    return _why_text(trace, module)


def _check(args: list[str]) -> int:
    from ._checkcli import check_main

    return int(check_main(args))


def _diff(args: list[str]) -> int:
    from ._diffcli import diff_main

    return int(diff_main(args))
