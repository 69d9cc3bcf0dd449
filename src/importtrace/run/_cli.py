"""The command line: `python -m importtrace [options] (script | -m module | -c code) [args]`, and the
`show`, `why`, `check` and `diff` subcommands.

The program runs in a child interpreter (same executable, same options) that imports only importtrace's
recording modules; this process parses arguments, waits, and renders, so nothing it imports can
turn one of the program's loads into a cache hit.
"""

from __future__ import annotations

import os
import sys

from ..trace._event import TraceError
from . import _options, _output
from ._options import PROG, UsageError, split_target
from ._program import exit_like, run_program

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from ..trace._trace import Trace

SUBCOMMANDS = ("show", "why", "check", "diff")


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


def _run(args: list[str]) -> int:
    options, mode, target, program_args = split_target(args)
    ns: Any = _options.quick_parse(options) if mode else None
    if ns is None:
        parser = _options.parser(None)
        options, mode, target, program_args = split_target(args, parser)
        ns = parser.parse_args(options)
    if not mode:
        raise UsageError("no program given: pass a script, -m module or -c code")
    if ns.runs is not None:
        from ._diffcli import record_runs

        return exit_like(record_runs(ns, mode, target, program_args))
    status, _ = run_program(ns, mode, target, program_args)
    return exit_like(status)


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
    parser = _options.parser("show")
    parser.usage = "%s show TRACE.jsonl [options]" % PROG
    parser.description = SHOW_DESCRIPTION
    parser.epilog = SHOW_EXIT_CODES
    parser.add_argument("trace", metavar="TRACE.jsonl")
    ns = parser.parse_args(args)
    output = _output.writable(ns.output, "the report to") if ns.output else None
    options = _output.render_options(ns, None if output else sys.stdout)
    trace = _load_trace(ns.trace)
    _output.report(trace, ns, options, output, default=sys.stdout)
    _output.report_why(trace, ns, output, default=sys.stdout)
    return 0


def _why(args: list[str]) -> int:
    import argparse

    parser = _options.argument_parser(
        prog="%s why" % PROG,
        usage="%s why TRACE.jsonl MODULE" % PROG,
        description=WHY_DESCRIPTION,
        epilog=WHY_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("trace", metavar="TRACE.jsonl")
    parser.add_argument("module", metavar="MODULE")
    ns = parser.parse_args(args)
    trace = _load_trace(ns.trace)
    text = _output.why_text(trace, ns.module)
    sys.stdout.write(text)
    return 0 if trace.requests(ns.module) else 1


def _check(args: list[str]) -> int:
    from ._checkcli import check_main

    return int(check_main(args))


def _diff(args: list[str]) -> int:
    from ._diffcli import diff_main

    return int(diff_main(args))
