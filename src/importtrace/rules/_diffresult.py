"""What comparing two runs returns: plain facts (``Diff`` and its parts), and the rules that CI
enforces on them (``DiffRules``, ``check``): new modules, slowdown beyond the noise, forbidden modules.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..trace._trace import Trace
from ..trace._units import ms, number
from ._assertions import IMPORTED, refusal_finding
from ._check import Failure
from ._noise import ALPHA, enough_runs, median, rank_test

__all__ = ["Cycle", "Diff", "DiffRules", "FailedImport", "Group", "ImporterChange", "SideInfo", "TimeChange", "check"]

#: changed subtrees inside a module that add up to this share of its change (same direction) explain it
EXPLAINS = 0.8
TOP = 5  # subtrees listed by default
#: subtree changes smaller than this share of the import time are not listed
MATERIAL = 0.01


@dataclass
class Group:
    """Modules loaded on one side only that one import statement brought in.  ``roots`` are the modules
    the statement itself loaded (``import email.mime.text`` loads email, email.mime and email.mime.text):
    the outermost new loads in each module's why() chain.  ``chain`` is the import statements from the
    program's own code down to that statement; ``modules`` all the group's modules, in load order."""

    roots: list[str]
    modules: list[str]
    #: links ``file:line imported module``, outermost first (as in check failures and assertions)
    chain: list[str]
    #: how many of ``modules`` are standard library
    stdlib: int
    #: the statement's loads with everything they imported, in ns (median over the runs; None: unknown)
    time: int | None

    @property
    def named(self) -> list[str]:
        """The roots the statement named: those that are not a parent package of another root."""
        return [r for r in self.roots if not any(o.startswith(r + ".") for o in self.roots)]

    @property
    def name(self) -> str:
        """The named roots, three at most (a loop of import_module() calls is one statement)."""
        named = self.named
        return ", ".join(named[:3]) + (" (+%d more)" % (len(named) - 3) if len(named) > 3 else "")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **asdict(self)}


@dataclass
class Cycle:
    """A circular import: ``importer`` imported ``module`` while module was still initialising."""

    importer: str
    module: str
    headline: str
    chain: list[str]


@dataclass
class FailedImport:
    """An import that failed: ``module`` was not found, or its code raised (``error``)."""

    module: str
    #: ``"ValueError: message"`` when the module's code raised; None when no finder found it
    error: str | None
    chain: list[str]
    #: asked for by the standard library (which probes for optional modules: copy asks for org.python)
    stdlib: bool = False

    @property
    def headline(self) -> str:
        return f"{self.module} raised {self.error}" if self.error else f"{self.module} was not found"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "headline": self.headline}


@dataclass
class ImporterChange:
    """A module loaded on both sides whose first load was asked for by another module (``before`` and
    ``after`` name the importers)."""

    module: str
    before: str
    after: str
    before_chain: list[str]
    after_chain: list[str]
    #: a standard-library module: its first importer moves whenever imports are reordered
    stdlib: bool


@dataclass
class TimeChange:
    """Import time on both sides: each run's nanoseconds, their medians, and whether the change counts.

    ``module`` is None for the program's total import time (the outermost searches and loads added up),
    else the subtree (a module, or a group's import statement) whose loads, with everything they
    imported, took that long (0 on a side without it)."""

    module: str | None
    before_runs: list[int]
    after_runs: list[int]
    #: for a subtree: the chain of imports that loaded it (after, else before)
    chain: list[str] = field(default_factory=list)

    @property
    def before(self) -> int:
        return median(self.before_runs)

    @property
    def after(self) -> int:
        return median(self.after_runs)

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def percent(self) -> float | None:
        """The change as a percentage of the time before (None when that was 0)."""
        return 100.0 * self.change / self.before if self.before else None

    @property
    def p_value(self) -> float | None:
        """How likely noise alone orders the runs at least this unevenly (rank_test); None with one run."""
        if len(self.before_runs) < 2 or len(self.after_runs) < 2:
            return None
        return rank_test(self.before_runs, self.after_runs)

    @property
    def beyond_noise(self) -> bool | None:
        """Whether the change is more than noise: the rank test's p-value is at most ALPHA.  None when
        there are too few runs for any result to get there (fewer than 5 a side; see enough_runs)."""
        if not enough_runs(len(self.before_runs), len(self.after_runs)):
            return None
        return self.change != 0 and rank_test(self.before_runs, self.after_runs) <= ALPHA

    def to_dict(self) -> dict[str, Any]:
        return {
            **({} if self.module is None else {"module": self.module}),
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "percent": None if self.percent is None else round(self.percent, 1),
            "beyond_noise": self.beyond_noise,
            "p_value": self.p_value,
            "before_runs": self.before_runs,
            "after_runs": self.after_runs,
            **({} if self.module is None else {"chain": self.chain}),
        }


@dataclass
class SideInfo:
    """What one side of a diff was: where its traces came from, how many runs, what they loaded."""

    label: str
    runs: int
    modules: int
    program: str | None
    python: str | None
    #: modules that some runs loaded and others did not
    unsteady: list[str]


@dataclass
class Diff:
    """Everything that differs between two runs (or two sets of repeated runs) of a program.

    ``added``/``removed``: modules loaded only after/before, as Groups; ``new_cycles``/``resolved_cycles``,
    ``new_failures``/``resolved_failures``, ``importer_changes``; ``import_time`` (total) and ``subtrees``
    (where import time changed most, noise excluded).  ``same_modules`` is what the command's exit status
    reports."""

    before: SideInfo
    after: SideInfo
    added: list[Group]
    removed: list[Group]
    new_cycles: list[Cycle]
    resolved_cycles: list[Cycle]
    new_failures: list[FailedImport]
    resolved_failures: list[FailedImport]
    importer_changes: list[ImporterChange]
    import_time: TimeChange
    subtrees: list[TimeChange]
    #: the after side's traces, for --forbid, which asks about every import after
    after_traces: list[Trace] = field(default_factory=list, repr=False, compare=False)

    @property
    def added_modules(self) -> list[str]:
        return [name for g in self.added for name in g.modules]

    @property
    def removed_modules(self) -> list[str]:
        return [name for g in self.removed for name in g.modules]

    @property
    def same_modules(self) -> bool:
        """Both sides loaded the same modules (cycles, failed imports and times may still differ)."""
        return not self.added and not self.removed

    @property
    def repeated(self) -> bool:
        """Both sides have several runs (enough_runs says whether enough to judge time changes)."""
        return self.before.runs > 1 and self.after.runs > 1

    def check(
        self, max_new_modules: int | None = None, max_slowdown: float | None = None, forbid: Iterable[str] = ()
    ) -> list[Failure]:
        """The rules this diff breaks (empty: all hold); see DiffRules.  Raises ValueError on a bad rule."""
        return check(self, DiffRules(max_new_modules, max_slowdown, forbid))

    def to_dict(self) -> dict[str, Any]:
        """The diff as JSON-ready data (the ``json`` format); times in nanoseconds."""
        return {
            "format": "importtrace-diff",
            "version": 1,
            "before": asdict(self.before),
            "after": asdict(self.after),
            "same_modules": self.same_modules,
            "added": [g.to_dict() for g in self.added],
            "removed": [g.to_dict() for g in self.removed],
            "new_cycles": [asdict(c) for c in self.new_cycles],
            "resolved_cycles": [asdict(c) for c in self.resolved_cycles],
            "new_failures": [f.to_dict() for f in self.new_failures],
            "resolved_failures": [f.to_dict() for f in self.resolved_failures],
            "importer_changes": [asdict(c) for c in self.importer_changes],
            "import_time": self.import_time.to_dict(),
            "subtrees": [s.to_dict() for s in self.subtrees],
        }


# --- the rules ------------------------------------------------------------------------------------


class DiffRules:
    """What ``importtrace diff`` enforces for CI: at most ``max_new_modules`` new modules, import time
    grown by at most ``max_slowdown`` percent (beyond the noise; needs repeated runs on both sides),
    no module matching a ``forbid`` pattern imported after.  ValueError on a bad value."""

    __slots__ = ("forbid", "max_new_modules", "max_slowdown")

    def __init__(
        self, max_new_modules: int | None = None, max_slowdown: float | None = None, forbid: Iterable[str] = ()
    ) -> None:
        if max_new_modules is not None and (
            not isinstance(max_new_modules, int) or isinstance(max_new_modules, bool) or max_new_modules < 0
        ):
            raise ValueError(f"max_new_modules must be a whole number, 0 or more, not {max_new_modules!r}")
        if max_slowdown is not None and (
            not isinstance(max_slowdown, (int, float))
            or isinstance(max_slowdown, bool)
            or not 0 <= max_slowdown < float("inf")
        ):
            raise ValueError(f"max_slowdown must be a percentage, 0 or more, not {max_slowdown!r}")
        patterns = [forbid] if isinstance(forbid, str) else list(forbid)
        for pattern in patterns:
            if not isinstance(pattern, str) or not pattern.strip():
                raise ValueError(f"forbid: module names or patterns are non-empty strings, not {pattern!r}")
        self.max_new_modules = max_new_modules
        self.max_slowdown = None if max_slowdown is None else float(max_slowdown)
        self.forbid: list[str] = list(dict.fromkeys(patterns))

    def describe(self) -> list[str]:
        """One line per rule, as failures name them: ``max-new-modules 0``, ``max-slowdown 10%``, ..."""
        out = []
        if self.max_new_modules is not None:
            out.append(f"max-new-modules {self.max_new_modules}")
        if self.max_slowdown is not None:
            out.append(f"max-slowdown {number(self.max_slowdown)}%")
        out.extend(f"forbid {p}" for p in self.forbid)
        return out

    def __bool__(self) -> bool:
        return bool(self.describe())

    def __repr__(self) -> str:
        return "DiffRules(%s)" % ", ".join(f"{a}={getattr(self, a)!r}" for a in self.__slots__)


def check(diff: Diff, rules: DiffRules) -> list[Failure]:
    """Every rule the diff breaks, in the order DiffRules.describe lists them (empty: all hold).
    ValueError for --max-slowdown without repeated runs on both sides."""
    failures = []
    if rules.max_new_modules is not None:
        new = diff.added_modules
        if len(new) > rules.max_new_modules:
            chains = [[_group_title(g), *g.chain] for g in diff.added[:3]]
            more = len(diff.added) - 3
            notes = [f"and {more} more import{'s' if more > 1 else ''} of new modules"] if more > 0 else []
            notes.append("new: " + _listing(new))
            message = "%d new modules, more than %d" % (len(new), rules.max_new_modules)
            failures.append(Failure(f"max-new-modules {rules.max_new_modules}", message, chains, notes, titled=True))
    if rules.max_slowdown is not None:
        if diff.import_time.beyond_noise is None:
            raise ValueError(
                "max-slowdown needs repeated runs on both sides, at least 5 a side (directories of traces "
                "recorded with --runs 5), to tell a slowdown from noise"
            )
        failure = _slowdown(diff, rules.max_slowdown)
        if failure is not None:
            failures.append(failure)
    for pattern in rules.forbid:
        for trace in diff.after_traces:
            finding = refusal_finding(trace, pattern, IMPORTED, "imported")
            if finding is not None:
                failures.append(Failure(f"forbid {pattern}", finding.headline, finding.chains, finding.extra))
                break
    return failures


def _slowdown(diff: Diff, limit: float) -> Failure | None:
    total = diff.import_time
    percent = total.percent
    if not total.beyond_noise or percent is None or percent <= limit:
        return None
    message = "import time grew %s%% (%s -> %s ms, medians of %d and %d runs; rank test p = %s), more than %s%%" % (
        number(percent, 1),
        ms(total.before, 2),
        ms(total.after, 2),
        diff.before.runs,
        diff.after.runs,
        _p(total.p_value),
        number(limit),
    )
    chains = [
        ["%s %s -> %s ms" % (s.module, ms(s.before, 2), ms(s.after, 2)), *s.chain]
        for s in diff.subtrees
        if s.change > 0
    ]
    return Failure(f"max-slowdown {number(limit)}%", message, chains[:3], titled=True)


def _group_title(group: Group) -> str:
    n = len(group.modules)
    return f"{group.name} and its imports, {n} modules" if n > 1 else f"{group.name}, 1 module"


def _listing(names: list[str], shown: int = 10) -> str:
    text = ", ".join(names[:shown])
    return text + (" (+%d more)" % (len(names) - shown) if len(names) > shown else "")


def _p(value: float | None) -> str:
    return "?" if value is None else "%.2g" % value
