"""The filters every output format shares: which events of a trace to show.

``filter_trace`` returns a new Trace; an event whose parent is filtered out moves up to its nearest
kept ancestor, and every kept event keeps its own times (a hidden load's time stays in its parent's).
Nothing here imports or inspects the traced program: what is standard library is ``_kinds``' question.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

from ..trace._anyevent import AnyEvent
from ..trace._event import KINDS
from ..trace._glob import matcher
from ..trace._trace import Trace
from ._kinds import ModuleKinds, is_importtrace

# Modules whose cache hits come from the import machinery or from running a script, not the program.
_MACHINERY = frozenset(
    {
        "runpy",
        "pkgutil",
        "importlib",
        "importlib._bootstrap",
        "importlib._bootstrap_external",
        "_frozen_importlib",
        "_frozen_importlib_external",
    }
)

FILTER_OPTIONS = ("include", "exclude", "kinds", "min_duration", "depth", "hide_stdlib", "hide_noise", "pid")


def filter_trace(
    trace: Trace,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    min_duration: int | None = None,
    depth: int | None = None,
    hide_stdlib: bool = False,
    hide_noise: bool = False,
    pid: int | None = None,
) -> Trace:
    """The events of trace that pass every filter given, as a new Trace (trace itself if none is given).

    include/exclude: module-name globs (a plain name also matches its submodules); kinds: event kinds;
    min_duration: ns, drops events with a known shorter duration; depth: nesting levels kept (1 = only
    events outside any load); hide_stdlib / hide_noise: see ModuleKinds.stdlib and is_noise; pid: only that
    process's events (Trace.for_process).  Raises ValueError on a bad value."""
    if pid is not None:
        if not _is_int(pid):
            raise ValueError("pid must be a process id (a whole number), not %r" % (pid,))
        pids = trace.pids()
        if pid not in pids:
            known = ", ".join(str(p) for p in pids) or "none recorded"
            raise ValueError("no process %d in this trace (processes: %s)" % (pid, known))
        trace = trace.for_process(pid)
    include = _patterns("include", include)
    exclude = _patterns("exclude", exclude)
    if kinds is not None:
        kinds = _strings("kinds", kinds)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError("unknown event kind %r in kinds (choose from %s)" % (unknown[0], ", ".join(KINDS)))
    if min_duration is not None and (not _is_int(min_duration) or min_duration < 0):
        raise ValueError("min_duration must be a whole number of nanoseconds >= 0, not %r" % (min_duration,))
    if depth is not None and (not _is_int(depth) or depth < 1):
        raise ValueError("depth must be a whole number >= 1, not %r" % (depth,))
    for name, flag in (("hide_stdlib", hide_stdlib), ("hide_noise", hide_noise)):
        if not isinstance(flag, bool):
            raise ValueError("%s must be True or False, not %r" % (name, flag))

    tests: list[Callable[[AnyEvent], bool]] = []
    if kinds is not None:
        wanted = frozenset(kinds)
        tests.append(lambda e: e.kind in wanted)
    if include:
        inc = matcher(include)
        tests.append(lambda e: inc(e.name))
    if exclude:
        exc = matcher(exclude)
        tests.append(lambda e: not exc(e.name))
    if min_duration:
        least = min_duration
        tests.append(lambda e: e.duration is None or e.duration >= least)
    if depth is not None:
        levels = nesting(trace)
        limit = depth
        tests.append(lambda e: levels[e.id] < limit)
    if hide_stdlib:
        stdlib = stdlib_test(trace)
        tests.append(lambda e: not stdlib(e.name))
    if hide_noise:
        tests.append(lambda e: not is_noise(e))
    if not tests:
        return trace

    kept: dict[int, AnyEvent] = {}
    for e in trace.events:
        if all(test(e) for test in tests):
            kept[e.id] = e
    events = []
    for e in kept.values():
        parent = e.parent
        if parent is not None and parent not in kept:
            e = e.copy()
            e.parent = _kept_ancestor(trace, parent, kept)
        events.append(e)
    return Trace(events, trace.header)


def _kept_ancestor(trace: Trace, parent: int | None, kept: dict[int, AnyEvent]) -> int | None:
    seen: set[int] = set()
    while parent is not None and parent not in kept and parent not in seen:
        seen.add(parent)
        event = trace.event(parent)
        parent = event.parent if event is not None else None
    return parent if parent in kept else None


def nesting(trace: Trace) -> dict[int, int]:
    """Event id -> how many of its ancestors are in trace (0 for an event inside nothing)."""
    levels: dict[int, int] = {}
    by_id = {e.id: e for e in trace.events}
    for e in trace.events:
        if e.id in levels:
            continue
        chain = [e]
        seen = {e.id}
        parent = by_id.get(e.parent) if e.parent is not None else None
        while parent is not None and parent.id not in levels and parent.id not in seen:
            chain.append(parent)
            seen.add(parent.id)
            parent = by_id.get(parent.parent) if parent.parent is not None else None
        level = -1 if parent is None else levels.get(parent.id, -1)  # not there: parents in a loop
        for link in reversed(chain):
            level += 1
            levels[link.id] = level
    return levels


# --- what the filters test -----------------------------------------------------------------------


def stdlib_test(trace: Trace) -> Callable[[str], bool]:
    """A test of module names: is it the standard library, in this trace?  (``ModuleKinds.stdlib``)"""
    return ModuleKinds(trace).stdlib


def is_noise(event: AnyEvent) -> bool:
    """Events that are about the tracing rather than the program: importtrace's own imports, finder
    probes that are not imports (runpy, pkgutil, importlib.util.find_spec), and cache hits made by the
    import machinery or by runpy while starting the program."""
    if is_importtrace(event.name) or (event.importer is not None and is_importtrace(event.importer)):
        return True
    if event.kind == "search" and event.reason == "probe":
        return True
    return event.kind == "hit" and event.importer in _MACHINERY


# --- option checking -----------------------------------------------------------------------------


def _patterns(option: str, value: object) -> list[str]:
    if value is None:
        return []
    patterns = _strings(option, value)
    for p in patterns:
        if not p:
            raise ValueError("%s: empty module pattern" % option)
    return patterns


def _strings(option: str, value: object) -> list[str]:
    """A list of strings from a list, tuple or set of strings, or from one string."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise ValueError("%s must be a list of strings, not %r" % (option, value))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
