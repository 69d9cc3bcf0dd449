"""Comparing two runs of a program: what a change added to start-up or took out of it, and why.

PYTEST_DONT_REWRITE

``compare(before, after)`` is a pure function of two lists of Traces (each list: repeated runs of one
program) that returns a ``Diff`` of plain facts: modules loaded on one side only, grouped by the import
that brought them in with its chain of statements; new and resolved circular and failed imports;
modules whose importer changed; import time, judged against the noise of the runs.  ``check`` judges
a Diff against CI rules; importtrace.renderers.diff shows it.  ``runs_of`` turns what users pass (trace
files, directories of them, Traces) into those lists.  Nothing here touches the import system.

Modules are identified by name.  With several runs a side, a module counts as loaded on that side if
any run loaded it, and its facts (chain, importer, cycles) come from the first run (in file-name order)
that shows them.  Times are medians over the runs; a change counts as more than noise when a rank
test (Mann-Whitney U, exact, two-sided) finds the two sides' runs ordered unevenly enough that noise
alone would do it at most once in 100 (``ALPHA``): see ``rank_test`` and ``TimeChange.beyond_noise``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Union

from ..trace._trace import Event, Trace, TraceFileError
from ..trace._units import ms, number
from ._assertions import (
    IMPORTED,
    as_trace,
    chain_links,
    cycle_finding,
    import_time,
    is_program,
    own,
    refusal_finding,
    unobserved_loads,
)
from ._check import Failure

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._assertions import TraceLike

    One = Union[str, "os.PathLike[str]", TraceLike]
    Side = Union[One, list[One], tuple[One, ...]]

__all__ = ["Cycle", "Diff", "DiffRules", "FailedImport", "Group", "ImporterChange", "TimeChange", "compare"]

#: changed subtrees inside a module that add up to this share of its change (same direction) explain it
EXPLAINS = 0.8
TOP = 5  # subtrees listed by default
#: a time change is beyond the noise when the rank test's p-value is at most this
ALPHA = 0.01
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


# --- computing it ---------------------------------------------------------------------------------


class _Run:
    """One trace, indexed in one pass: each module's first successful load, and total import time."""

    __slots__ = ("loads", "time", "trace", "unobserved")

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        loads: dict[str, Event] = {}
        for e in trace.events:
            if e.kind == "load" and e.error is None and e.name not in loads and not own(e.name):
                loads[e.name] = e
        self.loads = loads
        self.time = import_time(trace)
        self.unobserved = unobserved_loads(trace)

    def chain(self, event: Event, target: str | None = None) -> list[str]:
        return chain_links(self.trace, event, target, self.unobserved)


class _Side:
    """The runs of one side: the modules any of them loaded (in the order the first run that loaded
    each one did), and for each module the run and load event its facts come from."""

    def __init__(self, traces: Sequence[Trace]) -> None:
        from ..filters._filters import stdlib_test

        self.runs = [_Run(t) for t in traces]
        self.first: dict[str, tuple[_Run, Event]] = {}
        for run in self.runs:
            for name, event in run.loads.items():
                if name not in self.first:
                    self.first[name] = (run, event)
        self.stdlib: Callable[[str], bool] = stdlib_test(traces[0])

    def unsteady(self) -> list[str]:
        return [name for name in self.first if not all(name in run.loads for run in self.runs)]

    def load_times(self, names: list[str]) -> list[int] | None:
        """Each run's time for loading names with all they imported (0 for a module a run did not
        load); None if a load's time is unknown."""
        times = []
        for run in self.runs:
            total = 0
            for name in names:
                event = run.loads.get(name)
                if event is not None:
                    if event.duration is None:
                        return None
                    total += event.duration
            times.append(total)
        return times

    def cycles(self) -> dict[tuple[str, str], Cycle]:
        """Circular imports by (importer, module), as the assertions count them: importtrace's own and
        those between two standard-library modules (which the program cannot fix) left out."""
        found: dict[tuple[str, str], Cycle] = {}
        for run in self.runs:
            for hit, target in run.trace.cycles():
                importer = hit.importer or "?"
                if (importer, target) in found or own(target) or own(importer):
                    continue
                if self.stdlib(target) and self.stdlib(importer):
                    continue
                finding = cycle_finding(run.trace, hit, target, run.unobserved)
                headline = finding.headline.replace("circular import: ", "", 1)
                found[importer, target] = Cycle(importer, target, headline, finding.chains[0])
        return found

    def failures(self) -> dict[str, FailedImport]:
        """Imports that failed, by module: searches no finder answered and loads whose code raised
        (find_spec probes, which are questions rather than imports, left out)."""
        found: dict[str, FailedImport] = {}
        for run in self.runs:
            for e in run.trace.events:
                if not e.failed or e.kind not in ("search", "load") or e.name in found or own(e.name):
                    continue
                if e.kind == "search" and e.reason == "probe":
                    continue
                error = "%s: %s" % (e.error.get("type"), e.error.get("message")) if e.error else None
                by_stdlib = e.importer is not None and self.stdlib(e.importer)
                found[e.name] = FailedImport(e.name, error, run.chain(e), by_stdlib)
        return found


_Unit = tuple[str, list[str], _Side, list[str]]  # a subtree: its label, the loads it times, its side, chain


def compare(
    before: Sequence[Trace], after: Sequence[Trace], *, labels: tuple[str, str] = ("before", "after"), top: int = TOP
) -> Diff:
    """The Diff from the runs before a change to the runs after it (each a non-empty list of Traces of
    one program); ``top`` subtrees whose time changed most are kept."""
    if not before or not after:
        raise ValueError("each side of a diff needs at least one trace")
    old, new = _Side(before), _Side(after)
    added = _groups([n for n in new.first if n not in old.first], new)
    removed = _groups([n for n in old.first if n not in new.first], old)
    units = [(g.name, timed, new, g.chain) for g, timed in added] + [
        (g.name, timed, old, g.chain) for g, timed in removed
    ]

    old_cycles, new_cycles = old.cycles(), new.cycles()
    old_failed, new_failed = old.failures(), new.failures()
    total = TimeChange(None, [r.time for r in old.runs], [r.time for r in new.runs])
    return Diff(
        _info(labels[0], before, old),
        _info(labels[1], after, new),
        [g for g, _ in added],
        [g for g, _ in removed],
        [c for key, c in new_cycles.items() if key not in old_cycles],
        [c for key, c in old_cycles.items() if key not in new_cycles],
        [f for name, f in new_failed.items() if name not in old_failed],
        [f for name, f in old_failed.items() if name not in new_failed],
        _importer_changes(old, new),
        total,
        _subtrees(old, new, units, total, top),
        list(after),
    )


def _groups(names: list[str], side: _Side) -> list[tuple[Group, list[str]]]:
    """Modules of one side only, grouped by the import statement that loaded the outermost of them in
    each one's chain of loads; a module that one of them imported after it had loaded (a package's lazy
    ``__getattr__``, a function it ran) joins its importer's group, and a module loaded where importtrace
    could not see who asked (by a finder ahead of it) its new parent package's.  Biggest groups first (module counts
    are stable from run to run, times are not).  With each group, the loads its time is the sum of:
    those not inside another of its loads."""
    wanted = set(names)
    up: dict[str, str] = {}
    tops: set[str] = set()  # not inside another load of the side's new modules
    for name in names:
        run, event = side.first[name]
        up[name] = name
        for ancestor in run.trace.ancestors(event):  # outermost first
            if ancestor.kind == "load" and ancestor.name in wanted:
                up[name] = ancestor.name
                break
        else:
            tops.add(name)
            if event.importer in wanted:
                up[name] = event.importer
            elif not event.observed:  # no importer known: its nearest new parent package's group
                package = name.rpartition(".")[0]
                while package and package not in wanted:
                    package = package.rpartition(".")[0]
                if package:
                    up[name] = package
    members: dict[tuple[str | None, str], tuple[list[str], list[str]]] = {}  # statement -> roots, modules
    for name in names:
        root, seen = name, {name}
        while up[root] not in seen:  # the root's own run may put it under another (runs that differ)
            root = up[root]
            seen.add(root)
        roots, modules = members.setdefault(_statement(side, root), ([], []))
        if root not in roots:
            roots.append(root)
        modules.append(name)
    groups = []
    for roots, modules in members.values():
        group = Group(roots, modules, [], sum(1 for m in modules if side.stdlib(m)), None)
        run, event = side.first[group.named[0]]
        group.chain = run.chain(event)
        timed = [m for m in modules if m in tops and side.first[m][1].observed]  # unobserved: no time
        times = side.load_times(timed)
        group.time = None if times is None else median(times)
        groups.append((group, timed))
    order = {name: i for i, name in enumerate(names)}
    groups.sort(key=lambda g: (-len(g[0].modules), order[g[0].roots[0]]))
    return groups


def _statement(side: _Side, root: str) -> tuple[str | None, str]:
    """Which statement loaded root: the module it ran in and its file:line (root itself if unknown)."""
    run, event = side.first[root]
    if not event.where:
        return None, root
    parent = run.trace.parent(event)
    return (parent.name if parent is not None else None), event.where


def _importer_changes(old: _Side, new: _Side) -> list[ImporterChange]:
    """Modules loaded on both sides whose first load was asked for by a different module, in the
    order the after side loaded them."""
    changes = []
    for name, (run, event) in new.first.items():
        was = old.first.get(name)
        if was is None or not event.observed or not was[1].observed:
            continue
        old_run, old_event = was
        if (old_event.importer or "") == (event.importer or ""):
            continue
        changes.append(
            ImporterChange(
                name,
                old_event.importer or "?",
                event.importer or "?",
                old_run.chain(old_event),
                run.chain(event),
                new.stdlib(name),
            )
        )
    return changes


def _subtrees(old: _Side, new: _Side, groups: list[_Unit], total: TimeChange, top: int) -> list[TimeChange]:
    """The subtrees whose load time changed most: each group of new or gone modules as one (the import
    statement that brought them), and each module loaded on both sides; changes under MATERIAL of the
    import time left out.  With enough runs, subtrees are judged only when the total changed beyond the
    noise, and then only their own changes beyond the noise count (testing the total first keeps many
    subtrees from multiplying the false alarms).  A module is left out when the nearest changed
    subtrees inside it that changed in the same direction add up to at least EXPLAINS of its change:
    the list names where the time went, not every module above it."""
    verdict = total.beyond_noise
    if verdict is False:
        return []
    floor = MATERIAL * max(total.before, total.after)
    units = [*groups, *((name, [name], new, []) for name in new.first if name in old.first)]
    candidates: dict[str, tuple[TimeChange, Event, _Side]] = {}
    for label, roots, side, chain in units:
        run, event = side.first[roots[0]]
        before, after = old.load_times(roots), new.load_times(roots)
        if before is None or after is None or is_program(event):
            continue  # unknown times, or the script's own run (not an import)
        change = TimeChange(label, before, after, chain)
        if change.change == 0 or abs(change.change) < floor or (verdict and not change.beyond_noise):
            continue
        candidates[label] = (change, event, side)
    below: dict[str, int] = {}  # module -> the same-direction change of the nearest changed subtrees in it
    for change, event, side in candidates.values():
        run = side.first[event.name][0]
        for ancestor in reversed(run.trace.ancestors(event)):  # nearest first
            above = candidates.get(ancestor.name) if ancestor.kind == "load" else None
            if above is not None:
                if change.change * above[0].change > 0:
                    below[ancestor.name] = below.get(ancestor.name, 0) + change.change
                break
    explained = {name for name, part in below.items() if abs(part) >= EXPLAINS * abs(candidates[name][0].change)}
    shown = sorted((c for c in candidates.values() if c[0].module not in explained), key=lambda c: -abs(c[0].change))
    for change, event, side in shown[:top]:
        if not change.chain:
            change.chain = side.first[event.name][0].chain(event)
    return [c[0] for c in shown[:top]]


def _info(label: str, traces: Sequence[Trace], side: _Side) -> SideInfo:
    header = traces[0].header
    return SideInfo(label, len(traces), len(side.first), describe_program(header), _python(header), side.unsteady())


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


# --- the sides, from what users pass ----------------------------------------------------------------


def runs_of(side: Side) -> tuple[str, list[Trace]]:
    """(label, traces) of one side: a trace file, a directory of trace files (``*.jsonl``, in name
    order: repeated runs), a Trace, a stopped Recording or the pytest fixture, or a list or tuple of
    these.  TraceFileError (one line) for a missing path, a directory without traces, a malformed
    file, or runs of different programs or Python versions on one side."""
    runs = _sourced(side)
    if isinstance(side, (str, os.PathLike)):
        label = os.fspath(side)
    else:
        label = "trace" if len(runs) == 1 else "%d traces" % len(runs)
    if not runs:
        raise TraceFileError(f"{label}: no traces to compare")
    first_source, first = runs[0]
    for source, trace in runs[1:]:
        for what, this, that in (
            ("program", describe_program(first.header), describe_program(trace.header)),
            ("Python", _python(first.header), _python(trace.header)),
        ):
            if this != that:
                raise TraceFileError(
                    "%s: %s traced another %s (%s) than %s (%s): repeated runs must be runs of one program"
                    % (label, source, what, that, first_source, this)
                )
    return label, [trace for _, trace in runs]


def _sourced(side: Side) -> list[tuple[str, Trace]]:
    """The traces of one side, each with where it came from (for messages)."""
    if isinstance(side, (str, os.PathLike)):
        return _read_path(os.fspath(side))
    if isinstance(side, (list, tuple)):
        return [run for item in side for run in _sourced(item)]
    return [("a trace", as_trace(side))]


def _read_path(path: str) -> list[tuple[str, Trace]]:
    from ..trace._file import read

    if not os.path.isdir(path):
        if not os.path.exists(path):
            raise TraceFileError(f"{path}: no such file or directory")
        return [(path, read(path))]
    names = sorted(n for n in os.listdir(path) if n.endswith(".jsonl") and os.path.isfile(os.path.join(path, n)))
    if not names:
        raise TraceFileError(f"{path}: no trace files (*.jsonl) in this directory")
    return [(n, read(os.path.join(path, n))) for n in names]


def describe_program(header: dict[str, Any]) -> str | None:
    """The program a trace recorded, as typed: ``app.py --help``, ``-m app``, ``-c 'import app'``."""
    program = header.get("program")
    if not isinstance(program, dict):
        return None
    mode, target, args = program.get("mode"), program.get("target"), program.get("args")
    if not isinstance(target, str):
        return None
    words = [target] if mode == "script" else ["-m" if mode == "module" else "-c", target]
    if isinstance(args, list):
        words.extend(str(a) for a in args)
    from shlex import quote

    return " ".join(quote(w) for w in words)


def _python(header: dict[str, Any]) -> str | None:
    version = header.get("python")
    return version if isinstance(version, str) else None


def median(values: Sequence[int]) -> int:
    """The middle value (the mean of the two middle ones for an even count); 0 for none."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return 0
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) // 2


def rank_test(before: Sequence[int], after: Sequence[int]) -> float:
    """The two-sided p-value of the Mann-Whitney U test: how likely it is that noise alone (both sides'
    runs drawn from one distribution) orders the runs of the two sides at least this unevenly.  It uses
    only the order of the times, so one very slow run weighs no more than a slightly slow one.  Ties
    count half; exact for up to 40 runs in all, else the normal approximation."""
    n, m = len(before), len(after)
    if not n or not m:
        return 1.0
    u = sum((a > b) + 0.5 * (a == b) for a in after for b in before)  # pairs where after took longer
    low = min(u, n * m - u)
    if n + m <= 40:
        tail = sum(_u_counts(n, m)[: math.floor(low) + 1])
        return min(1.0, 2 * tail / math.comb(n + m, n))
    z = (n * m / 2 - low - 0.5) / math.sqrt(n * m * (n + m + 1) / 12)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def enough_runs(before: int, after: int) -> bool:
    """Whether the rank test can reach ALPHA at all with so many runs: 5 and 5, 4 and 6, 3 and 9, 2 and 19."""
    return before >= 2 and after >= 2 and 2 / math.comb(before + after, before) <= ALPHA


@cache
def _u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many orderings of n and m runs give each value of U (0 to n*m): its exact distribution."""
    if not n or not m:
        return (1,)
    counts = [0] * (n * m + 1)
    for u, c in enumerate(_u_counts(n - 1, m)):  # the largest time is a run of the first side: m pairs
        counts[u + m] += c
    for u, c in enumerate(_u_counts(n, m - 1)):
        counts[u] += c
    return tuple(counts)


# --- the library's entry points -------------------------------------------------------------------


def diff(before: Side, after: Side, *, top: int = TOP) -> Diff:
    """Compare two runs: each side a trace file, a directory of trace files of repeated runs, a Trace,
    a stopped Recording, the pytest fixture, or a list of these (see runs_of); ``top`` subtrees whose
    time changed most are kept.  TraceFileError for bad input."""
    before_label, old = runs_of(before)
    after_label, new = runs_of(after)
    return compare(old, new, labels=(before_label, after_label), top=top)


def assert_diff(
    diff: Diff, *, max_new_modules: int | None = 0, max_slowdown: float | None = None, forbid: Iterable[str] = ()
) -> None:
    """Fail unless the diff keeps the rules: by default no new module at all; ``max_new_modules=None``
    turns that off.  The AssertionError names each broken rule and the chains of imports behind it."""
    __tracebackhide__ = True
    failures = check(diff, DiffRules(max_new_modules, max_slowdown, forbid))
    if failures:
        raise AssertionError("\n".join(f.format() for f in failures))
