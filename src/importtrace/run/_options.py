"""The command line's options: the parser of every subcommand's report options, the quick parser that
spares the run command argparse, and where our options end and the program's command begins.

Shared by the run command and the show, why, check and diff subcommands (and the IPython magics), so
that none of them imports another.  argparse is imported only when a parser is built.
"""

from __future__ import annotations

import os

from ..trace import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, Callable, NoReturn

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

#: formats written for tools, not people: --why never goes into their -o file
TOOL_FORMATS = ("jsonl", "chrome", "html", "mermaid", "importtime")
AUTO_LIMIT = 200  # renderers.summary.AUTO_LIMIT, without importing the renderers to show --help


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


def parser(command: str | None) -> argparse.ArgumentParser:
    """The parser of the run command (command None) or of a subcommand that takes the report options
    (the IPython magics take them too): its errors are UsageError."""
    p = argument_parser(
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


def argument_parser(**settings: Any) -> argparse.ArgumentParser:
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


def quick_parse(options: list[str]) -> Options | None:
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


def hooks_in_use() -> str:
    """Which import hooks a traced program gets: the compiled ones, or the pure-Python ones and why."""
    from ..record import compiled

    if compiled:
        return "compiled hooks"
    if os.environ.get("IMPORTTRACE_PURE"):
        return "pure-Python hooks: IMPORTTRACE_PURE is set"
    return "pure-Python hooks: the compiled extension was not built"
