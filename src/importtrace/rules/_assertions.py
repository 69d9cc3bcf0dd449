"""Assertions on a trace that name the culprit: the chain of import statements, file and line,
that brought a module in.  Plain functions raising AssertionError, with or without pytest.

PYTEST_DONT_REWRITE

Like the recording modules this imports only what the interpreter has at start-up, so that using
it while a trace records adds nothing but importtrace's own module (which the helpers ignore).
"""

from ..filters._kinds import OWN, STDLIB, THIRD_PARTY, ModuleKinds, is_importtrace, is_program
from ..trace._anyevent import AnyEvent
from ..trace._event import HitEvent
from ..trace._glob import matches
from ..trace._trace import Trace
from ._chains import Finding, _how, _unobserved, chain_links, unobserved_loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Optional, Protocol, Union

    class SupportsTrace(Protocol):
        """A stopped Recording, or the pytest fixture: anything whose ``trace`` is a Trace."""

        @property
        def trace(self) -> Trace: ...

    TraceLike = Union[Trace, SupportsTrace]

__all__ = [
    "assert_imported",
    "assert_max_modules",
    "assert_no_cycles",
    "assert_not_imported",
    "assert_not_loaded",
    "assert_not_requested",
]

#: which event kinds each question counts (a reload runs the module's code again, so it counts as a load)
LOADED = ("load", "reload")
IMPORTED = ("load", "reload", "hit")
REQUESTED = ("search", "load", "reload", "hit")
_SHOWN = 10  # names listed before "(+N more)"
_BIGGEST = 5  # separate subtrees named when there are too many modules


# --- the assertions -------------------------------------------------------------------------------


def assert_not_imported(trace: "TraceLike", *patterns: str) -> None:
    """Fail if a module matching any pattern was imported: loaded, or served from sys.modules.

    Counting cache hits makes this the robust guard: it fails even when an earlier test (or the
    interpreter) had already loaded the module.  A plain name also matches its submodules."""
    __tracebackhide__ = True
    _refuse(trace, patterns, IMPORTED, "imported")


def assert_not_loaded(trace: "TraceLike", *patterns: str) -> None:
    """Fail if a module matching any pattern was loaded (its code ran) during the trace."""
    __tracebackhide__ = True
    _refuse(trace, patterns, LOADED, "loaded")


def assert_not_requested(trace: "TraceLike", *patterns: str) -> None:
    """Fail if anything asked for a matching module: an import, a cache hit, even a failed search or a
    find_spec probe (``try: import pandas`` counts although pandas is not installed)."""
    __tracebackhide__ = True
    _refuse(trace, patterns, REQUESTED, "requested")


def assert_imported(trace: "TraceLike", *patterns: str) -> None:
    """Fail unless each pattern matched a module that was imported (loaded without error, or a cache hit)."""
    __tracebackhide__ = True
    t = as_trace(trace)
    problems = [_not_imported(t, p) for p in _patterns(patterns) if not _imported_events(t, p)]
    if problems:
        raise AssertionError("\n".join(problems))


def assert_max_modules(trace: "TraceLike", limit: int, pattern: "Optional[str]" = None) -> None:
    """Fail if more than ``limit`` modules (only those matching ``pattern``, if given) were loaded."""
    __tracebackhide__ = True
    t = as_trace(trace)
    finding = max_modules_finding(t, limit, pattern)
    if finding is not None:
        raise AssertionError(finding.inline())


def assert_no_cycles(
    trace: "TraceLike",
    pattern: "Optional[Union[str, Sequence[str]]]" = None,
    *,
    stdlib: bool = False,
    third_party: bool = False,
) -> None:
    """Fail on a circular import: a module imported while it was still initialising in the same thread.

    Which ones count: those the program's own code takes part in (neither standard library nor an
    installed package), plus those inside installed packages with ``third_party=True`` and those among
    standard-library modules with ``stdlib=True``.  With ``pattern`` (a glob, or a list of them): the
    cycles a matching module takes part in instead, standard-library-only ones still only with ``stdlib``."""
    __tracebackhide__ = True
    t = as_trace(trace)
    findings = cycle_findings(t, pattern, stdlib, third_party)
    if findings:
        raise AssertionError("\n".join(f.inline() for f in findings))


# --- what the checks find (shared with `importtrace check`) -----------------------------------------


def as_trace(obj: "TraceLike") -> Trace:
    """A Trace from a Trace, a stopped Recording or the ``import_trace`` fixture."""
    if isinstance(obj, Trace):
        return obj
    trace = obj.trace  # a Recording still recording raises TraceError here, saying so
    if not isinstance(trace, Trace):
        raise TypeError(f"expected a Trace, a stopped Recording or the import_trace fixture, not {obj!r}")
    return trace


def offending(trace: Trace, pattern: str, kinds: "tuple[str, ...]") -> "list[AnyEvent]":
    """Events of the given kinds about modules matching pattern, in the order they began."""
    return [e for e in trace.events if e.kind in kinds and not is_importtrace(e.name) and matches(e.name, pattern)]


def refusal_finding(trace: Trace, pattern: str, kinds: "tuple[str, ...]", verb: str) -> "Optional[Finding]":
    """Why a module matching pattern was imported/loaded/requested, or None if none was."""
    events = offending(trace, pattern, kinds)
    if not events:
        return None
    first = events[0]
    name = first.name
    shown = name if pattern == name else f"{name} (matching {pattern!r})"
    names = [n for n in _distinct(e.name for e in events) if n != name]
    extra = [f"also {verb}: {_listing(names)}"] if names else []
    if first.kind == "load" and not first.observed:
        return Finding(f"{shown} was {verb}: {_unobserved(first)}", [], extra)
    return Finding(f"{shown} was {verb}{_how(first)}", [chain_links(trace, first)], extra)


def loaded_modules(trace: Trace, pattern: "Optional[str]" = None) -> "list[str]":
    """Modules loaded (without error) during the trace, importtrace's own left out."""
    return [n for n in trace.loaded(pattern) if not is_importtrace(n)]


def max_modules_finding(trace: Trace, limit: int, pattern: "Optional[str]" = None) -> "Optional[Finding]":
    """When more than ``limit`` modules were loaded: the largest separate subtrees (pandas and its
    imports, httpx and its imports: see importtrace.filters._subtrees), with the chain that loaded each."""
    names = loaded_modules(trace, pattern)
    if len(names) <= limit:
        return None
    from ..filters._subtrees import StartUp

    start = StartUp(trace, counted=names)
    kinds = start.by_kind()
    what = "modules" if pattern is None else f"modules matching {pattern!r}"
    shares = [
        (kinds[k], label) for k, label in ((OWN, "own"), (THIRD_PARTY, "third-party"), (STDLIB, "standard library"))
    ]
    present = [f"{n} {label}" for n, label in shares if n]
    alone = {"own": "all own code", "third-party": "all third-party", "standard library": "all standard library"}
    split = alone[next(label for n, label in shares if n)] if len(present) == 1 else ", ".join(present)
    headline = f"{len(names)} {what} were loaded ({split}), more than the budget of {limit}"
    biggest = sorted((s for s in start.separate() if s.modules), key=lambda s: -s.modules)[:_BIGGEST]
    if biggest:
        headline += "; the largest separate imports"
    unobserved = unobserved_loads(trace)
    chains = [
        [f"{s.name} and its imports, {_count(s.modules, 'module')}", *chain_links(trace, s.root, None, unobserved)]
        for s in biggest
    ]
    extra = [f"loaded: {_listing(names)}"]
    if kinds[OWN] and len(present) > 1:
        mine = [n for n in names if start.kinds.own(n)]
        extra.insert(0, f"own code: {_count(len(mine), 'module')}: {_listing(mine)}")
    return Finding(headline, chains, extra, titled=True)


def _count(n: int, word: str) -> str:
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def import_time(trace: Trace) -> int:
    """Nanoseconds spent importing: the outermost searches, loads and reloads, added up; inside the
    program's own ``__main__`` (a command-line trace's root), its imports, not the script's run time.
    Unobserved loads have no time; cache hits are too cheap to count.  Time is counted once where
    such events overlap on a thread (a finder that imports in find_spec: its loads are siblings of
    its search, and ran within it)."""
    spans: "dict[int, list[tuple[int, int]]]" = {}
    for e in trace.events:
        if e.kind in ("search", "load", "reload") and e.duration is not None and not is_importtrace(e.name):
            parent = trace.parent(e)
            if (parent is None and not is_program(e)) or (parent is not None and is_program(parent)):
                spans.setdefault(e.thread, []).append((e.start, e.start + e.duration))
    total = 0
    for intervals in spans.values():
        intervals.sort()
        end = None
        for start, stop in intervals:
            if end is None or start >= end:
                total += stop - start
                end = stop
            elif stop > end:
                total += stop - end
                end = stop
    return total


def cycles(
    trace: Trace,
    pattern: "Optional[Union[str, Sequence[str]]]" = None,
    stdlib: bool = False,
    third_party: bool = False,
    own_code: "Optional[bool]" = None,
) -> "list[tuple[HitEvent, str]]":
    """Trace.cycles() without importtrace's own, scoped as ``assert_no_cycles`` says.  ``own_code``
    (default: when no pattern is given) counts the program's own cycles; ``pattern`` adds those a
    matching module takes part in."""
    from ..filters._subtrees import cycle_scope

    patterns = [pattern] if isinstance(pattern, str) else list(pattern or ())
    if own_code is None:
        own_code = not patterns
    kinds = ModuleKinds(trace)
    found = []
    for e, target in trace.cycles():
        if is_importtrace(target):
            continue
        scope = cycle_scope(kinds, e, target)
        if scope == STDLIB and not stdlib:
            continue
        if (
            (own_code and scope == OWN)
            or (third_party and scope == THIRD_PARTY)
            or (stdlib and scope == STDLIB and not patterns)
            or any(matches(target, p) or matches(e.importer or "", p) for p in patterns)
        ):
            found.append((e, target))
    return found


def cycle_findings(
    trace: Trace,
    pattern: "Optional[Union[str, Sequence[str]]]" = None,
    stdlib: bool = False,
    third_party: bool = False,
    own_code: "Optional[bool]" = None,
) -> "list[Finding]":
    return [cycle_finding(trace, hit, target) for hit, target in cycles(trace, pattern, stdlib, third_party, own_code)]


def cycle_finding(
    trace: Trace, hit: HitEvent, target: str, unobserved: "Optional[dict[str, AnyEvent]]" = None
) -> Finding:
    """One circular import (a pair from Trace.cycles()) and the chain of imports that closed it."""
    importer = hit.importer or "?"
    headline = f"circular import: {importer} imported {target} while {target} was still initialising"
    if hit.missing:
        headline += " (names not defined yet: %s)" % ", ".join(hit.missing)
    return Finding(headline, [chain_links(trace, hit, target, unobserved)])


# --- wording --------------------------------------------------------------------------------------


def _refuse(trace: "TraceLike", patterns: "Iterable[str]", kinds: "tuple[str, ...]", verb: str) -> None:
    __tracebackhide__ = True
    t = as_trace(trace)
    findings = [f for f in (refusal_finding(t, p, kinds, verb) for p in _patterns(patterns)) if f is not None]
    if findings:
        raise AssertionError("\n".join(f.inline() for f in findings))


def _patterns(patterns: "Iterable[str]") -> "list[str]":
    out = list(patterns)
    if not out:
        raise TypeError("give at least one module name or glob pattern")
    for p in out:
        if not isinstance(p, str) or not p:
            raise TypeError(f"module patterns are non-empty strings, not {p!r}")
    return out


def _imported_events(trace: Trace, pattern: str) -> "list[AnyEvent]":
    return [e for e in offending(trace, pattern, IMPORTED) if e.kind == "hit" or e.error is None]


def _not_imported(trace: Trace, pattern: str) -> str:
    """Why nothing matching pattern was imported, with the closest thing that did happen."""
    requested = offending(trace, pattern, REQUESTED)
    if requested:
        e = requested[-1]
        return f"{pattern} was not imported: {e.name} was requested{_how(e)}: " + "; ".join(chain_links(trace, e))
    if any(matches(n, pattern) for n in trace.preloaded):
        return (
            f"{pattern} was not imported: it was loaded before the trace began and nothing imported it during "
            "the trace (import it fresh: importtrace.fresh_import or the import_trace fixture's fresh_import)"
        )
    names = loaded_modules(trace)
    return f"{pattern} was not imported (nothing requested it); loaded: {_listing(names) if names else 'nothing'}"


def _distinct(names: "Iterable[str]") -> "list[str]":
    return list(dict.fromkeys(names))


def _listing(names: "list[str]") -> str:
    shown = ", ".join(names[:_SHOWN])
    if len(names) > _SHOWN:
        shown += " (+%d more)" % (len(names) - _SHOWN)
    return shown
