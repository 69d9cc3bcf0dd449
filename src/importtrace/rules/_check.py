"""The rules behind ``importtrace check``: forbidden modules, a module budget, a time budget, no cycles.

PYTEST_DONT_REWRITE

The command line needs five steps: options -> ``Rules`` (``_config.add_arguments`` and ``rules_from_args``,
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

from ..filters._kinds import is_importtrace, is_program
from ..trace._trace import Trace
from ..trace._units import ms, number
from ._assertions import (
    IMPORTED,
    cycle_finding,
    cycles,
    import_time,
    loaded_modules,
    max_modules_finding,
    refusal_finding,
)
from ._chains import Finding, chain_links

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Optional, Union

__all__ = [
    "CONFIG_KEYS",
    "ConfigError",
    "Failure",
    "Rules",
    "evaluate",
    "format_failures",
    "format_passed",
    "import_time",
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


# --- failures -------------------------------------------------------------------------------------


def _failure(rule: str, finding: Finding) -> Failure:
    return Failure(rule, finding.headline, finding.chains, finding.extra, finding.titled)


def _time_failure(trace: Trace, budget: float, spent: int) -> Failure:
    loads = [e for e in trace.events if e.kind in ("load", "reload") and e.self_duration is not None]
    loads = [e for e in loads if not is_importtrace(e.name) and not is_program(e)]
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
