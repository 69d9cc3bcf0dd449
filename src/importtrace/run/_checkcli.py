"""`importtrace check`: run a program (or just import a module) traced and enforce import rules for CI.

Exit status: 0 when every rule holds and the program succeeded, 1 when a rule fails (each failure is
printed with the import chain that broke it) or the program itself failed, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys

from ..rules._check import ConfigError, evaluate, format_failures, format_passed
from ..rules._config import add_arguments, rules_from_args
from ._options import PROG, UsageError, argument_parser, split_target
from ._program import check_target, trace_program

USAGE = "importtrace check [rules] (script.py | -m module | -c code) [args ...]"
DESCRIPTION = """\
Run the program traced and check its imports against rules (from the options and from
[tool.importtrace] in the nearest pyproject.toml).  To check what importing one module costs:
  importtrace check --forbid 'pandas*' --max-modules 40 -c 'import app.cli'
Module counts and forbidden modules are stable from run to run; time budgets are noisy."""
EPILOG = """\
exit codes:
  0  every rule holds and the program succeeded
  1  a rule failed (each failure shows the import chain that broke it), or the program failed
  2  usage error or bad rules, found before the program starts"""


def check_main(args: list[str]) -> int:
    parser = argument_parser(
        prog="%s check" % PROG,
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    add_arguments(parser)
    parser.add_argument(
        "--no-follow", action="store_true", help="check only the program's own process, not those it starts"
    )
    options, mode, target, program_args = split_target(args, parser)
    ns = parser.parse_args(options)
    if not mode:
        raise UsageError("no program given: pass a script, -m module or -c code")
    try:
        rules = rules_from_args(ns)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if not rules:
        raise UsageError(
            "no rules given: use --forbid, --max-modules, --max-time, --no-cycles "
            "or [tool.importtrace] in pyproject.toml"
        )
    check_target(mode, target)
    trace, status = trace_program(mode, target, program_args, follow=not ns.no_follow)
    if trace is None:
        print(
            "%s check: the program ended without handing over its trace (status %d)" % (PROG, status), file=sys.stderr
        )
        return 1
    failures = evaluate(trace, rules)
    if failures:
        print(format_failures(failures), file=sys.stderr)
        return 1
    if status != 0:
        print("%s check: the rules hold, but the program failed (status %d)" % (PROG, status), file=sys.stderr)
        return 1
    print(format_passed(trace, rules), file=sys.stderr)
    return 0
