"""The finished trace: its events and header, and the queries people ask of them.

PYTEST_DONT_REWRITE

Nothing here touches the import system.  Module-level imports are limited to what the interpreter
has at start-up, because `importtrace.stop()` builds a Trace while an outer trace may still record.
"""

from ._build import _event_from_dict, _fill_self_durations, build
from ._event import FORMAT, KINDS, VERSION, Event
from ._glob import matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any, Callable, Literal, Optional, Union, overload

    from ._anyevent import AnyEvent
    from ._event import HitEvent, LoadEvent, ReloadEvent, SearchEvent

#: What a process entry of the header (``processes``) says for that process alone (Trace.for_process):
#: the fields of its own header that a child process's entry keeps.
_PROCESS_HEADER = (
    "argv",
    "cwd",
    "python",
    "executable",
    "started",
    "duration",
    "preloaded",
    "path",
    "stdlib",
    "site_packages",
    "threads",
    "notes",
    "program",
    "hooks",
    "explain",
    "dont_write_bytecode",
)


class Trace:
    """What a traced block did to the import system: ``events`` in the order they began,
    ``header`` with the run's context, and queries over both."""

    def __init__(self, events: "Iterable[AnyEvent]", header: "Optional[dict[str, Any]]" = None) -> None:
        self._events: "Optional[list[AnyEvent]]" = list(events)
        self.header: "dict[str, Any]" = dict(header or {})
        self.header.setdefault("format", FORMAT)
        self.header.setdefault("version", VERSION)
        self._t0 = 0
        self._raw: "Optional[Iterable[tuple[Any, ...]]]" = None
        self._resolve: "Optional[Callable[[Any], list[tuple[Any, ...]]]]" = None
        self._records: "Optional[list[tuple[Any, ...]]]" = None
        self._by_id: "Optional[dict[int, AnyEvent]]" = None
        self._children: "Optional[dict[int, list[AnyEvent]]]" = None
        self._segments: "Optional[Sequence[tuple[Optional[int], int]]]" = None
        _fill_self_durations(self._events)

    # --- construction and files ------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        header: "dict[str, Any]",
        records: "Iterable[tuple[Any, ...]]",
        *,
        resolve: "Optional[Callable[[Any], list[tuple[Any, ...]]]]" = None,
        segments: "Optional[Sequence[tuple[Optional[int], int]]]" = None,
    ) -> "Trace":
        """A trace over records (the form ``records()`` gives, see importtrace.record._layout), which become
        Events on first use: raw ones (code objects in place of "file:line") are made portable by
        ``resolve`` first.  Costs next to nothing; the header's ``t0`` is the clock reading times count from
        (``Trace.header`` has none: pass ``dict(t.header, t0=t.t0)`` and ``segments=t.segments()`` to rebuild t).
        ``segments``: (pid, number of records) of each process in turn, when records come from several
        (otherwise all are the header's ``pid``)."""
        trace = cls.__new__(cls)
        trace.header = header = dict(header)  # the caller's dict (another trace's header, say) stays as it was
        trace._t0 = header.pop("t0", 0)
        header.setdefault("format", FORMAT)
        header.setdefault("version", VERSION)
        trace._events = None
        if resolve is not None:
            trace._raw, trace._resolve, trace._records = records, resolve, None
        else:
            trace._raw, trace._resolve = None, None
            trace._records = records if type(records) is list else list(records)
        trace._by_id = trace._children = None
        trace._segments = segments
        return trace

    @property
    def events(self) -> "list[AnyEvent]":
        """Every event, in the order it began."""
        if self._events is None:
            records = self.records() or []
            events: "list[AnyEvent]" = []
            start = 0
            for pid, count in self.segments():
                events.extend(build(records[start : start + count], self._t0, None, pid))
                start += count
            self._events = events
            _fill_self_durations(self._events)
        return self._events

    def segments(self) -> "list[tuple[Optional[int], int]]":
        """(pid, number of records) of each process in turn, over records() (one segment when the
        records are one process's)."""
        if self._segments is not None:
            return list(self._segments)
        pid = self.header.get("pid")
        return [(pid if type(pid) is int else None, len(self.records() or ()))]

    def records(self) -> "Optional[list[tuple[Any, ...]]]":
        """The portable records this trace was built from (see importtrace.record._layout), if it was."""
        if self._raw is not None and self._resolve is not None:
            self._records = self._resolve(self._raw)
            self._raw = None
        return self._records

    @property
    def t0(self) -> int:
        """The clock reading the records' times count from (events' ``start`` is relative to it)."""
        return self._t0

    @classmethod
    def from_dicts(cls, header: "dict[str, Any]", events: "Iterable[dict[str, Any]]") -> "Trace":
        """Build a trace from its serialised form (what save() writes, one dict per event)."""
        return cls((_event_from_dict(d) for d in events), header)

    def to_dicts(self) -> "tuple[dict[str, Any], list[dict[str, Any]]]":
        return dict(self.header), [e.to_dict() for e in self.events]

    def save(self, path: "Union[str, os.PathLike[str]]") -> None:
        """Write the trace as JSON Lines: the header object, one event per line, an end record."""
        from ._write import write

        write(self, path)

    # --- context --------------------------------------------------------------------------

    @property
    def duration(self) -> int:
        """Nanoseconds from the start of the trace to its end."""
        return int(self.header.get("duration") or 0)

    @property
    def notes(self) -> "list[dict[str, Any]]":
        """What the tracer could not see, or had to leave (another finder ahead of it, ...)."""
        return list(self.header.get("notes") or [])

    @property
    def processes(self) -> "list[dict[str, Any]]":
        """The processes the trace covers, the main one first: ``pid``, ``parent`` (its parent's pid),
        ``how`` (main, exec or fork), ``command``, ``started``, ``start`` and ``duration`` (ns), ``exit``,
        ``ended`` and more (see docs/trace-format.md).  Empty for a version 1 trace file."""
        return [dict(p) for p in self.header.get("processes") or () if isinstance(p, dict)]

    @property
    def pid(self) -> "Optional[int]":
        """The main process's pid (the program's, for the command line)."""
        pid = self.header.get("pid")
        return pid if type(pid) is int else None

    def pids(self) -> "list[int]":
        """The pids of the processes in the trace, the main one first."""
        found: "dict[int, None]" = {}
        for p in self.processes:
            if type(p.get("pid")) is int:
                found[p["pid"]] = None
        if self._events is None:  # from the records' segments: no Event is made
            for pid, count in self.segments():
                if pid is not None and count:
                    found.setdefault(pid, None)
        else:
            for e in self._events:
                if e.pid is not None:
                    found.setdefault(e.pid, None)
        return list(found)

    def for_process(self, pid: int) -> "Trace":
        """The events of one process, as a Trace whose header is that process's (its argv, sys.path,
        preloaded modules, threads and notes); times still count from the start of the whole trace."""
        header = dict(self.header)
        entry = next((p for p in self.processes if p.get("pid") == pid), None)
        if entry is not None:
            for key in _PROCESS_HEADER:
                if key in entry:
                    header[key] = entry[key]
            header["processes"] = [entry]
        header["pid"] = pid
        sub = Trace([e for e in self.events if e.pid == pid], header)
        sub._t0 = self._t0
        return sub

    @property
    def preloaded(self) -> "list[str]":
        """Modules already in sys.modules when the trace started (imports of these are hits)."""
        return list(self.header.get("preloaded") or [])

    # --- queries --------------------------------------------------------------------------

    # Every query looks at all the processes of the trace, or only at process ``pid`` when it is given.

    def _of(self, pid: "Optional[int]") -> "list[AnyEvent]":
        return self.events if pid is None else [e for e in self.events if e.pid == pid]

    if TYPE_CHECKING:  # of_kind("load") is a list of LoadEvent for type checkers

        @overload
        def of_kind(self, kind: "Literal['search']", *, pid: "Optional[int]" = None) -> "list[SearchEvent]": ...
        @overload
        def of_kind(self, kind: "Literal['load']", *, pid: "Optional[int]" = None) -> "list[LoadEvent]": ...
        @overload
        def of_kind(self, kind: "Literal['hit']", *, pid: "Optional[int]" = None) -> "list[HitEvent]": ...
        @overload
        def of_kind(self, kind: "Literal['reload']", *, pid: "Optional[int]" = None) -> "list[ReloadEvent]": ...
        @overload
        def of_kind(self, kind: str, *, pid: "Optional[int]" = None) -> "list[AnyEvent]": ...

    def of_kind(self, kind: str, *, pid: "Optional[int]" = None) -> "list[Any]":  # typed by the overloads
        """The events of one kind ("search", "load", "hit" or "reload"), in order."""
        return [e for e in self._of(pid) if e.kind == kind]

    def loaded(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        """Modules that were loaded (created and executed) and stayed loaded, in load order.  Another
        name for a module (an alias in sys.modules, such as ``os.path``) is not a load of its own."""
        return _names(
            e
            for e in self._of(pid)
            if e.kind == "load" and e.error is None and e.alias is None and matches(e.name, pattern)
        )

    def searched(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        """Modules some finder was asked for, found or not, in order."""
        return _names(e for e in self._of(pid) if e.kind == "search" and matches(e.name, pattern))

    def hit(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        """Modules served from sys.modules (the cache) at least once, in order."""
        return _names(e for e in self._of(pid) if e.kind == "hit" and matches(e.name, pattern))

    def reloaded(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        return _names(e for e in self._of(pid) if e.kind == "reload" and matches(e.name, pattern))

    def requested(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        """Every module something asked for: searched, loaded or hit."""
        return _names(e for e in self._of(pid) if e.kind in ("search", "load", "hit") and matches(e.name, pattern))

    def failed(self, *, pid: "Optional[int]" = None) -> "list[AnyEvent]":
        """Searches that found nothing and loads or reloads whose code raised."""
        return [e for e in self._of(pid) if e.failed]

    def cycles(self, *, pid: "Optional[int]" = None) -> "list[tuple[HitEvent, str]]":
        """Circular imports, one per place: (the hit that closed the loop, the module that was still
        initialising).  A hit on a partially initialised module is one, and so is ``from pkg import a``
        run while ``pkg.a`` itself is still loading; but ``from pkg import sub`` while pkg's __init__
        runs is how packages import their parts (json, asyncio), not a cycle."""
        pids = self.pids()
        if pid is not None or len(pids) > 1:  # each process against its own preloaded modules
            return [c for p in ([pid] if pid is not None else pids) for c in self.for_process(p).cycles()]
        found: "list[tuple[HitEvent, str]]" = []
        places: "set[tuple[Optional[str], str]]" = set()
        known: "Optional[set[str]]" = None
        loading_in: "dict[Optional[int], set[str]]" = {}  # parent id -> names still loading there
        for e in self.events:
            if e.kind != "hit":
                continue
            target: "Optional[str]" = None
            if e.fromlist:
                loading = loading_in.get(e.parent)
                if loading is None:
                    loading = {a.name for a in self.ancestors(e) if a.kind in ("load", "reload")}
                    loading_in[e.parent] = loading
                for sub in e.fromlist:
                    name = "%s.%s" % (e.name, sub)
                    if name in loading and name != e.importer:
                        target = name
                        break
            if target is None and e.partial:
                if known is None:
                    known = {x.name for x in self.events if x.kind != "search" or x.found} | set(self.preloaded)
                submodules = (
                    bool(e.fromlist)
                    and "*" not in e.fromlist
                    and all("%s.%s" % (e.name, n) in known for n in e.fromlist)
                )
                if not submodules:
                    target = e.name
            if target is not None and (e.where, target) not in places:
                places.add((e.where, target))
                found.append((e, target))
        return found

    def ancestors(self, event: "Event") -> "list[AnyEvent]":
        """The events that event happened inside, outermost first."""
        chain: "list[AnyEvent]" = []
        seen = {event.id}
        node = self.parent(event)
        while node is not None and node.id not in seen:
            seen.add(node.id)
            chain.append(node)
            node = self.parent(node)
        chain.reverse()
        return chain

    def requests(self, name: str, *, pid: "Optional[int]" = None) -> "list[AnyEvent]":
        """Every event about module ``name``: each search, load, hit and reload, in order, and the
        hits of ``from pkg import sub`` that asked for it as ``sub`` (recorded as hits on ``pkg``)."""
        package, _, sub = name.rpartition(".")
        return [
            e for e in self._of(pid) if e.name == name or (e.name == package and e.kind == "hit" and sub in e.fromlist)
        ]

    def first_load(self, name: str, *, pid: "Optional[int]" = None) -> "Optional[LoadEvent]":
        for e in self._of(pid):
            if e.kind == "load" and e.name == name:
                return e
        return None

    def why(self, name: str, *, pid: "Optional[int]" = None) -> "list[AnyEvent]":
        """The chain of loads that first brought ``name`` in, outermost first, ending with its own
        load; each event's ``importer`` and ``where`` say which statement asked.  Empty if never loaded."""
        event = self.first_load(name, pid=pid)
        return [] if event is None else [*self.ancestors(event), event]

    def event(self, id: int) -> "Optional[AnyEvent]":
        return self._ids().get(id)

    def parent(self, event: "Event") -> "Optional[AnyEvent]":
        return self._ids().get(event.parent) if event.parent is not None else None

    def _ids(self) -> "dict[int, AnyEvent]":
        if self._by_id is None:
            self._by_id = {e.id: e for e in self.events}
        return self._by_id

    def children(self, event: "Optional[Event]") -> "list[AnyEvent]":
        """Events that happened directly inside ``event`` (inside nothing, for None)."""
        if self._children is None:
            kids: "dict[int, list[AnyEvent]]" = {}
            ids = self._ids()
            for e in self.events:
                key = e.parent if e.parent in ids else 0
                kids.setdefault(key or 0, []).append(e)
            self._children = kids
        return list(self._children.get(event.id if event is not None else 0, []))

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> "Iterator[AnyEvent]":
        return iter(self.events)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Trace) and self.to_dicts() == other.to_dicts()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        counts = {k: 0 for k in KINDS}
        for e in self.events:
            counts[e.kind] = counts.get(e.kind, 0) + 1
        return "<Trace {}>".format(", ".join("%d %ss" % (n, k) for k, n in counts.items()))


def _names(events: "Iterable[Event]") -> "list[str]":
    seen: "dict[str, None]" = {}
    for e in events:
        seen.setdefault(e.name, None)
    return list(seen)
