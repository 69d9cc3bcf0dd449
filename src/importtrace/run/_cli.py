"""The command line: `python -m importtrace [options] (script | -m module | -c code) [args]`, and the
`show`, `why`, `check` and `diff` subcommands.

The program runs in a child interpreter (same executable, same options) that imports only importtrace's
recording modules; this process parses arguments, waits, and renders, so nothing it imports can
turn one of the program's loads into a cache hit.
"""

from __future__ import annotations

import os
import sys

from .. import __version__
from ..trace._trace import Trace, TraceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import IO, Any, Callable, NoReturn

PROG = "importtrace"
USAGE = """\
importtrace [options] (script.py | -m module | -c code) [args ...]
       importtrace show TRACE.jsonl [options]
       importtrace why TRACE.jsonl MODULE
       importtrace check [rules] (script.py | -m module | -c code) [args ...]
       importtrace --runs N -o DIR (script.py | -m module | -c code) [args ...]
       importtrace diff BEFORE AFTER [options]"""
DESCRIPTION = """\
Run a Python program exactly as `python` would and show how its modules were fetched: what made
start-up slow, who imported what, failed and circular imports; every search, load, cache hit and
reload.  The report goes to stderr, so the program's own stdout stays clean."""
EXIT_CODES = """\
exit codes:
  the program's own  its exit status (or the signal that ended it) when it ran
  2                  usage error or bad input, found before the program starts (unknown option or
                     format, missing script, directory without __main__.py, unknown top-level
                     -m package, unwritable -o or --stream path, unreadable or malformed trace file)
  1                  why: the module is not in the trace; check: a rule or the program failed;
                     diff: the runs loaded different modules (or, with rules, a rule failed)"""

SUBCOMMANDS = ("show", "why", "check", "diff")
#: formats written for tools, not people: --why never goes into their -o file
TOOL_FORMATS = ("jsonl", "chrome", "html", "mermaid", "importtime")
AUTO_LIMIT = 200  # renderers.summary.AUTO_LIMIT, without importing the renderers to show --help


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


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


def _parser(command: str | None) -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG if command is None else "%s %s" % (PROG, command),
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=_argparse().RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument(
        "--version",
        action="version",
        version="%s %s (%s)" % (PROG, __version__, hooks_in_use()),
        help="show the version, and whether the compiled import hooks are in use",
    )
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
        default="auto",
        metavar="FORMAT",
        help="auto (default: timeline, or summary past %d events), summary, timeline, story, tree, table, "
        "jsonl, chrome, importtime, mermaid, html" % AUTO_LIMIT,
    )
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the report (auto: on a terminal; NO_COLOR and FORCE_COLOR are honoured)",
    )
    out.add_argument("--style", metavar="STYLE", help="table style for --format table (github, grid, ...)")
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
        "--pid",
        type=int,
        metavar="PID",
        help="only the events of process PID",
    )
    filters.add_argument(
        "--hide-noise",
        action="store_true",
        help="leave out importtrace's own events, find_spec probes and the import machinery's own hits",
    )
    out.add_argument(
        "--why",
        metavar="MODULE",
        action="append",
        default=[],
        help="then show who imported MODULE (into the -o file too, for the text formats)",
    )
    if command is None:
        run = p.add_argument_group("running")
        run.add_argument(
            "--stream",
            metavar="FILE",
            help="also write events to FILE as they happen (JSON Lines)",
        )
        run.add_argument("--no-follow", action="store_true", help="trace only the program's process, not its children")
        run.add_argument(
            "--runs",
            metavar="N",
            type=int,
            help="record N runs into the directory -o DIR (DIR/run-001.jsonl, ...) for `importtrace diff`; "
            "exit status: the first failing run's",
        )
    return p


def _argparse() -> Any:
    """argparse, imported only when needed: it costs the command line's start-up several ms."""
    import argparse

    return argparse


_PARSER_CLASS: list[type[argparse.ArgumentParser]] = []


def _argument_parser() -> type[argparse.ArgumentParser]:
    if not _PARSER_CLASS:
        import argparse

        class Parser(argparse.ArgumentParser):
            def error(self, message: str) -> NoReturn:
                raise UsageError(message)

        _PARSER_CLASS.append(Parser)
    return _PARSER_CLASS[0]


def _Parser(**settings: Any) -> argparse.ArgumentParser:
    """An ArgumentParser whose errors are UsageError (one line, exit status 2)."""
    return _argument_parser()(**settings)


class Options:
    """The run command's options, as argparse would give them (argparse.Namespace's attributes)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


#: The run command's options that the quick parser knows: flag -> (attribute, kind).  Anything else
#: (help, --version, a bad value) goes through argparse, which says what is wrong; a test checks
#: that both agree, option by option.
_QUICK: dict[str, tuple[str, str]] = {
    "-o": ("output", "value"),
    "--output": ("output", "value"),
    "-f": ("format", "value"),
    "--format": ("format", "value"),
    "--color": ("color", "color"),
    "--style": ("style", "value"),
    "--explain": ("explain", "flag"),
    "--include": ("include", "append"),
    "--exclude": ("exclude", "append"),
    "--kind": ("kind", "append"),
    "--min-duration": ("min_duration", "float"),
    "--depth": ("depth", "int"),
    "--hide-stdlib": ("hide_stdlib", "flag"),
    "--hide-noise": ("hide_noise", "flag"),
    "--stream": ("stream", "value"),
    "--why": ("why", "append"),
    "--runs": ("runs", "int"),
    "--pid": ("pid", "int"),
    "--no-follow": ("no_follow", "flag"),
}
_DEFAULTS: dict[str, Any] = {
    "output": None,
    "format": "auto",
    "color": "auto",
    "style": None,
    "explain": False,
    "include": [],
    "exclude": [],
    "kind": [],
    "min_duration": None,
    "depth": None,
    "hide_stdlib": False,
    "hide_noise": False,
    "stream": None,
    "why": [],
    "runs": None,
    "pid": None,
    "no_follow": False,
}
_CONVERT: dict[str, Callable[[str], Any]] = {"value": str, "append": str, "float": float, "int": int, "color": str}


def _quick_parse(options: list[str]) -> Options | None:
    """The run command's options without argparse (several ms of start-up before the program can
    start), for what is valid; None for anything else, which argparse then parses and reports."""
    values = {k: list(v) if isinstance(v, list) else v for k, v in _DEFAULTS.items()}
    i = 0
    while i < len(options):
        arg = options[i]
        flag, eq, value = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
        known = _QUICK.get(flag)
        if known is None or (not arg.startswith("--") and value and (known[1] == "flag" or value[0] == "=")):
            return None  # -o=FILE: argparse takes FILE, not "=FILE"
        name, kind = known
        if kind == "flag":
            if eq:
                return None
            values[name] = True
            i += 1
            continue
        if not eq and not value:
            if i + 1 >= len(options) or options[i + 1].startswith("-"):
                return None
            value = options[i + 1]
            i += 1
        i += 1
        try:
            converted = _CONVERT[kind](value)
        except ValueError:
            return None
        if kind == "color" and converted not in ("auto", "always", "never"):
            return None
        if kind == "append":
            values[name].append(converted)
        else:
            values[name] = converted
    return Options(**values)


def _render_options(ns: argparse.Namespace, stream: IO[str] | None) -> dict[str, Any]:
    from ..renderers import FORMATS

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
    if ns.pid is not None:
        options["pid"] = ns.pid
    if ns.style:
        options["style"] = ns.style
    if ns.explain:
        options["explain"] = True
    if ns.format not in TOOL_FORMATS:
        options["color"] = _want_color(stream, ns.color)
        if stream is not None and _isatty(stream):
            import shutil

            options["width"] = shutil.get_terminal_size().columns
    return options


def _want_color(stream: IO[str] | None, mode: str) -> bool:
    from ..renderers import want_color

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


def split_target(
    args: list[str], parser: argparse.ArgumentParser | None = None
) -> tuple[list[str], str, str, list[str]]:
    """Split argv like python does: our options, then script | -m module | -c code, then its args."""
    may_take: set[str] = set()
    if parser is None:
        takes_value = {flag for flag, (_, kind) in _QUICK.items() if kind != "flag"}
    else:
        takes_value = {o for action in parser._actions if action.nargs not in (0, "?") for o in action.option_strings}
        # an option whose value may be left out (check --no-cycles [PATTERN]) takes the next word unless
        # it names an existing file: that is the program
        may_take = {opt for action in parser._actions if action.nargs == "?" for opt in action.option_strings}
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
        elif arg in may_take and i + 1 < len(args):
            word = args[i + 1]
            if not word.startswith("-") and not os.path.exists(word):
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
        if not os.path.isdir(target) and _may_be_zip(target):
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


def _may_be_zip(path: str) -> bool:
    """Whether path's last 64 KiB hold a zip end-of-directory signature (zipfile, which costs the
    command line's start-up 10 ms, is imported only then)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 65536 - 22))
            return b"PK\x05\x06" in f.read()
    except OSError:
        return False


def _run(args: list[str]) -> int:
    options, mode, target, program_args = split_target(args)
    ns: Any = _quick_parse(options) if mode else None
    if ns is None:
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
    prepare = (lambda: _prepare(ns.format)) if report else None
    follow = not getattr(ns, "no_follow", False)
    explain = bool(ns.explain) or ns.format == "story"  # the story tells what explain records
    trace, status = trace_program(mode, target, program_args, stream_path, explain, prepare, follow)
    if trace is not None and trace.header.get("complete") is False:
        print(
            "%s: the program ended abruptly (status %d); the trace was recovered from the stream file "
            "and lacks at most the event in flight" % (PROG, status),
            file=sys.stderr,
        )
    if trace is not None and report:
        _report(trace, ns, render_options, output)
        _report_why(trace, ns, output)
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
    session: str = "",
) -> list[str]:
    """The command that runs the program traced in a child interpreter (same executable, and the
    interpreter options this one was given), handing the trace over as a marshal file at ``out``; its
    child processes are followed into the directory ``session`` (empty: not followed).
    The benchmarks time exactly this command."""
    import importtrace

    from ._follow import boot_command
    from ._interpreter import interpreter_command

    pkgdir = os.path.dirname(os.path.dirname(os.path.abspath(importtrace.__file__)))
    abspath = _absolute(target) if mode == "script" else ""
    if mode == "script":
        path0 = os.path.dirname(os.path.realpath(abspath))  # python resolves the script's symlinks
    else:
        path0 = os.getcwd() if mode == "module" else ""
    argv0, interpreter, letters = interpreter_command()
    options = ",".join(name for name, on in (("explain", explain), ("x", "x" in letters)) if on)
    return boot_command(
        sys.executable,
        interpreter,
        mode,
        target,
        abspath,
        path0,
        args,
        pkgdir,
        out,
        session,
        stream_path,
        options,
        argv0,
    )


def _absolute(path: str) -> str:
    """path made absolute as python makes a script's (__file__, tracebacks): joined to the working
    directory, not normalised ('./app.py' stays '/cwd/./app.py')."""
    if not path or path == ".":
        return os.getcwd()
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def trace_program(
    mode: str,
    target: str,
    args: list[str],
    stream_path: str = "",
    explain: bool = False,
    meanwhile: Callable[[], object] | None = None,
    follow: bool = True,
) -> tuple[Trace | None, int]:
    """Run the program in a child interpreter; return its trace (None if it died without one) and
    its exit status (negative: the signal that ended it).  meanwhile runs here while the program runs.
    With follow, the trace also has the events of every Python process the program started (see
    importtrace.run._follow), which write their records into the run's directory."""
    session = _session_dir()
    out = os.path.join(session, "program.trace")
    try:
        command = child_command(mode, target, args, out, stream_path, explain, session if follow else "")
        status = _spawn(command, meanwhile)
        trace = read_child_trace(out)
        if trace is None and stream_path and os.path.exists(stream_path):
            from ..trace._file import read

            try:
                trace = read(stream_path)
            except TraceError:
                trace = None
        if trace is not None and follow:
            from ..trace._processes import collect, merge

            trace = merge(trace, collect(session))
    finally:
        _remove(session)
    if trace is not None:
        trace.header.setdefault("program", {"mode": mode, "target": target, "args": list(args)})
        trace.header["program"]["status"] = status
        processes = trace.header.get("processes")
        if processes and isinstance(processes[0], dict) and processes[0].get("how") == "main":
            processes[0]["exit"] = status
    return trace, status


def _session_dir() -> str:
    """A new private directory for the run: the program's trace and each child process's record
    (tempfile, which costs start-up 3 ms, only as a fallback)."""
    directory = os.environ.get("TMPDIR") or os.environ.get("TEMP") or os.environ.get("TMP") or "/tmp"
    # absolute, as tempfile's: the program may change directory before the child writes the trace
    path = os.path.join(os.path.abspath(directory), "importtrace-%d-%s" % (os.getpid(), os.urandom(6).hex()))
    try:
        os.mkdir(path, 0o700)
        return path
    except OSError:
        import tempfile

        return tempfile.mkdtemp(prefix="importtrace-")


def _remove(directory: str) -> None:
    """Remove the run's directory and the files in it (a child still running may write no more)."""
    try:
        for name in os.listdir(directory):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass
        os.rmdir(directory)
    except OSError:
        pass


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


def _spawn(cmd: list[str], meanwhile: Callable[[], object] | None = None) -> int:
    """Run the child, passing on the signals sent to this process (see importtrace.run._spawn)."""
    from ._spawn import run

    return run(cmd, meanwhile)


def _prepare(format: str) -> None:
    """Import what rendering format will need, while the program runs on the other core."""
    import importlib

    from ..filters import _filters  # noqa: F401
    from ..trace import _file, _processes  # noqa: F401
    from ..renderers import FORMATS

    for name in ("summary", "timeline") if format == "auto" else (format,):  # auto: the trace's size decides
        importlib.import_module(FORMATS[name])


def _report(
    trace: Trace, ns: argparse.Namespace, options: dict[str, Any], output: str | None, default: IO[str] | None = None
) -> None:
    from ..renderers import RenderError, render

    try:
        text = render(trace, ns.format, **options)
    except RenderError as exc:
        raise UsageError(str(exc)) from None
    write_report(text, output, default)


def _report_why(trace: Trace, ns: argparse.Namespace, output: str | None, default: IO[str] | None = None) -> None:
    """The --why answers after the report: in its -o file for the formats people read, else on the
    terminal (default, or stderr), so that a file for tools stays valid."""
    if not ns.why:
        return
    text = "".join(why_text(trace, module) for module in ns.why)
    if output and ns.format not in TOOL_FORMATS:
        write_report(text, output, append=True)
    else:
        write_report(text, None, default)


def write_report(text: str, output: str | None, default: IO[str] | None = None, append: bool = False) -> None:
    """Write a report to the file output, else to default (stderr if None), escaping what it cannot encode."""
    if output:
        with open(output, "a" if append else "w", encoding="utf-8", errors="backslashreplace") as f:
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
    from ..trace._file import read

    return read(path)


SHOW_DESCRIPTION = """\
Show a saved trace (written by --format jsonl or Trace.save) in any format, with the same filters as
a run.  The report goes to stdout.  For example:
  importtrace show trace.jsonl --format tree --hide-stdlib
  importtrace show trace.jsonl --why yaml"""
SHOW_EXIT_CODES = """\
exit codes:
  0  the report was written
  2  usage error, or a trace file that cannot be read (missing, truncated or malformed)"""
WHY_DESCRIPTION = """\
Show the chain of import statements, with file and line, that first brought MODULE in, and every other
place that asked for it, from a saved trace.  The same as `importtrace --why MODULE program`."""
WHY_EXIT_CODES = """\
exit codes:
  0  MODULE was requested in the trace
  1  MODULE is not in the trace
  2  usage error, or a trace file that cannot be read"""


def _show(args: list[str]) -> int:
    parser = _parser("show")
    parser.usage = "%s show TRACE.jsonl [options]" % PROG
    parser.description = SHOW_DESCRIPTION
    parser.epilog = SHOW_EXIT_CODES
    parser.add_argument("trace", metavar="TRACE.jsonl")
    ns = parser.parse_args(args)
    output = _writable(ns.output, "the report to") if ns.output else None
    options = _render_options(ns, None if output else sys.stdout)
    trace = _load_trace(ns.trace)
    _report(trace, ns, options, output, default=sys.stdout)
    _report_why(trace, ns, output, default=sys.stdout)
    return 0


def _why(args: list[str]) -> int:
    parser = _Parser(
        prog="%s why" % PROG,
        usage="%s why TRACE.jsonl MODULE" % PROG,
        description=WHY_DESCRIPTION,
        epilog=WHY_EXIT_CODES,
        formatter_class=_argparse().RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("trace", metavar="TRACE.jsonl")
    parser.add_argument("module", metavar="MODULE")
    ns = parser.parse_args(args)
    trace = _load_trace(ns.trace)
    text = why_text(trace, ns.module)
    sys.stdout.write(text)
    return 0 if trace.requests(ns.module) else 1


def hooks_in_use() -> str:
    """Which import hooks a traced program gets: the compiled ones, or the pure-Python ones and why."""
    from ..record import compiled

    if compiled:
        return "compiled hooks"
    if os.environ.get("IMPORTTRACE_PURE"):
        return "pure-Python hooks: IMPORTTRACE_PURE is set"
    return "pure-Python hooks: the compiled extension was not built"


def why_text(trace: Trace, module: str) -> str:
    from ..renderers._why import why_text as _why_text

    return _why_text(trace, module)


def _check(args: list[str]) -> int:
    from ._checkcli import check_main

    return int(check_main(args))


def _diff(args: list[str]) -> int:
    from ._diffcli import diff_main

    return int(diff_main(args))
