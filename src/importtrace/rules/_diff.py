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
alone would do it at most once in 100 (``ALPHA``): see ``_noise`` and ``TimeChange.beyond_noise``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from ..filters._kinds import is_importtrace, is_program
from ..trace._anyevent import AnyEvent
from ..trace._event import LoadEvent, TraceFileError
from ..trace._trace import Trace
from ._assertions import as_trace, cycle_finding, import_time
from ._chains import chain_links, unobserved_loads
from ._diffresult import (
    EXPLAINS,
    MATERIAL,
    TOP,
    Cycle,
    Diff,
    DiffRules,
    FailedImport,
    Group,
    ImporterChange,
    SideInfo,
    TimeChange,
    check,
)
from ._noise import median

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._assertions import TraceLike

    One = Union[str, "os.PathLike[str]", TraceLike]
    Side = Union[One, list[One], tuple[One, ...]]

__all__ = ["assert_diff", "compare", "describe_program", "diff", "runs_of"]


# --- computing it ---------------------------------------------------------------------------------


class _Run:
    """One trace, indexed in one pass: each module's first successful load, and total import time."""

    __slots__ = ("loads", "time", "trace", "unobserved")

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        loads: dict[str, LoadEvent] = {}
        for e in trace.events:
            if e.kind == "load" and e.error is None and e.name not in loads and not is_importtrace(e.name):
                loads[e.name] = e
        self.loads = loads
        self.time = import_time(trace)
        self.unobserved = unobserved_loads(trace)

    def chain(self, event: AnyEvent, target: str | None = None) -> list[str]:
        return chain_links(self.trace, event, target, self.unobserved)


class _Side:
    """The runs of one side: the modules any of them loaded (in the order the first run that loaded
    each one did), and for each module the run and load event its facts come from."""

    def __init__(self, traces: Sequence[Trace]) -> None:
        from ..filters._filters import stdlib_test

        self.runs = [_Run(t) for t in traces]
        self.first: dict[str, tuple[_Run, LoadEvent]] = {}
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
                if (importer, target) in found or is_importtrace(target) or is_importtrace(importer):
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
                if not e.failed or e.kind not in ("search", "load") or e.name in found or is_importtrace(e.name):
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
    candidates: dict[str, tuple[TimeChange, LoadEvent, _Side]] = {}
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
