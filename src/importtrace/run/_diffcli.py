"""`importtrace diff BEFORE AFTER`: compare two runs (or two directories of repeated runs), and
`importtrace --runs N -o DIR program`: record those repeated runs.

Exit status of diff, like diff's: 0 when both sides loaded the same modules, 1 when they did not, 2 for
bad input (one line on stderr).  With rules (--max-new-modules, --max-slowdown, --forbid) the rules
decide instead: 0 when all hold, 1 when one fails.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from ..rules._config import count_arg
from ._options import PROG, UsageError, argument_parser
from ._output import render_options, report, want_color, writable, write_report
from ._program import check_target, trace_program

USAGE = """\
importtrace diff BEFORE AFTER [--format text|markdown|json] [-o FILE]
                        [--max-new-modules N] [--max-slowdown PERCENT] [--forbid PATTERN ...]"""
DESCRIPTION = """\
Compare two runs of a program: the modules loaded only after (or only before), grouped by the import
that brought them in, with its chain of import statements; new and resolved circular and failed
imports; modules first imported by another module; import time, in total and by subtree.

BEFORE and AFTER are trace files (--format jsonl -o FILE) or directories of trace files of repeated
runs (--runs N -o DIR), whose times are then medians.  With 5 runs a side or more, a time change
counts only when a rank test (Mann-Whitney U) says noise alone would order the runs so unevenly at
most once in 100; subtrees are compared only when the total changed beyond the noise.
  importtrace --runs 10 -o before/ app.py --help
  (change the code)
  importtrace --runs 10 -o after/ app.py --help
  importtrace diff before/ after/"""
EPILOG = """\
exit codes (like diff's):
  0  both sides loaded the same modules; with rules: every rule holds
  1  they loaded different modules; with rules: a rule failed
  2  bad input: a missing path, a directory without trace files, a malformed trace file, runs of
     different programs or Pythons on one side, a bad option, --max-slowdown with fewer than 5 runs a side"""
RUN_FILE = re.compile(r"run-\d+\.jsonl")


def diff_main(args: list[str]) -> int:
    from ..renderers.diff import FORMATS, render_diff
    from ..rules._diff import compare, runs_of
    from ..rules._diffresult import DiffRules, check

    parser = argument_parser(
        prog="%s diff" % PROG,
        usage=USAGE,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("before", metavar="BEFORE", help="trace file, or directory of trace files (repeated runs)")
    parser.add_argument("after", metavar="AFTER", help="the same, after the change")
    out = parser.add_argument_group("output")
    out.add_argument("-f", "--format", default="text", metavar="FORMAT", help="text (default), markdown, json")
    out.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (default: stdout)")
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (auto: on a terminal; NO_COLOR and FORCE_COLOR are honoured)",
    )
    rules_group = parser.add_argument_group("rules for CI (with any of them, the exit status says whether they hold)")
    rules_group.add_argument(
        "--max-new-modules", metavar="N", type=count_arg, help="fail if more than N modules are loaded only after"
    )
    rules_group.add_argument(
        "--max-slowdown",
        metavar="PERCENT",
        type=_percent,
        help="fail if the median import time grew by more than PERCENT %% and beyond the noise "
        "(needs at least 5 runs a side)",
    )
    rules_group.add_argument(
        "--forbid",
        metavar="PATTERN",
        action="append",
        default=[],
        help="fail if a module matching PATTERN is imported after (a name also matches its submodules; "
        "globs like 'pandas*' work); repeatable",
    )
    ns = parser.parse_args(args)
    if ns.format not in FORMATS:
        raise UsageError("unknown diff format %r (choose from %s)" % (ns.format, ", ".join(FORMATS)))
    output = writable(ns.output, "the report to") if ns.output else None
    try:
        rules = DiffRules(ns.max_new_modules, ns.max_slowdown, ns.forbid)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    before_label, before = runs_of(ns.before)
    after_label, after = runs_of(ns.after)
    diff = compare(before, after, labels=(before_label, after_label))
    try:
        failures = check(diff, rules)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    color = ns.format == "text" and want_color(None if output else sys.stdout, ns.color)
    text = render_diff(diff, ns.format, color=color, rules=rules or None, failures=failures)
    write_report(text, output, sys.stdout)
    if rules:
        return 1 if failures else 0
    return 0 if diff.same_modules else 1


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a percentage, 0 or more, not {text!r}")
    return value


# --- recording repeated runs ----------------------------------------------------------------------------


def record_runs(ns: argparse.Namespace, mode: str, target: str, program_args: list[str]) -> int:
    """Run the program ns.runs times, each traced, writing DIR/run-001.jsonl, ... (earlier run files
    in DIR are removed first, so that a directory never mixes two recordings).  Returns the status of
    the first run that failed (0 if none did); a run ended by a signal (Ctrl-C) stops the rest."""
    count = ns.runs
    if count < 1:
        raise UsageError("--runs must be 1 or more, not %d" % count)
    if not ns.output:
        raise UsageError("--runs N needs -o DIR, the directory to record the runs into")
    for option, given in (("--stream", ns.stream), ("--why", ns.why)):
        if given:
            raise UsageError("%s does not apply with --runs, which records trace files only" % option)
    if ns.format not in ("auto", "jsonl"):  # auto: the default, not asked for
        raise UsageError("--runs records trace files (jsonl); --format %s does not apply" % ns.format)
    folder = os.path.abspath(ns.output)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError("--runs needs -o DIR to be a directory; %r is a file" % ns.output)
    check_target(mode, target)
    try:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if RUN_FILE.fullmatch(name):
                os.unlink(os.path.join(folder, name))
    except OSError as exc:
        raise UsageError("cannot record into %r: %s" % (ns.output, exc.strerror or exc)) from None
    digits = max(3, len(str(count)))
    paths = [os.path.join(folder, "run-%0*d.jsonl" % (digits, i)) for i in range(1, count + 1)]
    writable(paths[0], "a trace to")
    ns.format = "jsonl"
    options = render_options(ns, None)  # the filters, if any, apply to the files as with --format jsonl
    statuses: list[int] = []
    for i, path in enumerate(paths, 1):
        trace, status = trace_program(
            mode, target, program_args, explain=bool(ns.explain), follow=not getattr(ns, "no_follow", False)
        )
        statuses.append(status)
        if trace is None:
            print(
                "%s: run %d of %d ended without handing over its trace (status %d); stopped" % (PROG, i, count, status),
                file=sys.stderr,
            )
            return status or 1
        report(trace, ns, options, path)
        if status < 0:
            print("%s: run %d of %d ended by signal %d; stopped" % (PROG, i, count, -status), file=sys.stderr)
            return status
    failed = [s for s in statuses if s != 0]
    shown = os.path.join(ns.output, "")
    names = os.path.basename(paths[0]) + ("" if count == 1 else " to " + os.path.basename(paths[-1]))
    summary = "%s: recorded %d run%s into %s (%s)" % (PROG, count, "" if count == 1 else "s", shown, names)
    if failed:
        summary += "; %d run%s exited with status %s" % (
            len(failed),
            "" if len(failed) == 1 else "s",
            ", ".join(str(s) for s in sorted(set(failed))),
        )
    print(summary, file=sys.stderr)
    return failed[0] if failed else 0
