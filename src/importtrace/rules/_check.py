"""The rules behind ``importtrace check``: forbidden modules, a module budget, a time budget, no cycles.

PYTEST_DONT_REWRITE

The command line needs five steps: options -> ``Rules`` (``add_arguments`` and ``rules_from_args``,
which also read ``[tool.importtrace]`` from pyproject.toml), run the program traced, ``evaluate(trace,
rules)`` -> failures, ``format_failures(failures)``, exit 1 if there were any.  This module imports
only what the interpreter has at start-up; TOML and argparse are imported by the functions that
need them, so building Rules before a traced run in the same process loads nothing.

``[tool.importtrace]`` keys (kebab-case; snake_case is accepted too)::

    [tool.importtrace]
    forbid = ["pandas*", "matplotlib"]  # module names or globs that must not be imported
    max-modules = 150                   # at most this many modules loaded
    max-time = 300                      # milliseconds spent importing (noisy: keep a wide margin)
    no-cycles = true                    # no circular import in the program's own code
    # no-cycles = ["mycli*"]            # ... or none that a module matching a pattern takes part in

Module counts and forbidden modules are stable from run to run: the same code loads the same
modules.  Time depends on the machine, its load and its disk cache, so a time budget needs a wide
margin and is best kept out of required CI checks.
"""

import os

from ..trace._trace import Trace
from ..trace._units import ms, number
from ._assertions import (
    IMPORTED,
    Finding,
    chain_links,
    cycle_finding,
    cycles,
    import_time,
    is_program,
    loaded_modules,
    max_modules_finding,
    own,
    refusal_finding,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable
    from typing import Any, Optional, Union

__all__ = [
    "CONFIG_KEYS",
    "ConfigError",
    "Failure",
    "Rules",
    "add_arguments",
    "evaluate",
    "find_pyproject",
    "format_failures",
    "format_passed",
    "import_time",
    "read_config",
    "rules_from_args",
    "rules_from_table",
]

#: the keys of [tool.importtrace] that hold rules (canonical spelling -> Rules attribute)
CONFIG_KEYS = {"forbid": "forbid", "max-modules": "max_modules", "max-time": "max_time", "no-cycles": "no_cycles"}
#: other keys of [tool.importtrace] that belong to other features and are not an error here
OTHER_KEYS: "set[str]" = set()
_SLOWEST = 5


class ConfigError(ValueError):
    """Rules that cannot be used: a bad value, an unknown key, an unreadable pyproject.toml."""


class Rules:
    """What ``importtrace check`` enforces.  Empty (false) when no rule is set."""

    __slots__ = ("cycles_in", "forbid", "max_modules", "max_time", "no_cycles")

    def __init__(
        self,
        forbid: "Iterable[str]" = (),
        max_modules: "Optional[int]" = None,
        max_time: "Optional[float]" = None,
        no_cycles: "Union[bool, str, Iterable[str]]" = False,
        cycles_in: "Iterable[str]" = (),
    ) -> None:
        if isinstance(forbid, str):
            forbid = [forbid]
        self.forbid: "list[str]" = list(dict.fromkeys(forbid))
        for pattern in self.forbid:
            if not isinstance(pattern, str) or not pattern.strip():
                raise ConfigError(f"forbid: module names or patterns are non-empty strings, not {pattern!r}")
        if max_modules is not None and (not _is_int(max_modules) or max_modules < 0):
            raise ConfigError(f"max-modules must be a whole number of modules, 0 or more, not {max_modules!r}")
        if max_time is not None and (not _is_number(max_time) or max_time < 0):
            raise ConfigError(f"max-time must be a number of milliseconds, 0 or more, not {max_time!r}")
        patterns: "list[object]" = list(cycles_in)
        own_code = no_cycles
        if isinstance(no_cycles, str):
            own_code, patterns = False, [*patterns, no_cycles]
        elif not isinstance(no_cycles, bool):
            if not isinstance(no_cycles, (list, tuple)):
                raise ConfigError(f"no-cycles must be true, false or a list of module patterns, not {no_cycles!r}")
            own_code, patterns = False, [*patterns, *no_cycles]
        for scope in patterns:
            if not isinstance(scope, str) or not scope.strip():
                raise ConfigError(f"no-cycles: module patterns are non-empty strings, not {scope!r}")
        self.max_modules = max_modules
        self.max_time = None if max_time is None else float(max_time)
        #: no circular import in the program's own code
        self.no_cycles: bool = own_code is True
        #: no circular import that a module matching one of these patterns takes part in
        self.cycles_in: "list[str]" = [str(p) for p in dict.fromkeys(patterns)]

    def merge(self, override: "Rules") -> "Rules":
        """These rules (from the config file) with ``override`` (the command line) on top: its budgets
        replace ours, its forbidden patterns are added, and either one can ask for no cycles."""
        return Rules(
            [*self.forbid, *override.forbid],
            override.max_modules if override.max_modules is not None else self.max_modules,
            override.max_time if override.max_time is not None else self.max_time,
            self.no_cycles or override.no_cycles,
            [*self.cycles_in, *override.cycles_in],
        )

    def describe(self) -> "list[str]":
        """One line per rule, as the failures name them: ``forbid pandas*``, ``max-modules 40``, ..."""
        out = [f"forbid {p}" for p in self.forbid]
        if self.max_modules is not None:
            out.append(f"max-modules {self.max_modules}")
        if self.max_time is not None:
            out.append(f"max-time {number(self.max_time)} ms")
        if self.no_cycles:
            out.append("no-cycles")
        out.extend(f"no-cycles {p}" for p in self.cycles_in)
        return out

    def __bool__(self) -> bool:
        return bool(self.describe())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rules) and all(getattr(self, a) == getattr(other, a) for a in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Rules(%s)" % ", ".join(f"{a}={getattr(self, a)!r}" for a in self.__slots__)


class Failure:
    """One broken rule: ``rule`` as written (``forbid pandas*``), what happened, and for each culprit
    the import chain (``file:line imported module`` links, outermost first) that broke it."""

    __slots__ = ("chains", "message", "notes", "rule", "titled")

    def __init__(
        self,
        rule: str,
        message: str,
        chains: "Optional[list[list[str]]]" = None,
        notes: "Iterable[str]" = (),
        titled: bool = False,
    ) -> None:
        self.rule = rule
        self.message = message
        #: each chain: links ``file:line imported module``, outermost first; for a ``titled`` failure
        #: the first item says what the chain is about (``pandas and its imports, 140 modules``)
        self.chains: "list[list[str]]" = list(chains or [])
        self.notes: "list[str]" = list(notes)
        self.titled = titled

    def format(self) -> str:
        """``FAILED rule: message``, then the chains one link a line, indented, then the notes."""
        lines = [f"FAILED {self.rule}: {self.message}"]
        for chain in self.chains:
            if self.titled:
                lines.append("    " + chain[0])
                lines.extend("        " + link for link in chain[1:])
            else:
                lines.extend("    " + link for link in chain)
        lines.extend("    " + note for note in self.notes)
        return "\n".join(lines)

    __str__ = format

    def __repr__(self) -> str:
        return f"<Failure {self.rule}: {self.message}>"


def evaluate(trace: Trace, rules: Rules) -> "list[Failure]":
    """Every rule that the trace breaks, in the order ``Rules.describe`` lists them (empty: all hold)."""
    failures = []
    for pattern in rules.forbid:
        finding = refusal_finding(trace, pattern, IMPORTED, "imported")
        if finding is not None:
            failures.append(_failure(f"forbid {pattern}", finding))
    if rules.max_modules is not None:
        finding = max_modules_finding(trace, rules.max_modules)
        if finding is not None:
            failures.append(_failure(f"max-modules {rules.max_modules}", finding))
    if rules.max_time is not None:
        spent = import_time(trace)
        if spent / 1e6 > rules.max_time:
            failures.append(_time_failure(trace, rules.max_time, spent))
    if rules.no_cycles or rules.cycles_in:
        failure = _cycles_failure(trace, rules)
        if failure is not None:
            failures.append(failure)
    return failures


def _cycles_failure(trace: Trace, rules: Rules) -> "Optional[Failure]":
    """The no-cycles rules' failure: the cycles they count, and how many others they leave out."""
    counted = cycles(trace, rules.cycles_in, own_code=rules.no_cycles)
    if not counted:
        return None
    findings = [cycle_finding(trace, hit, target) for hit, target in counted]
    chains = [[f.headline.replace("circular import: ", ""), *f.chains[0]] for f in findings]
    rule = " ".join(["no-cycles", *rules.cycles_in]) if rules.cycles_in else "no-cycles"
    message = "%d circular import%s" % (len(counted), "" if len(counted) == 1 else "s")
    if not rules.cycles_in:
        message += " in the program's own code"
    others = len(cycles(trace, "*")) - len(counted)
    notes = []
    if others > 0:
        notes.append(f"({others} more elsewhere are not counted: --no-cycles PATTERN counts those of matching modules)")
    return Failure(rule, message, chains, notes, titled=True)


def format_failures(failures: "list[Failure]") -> str:
    """The report for a failed check: a headline, then each failure and its chains (empty if none)."""
    if not failures:
        return ""
    count = len(failures)
    head = "importtrace check: %d rule%s failed" % (count, "" if count == 1 else "s")
    return "\n".join([head, *(f.format() for f in failures)])


def format_passed(trace: Trace, rules: Rules) -> str:
    """The one line for a check that passed: the rules and what the trace measured."""
    n = len(loaded_modules(trace))
    return "importtrace check: passed (%s; %d module%s loaded, imports took %s ms)" % (
        ", ".join(rules.describe()) or "no rules",
        n,
        "" if n == 1 else "s",
        ms(import_time(trace), trim=True),
    )


# --- configuration --------------------------------------------------------------------------------


def find_pyproject(start: "Union[str, os.PathLike[str]]" = ".") -> "Optional[str]":
    """The nearest pyproject.toml in ``start`` or a directory above it, or None."""
    here = os.path.abspath(os.fspath(start))
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def read_config(path: "Union[str, os.PathLike[str]]") -> Rules:
    """The rules in ``[tool.importtrace]`` of a pyproject.toml (empty Rules if it has none)."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name} is not valid TOML: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("importtrace", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: [tool.importtrace] must be a table")
    return rules_from_table(table, f"[tool.importtrace] in {name}")


def rules_from_table(table: "dict[str, Any]", source: str = "[tool.importtrace]") -> Rules:
    """Rules from the keys of a ``[tool.importtrace]`` table; ConfigError names ``source``."""
    values: "dict[str, Any]" = {}
    for key, value in table.items():
        canonical = key.replace("_", "-")
        if canonical in OTHER_KEYS:
            continue
        attr = CONFIG_KEYS.get(canonical)
        if attr is None:
            known = ", ".join(sorted(CONFIG_KEYS))
            raise ConfigError(f"{source}: unknown key {key!r} (the check rules are: {known})")
        if attr in values:
            raise ConfigError(f"{source}: {key!r} is given twice (as {canonical} and {attr})")
        values[attr] = value
    forbid = values.pop("forbid", [])
    if isinstance(forbid, str):
        forbid = [forbid]
    if not isinstance(forbid, list):
        raise ConfigError(f"{source}: forbid must be a list of module names or patterns")
    try:
        return Rules(forbid, **values)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


# --- the command line -------------------------------------------------------------------------------


def add_arguments(parser: "argparse.ArgumentParser") -> None:
    """The rule options of ``importtrace check`` (the program to run is the command line's to add)."""
    group = parser.add_argument_group("rules (added to those in [tool.importtrace] of pyproject.toml)")
    group.add_argument(
        "--forbid",
        metavar="PATTERN",
        action="append",
        default=[],
        help="fail if a module matching PATTERN is imported (a name also matches its submodules; "
        "globs like 'pandas*' work); repeat for more",
    )
    group.add_argument("--max-modules", metavar="N", type=_count, help="fail if more than N modules are loaded")
    group.add_argument(
        "--max-time",
        metavar="MS",
        type=_millis,
        help="fail if importing takes more than MS milliseconds (noisy: prefer --max-modules)",
    )
    group.add_argument(
        "--no-cycles",
        metavar="PATTERN",
        nargs="?",
        action="append",
        const="",
        default=[],
        help="fail on a circular import in the program's own code (not the standard library, not an installed "
        "package); with PATTERN ('mycli*'), on one that a module matching PATTERN takes part in; repeatable",
    )
    group.add_argument(
        "--config",
        metavar="PATH",
        help="read [tool.importtrace] from this pyproject.toml (default: the nearest one from the current directory)",
    )
    group.add_argument("--no-config", action="store_true", default=False, help="ignore pyproject.toml")


def rules_from_args(args: "argparse.Namespace", start: "Union[str, os.PathLike[str]]" = ".") -> Rules:
    """The command line's rules on top of the config file's (``--config``, else the nearest
    pyproject.toml from ``start``, unless ``--no-config``)."""
    given = Rules(
        getattr(args, "forbid", None) or [],
        getattr(args, "max_modules", None),
        getattr(args, "max_time", None),
        *_cycle_options(getattr(args, "no_cycles", None)),
    )
    if getattr(args, "no_config", False):
        return given
    path = getattr(args, "config", None) or find_pyproject(start)
    if path is None:
        return given
    return read_config(path).merge(given)


def _cycle_options(values: "Union[bool, list[str], None]") -> "tuple[bool, list[str]]":
    """(no cycles in the program's own code, patterns) from --no-cycles given bare ('') or with PATTERN."""
    if isinstance(values, bool) or values is None:
        return bool(values), []
    return "" in values, [v for v in values if v]


def _count(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of modules, 0 or more, not {text!r}")
    return value


def _millis(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of milliseconds, 0 or more, not {text!r}")
    return value


# --- failures -------------------------------------------------------------------------------------


def _failure(rule: str, finding: Finding) -> Failure:
    return Failure(rule, finding.headline, finding.chains, finding.extra, finding.titled)


def _time_failure(trace: Trace, budget: float, spent: int) -> Failure:
    loads = [e for e in trace.events if e.kind in ("load", "reload") and e.self_duration is not None]
    loads = [e for e in loads if not own(e.name) and not is_program(e)]
    loads.sort(key=lambda e: -(e.self_duration or 0))
    chains = []
    for e in loads[:_SLOWEST]:
        chains.append([f"{e.name} took {ms(e.self_duration or 0, trim=True)} ms itself", *chain_links(trace, e)])
    message = f"imports took {ms(spent, trim=True)} ms, more than the budget of {number(budget)} ms; slowest modules"
    return Failure(f"max-time {number(budget)} ms", message, chains, titled=True)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < float("inf")
