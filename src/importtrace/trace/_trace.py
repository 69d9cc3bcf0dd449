"""The finished trace: events as plain data, the queries people ask of them, and the trace file.

PYTEST_DONT_REWRITE

Nothing here touches the import system.  Module-level imports are limited to what the interpreter
has at start-up, because `importtrace.stop()` builds a Trace while an outer trace may still record.
"""

from ._glob import matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any, Callable, Optional, Union

FORMAT = "importtrace"
VERSION = 2  # 2: events carry their process's pid, the header lists the processes (1 is still read)
KINDS = ("search", "load", "hit", "reload")

COMMON_FIELDS = ("id", "kind", "name", "start", "duration", "pid", "thread", "parent", "importer", "where")
KIND_FIELDS = {
    "search": (
        "reason",
        "finder",
        "found",
        "origin",
        "loader",
        "package",
        "namespace",
        "path",
        "ahead",
        "shadows",
        "sys_path",
        "namespace_path",
        "statement",
        "error",
    ),
    "load": (
        "origin",
        "loader",
        "module_type",
        "self_duration",
        "search",
        "replaced",
        "observed",
        "alias",
        "namespace",
        "lazy",
        "unfinished",
        "bytecode",
        "pyc",
        "pyc_check",
        "source_newer",
        "pyc_write",
        "star",
        "star_all",
        "star_skipped",
        "error",
    ),
    "hit": (
        "fromlist",
        "level",
        "count",
        "via",
        "partial",
        "waited",
        "missing",
        "statement",
        "star",
        "star_all",
        "star_skipped",
        "error",
    ),
    "reload": (
        "added",
        "removed",
        "rebound",
        "unchanged",
        "stale",
        "search",
        "bytecode",
        "pyc",
        "pyc_check",
        "source_newer",
        "pyc_write",
        "error",
    ),
}
_ALL_FIELDS = COMMON_FIELDS + tuple(sorted({f for fs in KIND_FIELDS.values() for f in fs}))
_DEFAULTS: "dict[str, Any]" = {
    "found": None,
    "package": None,
    "namespace": False,
    "replaced": False,
    "observed": True,
    "lazy": False,
    "unfinished": False,
    "fromlist": [],
    "level": 0,
    "count": 1,
    "partial": False,
    "waited": False,
    "added": [],
    "removed": [],
    "rebound": [],
    "unchanged": [],
    "stale": [],
}


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


class TraceError(Exception):
    """Misuse of the tracing API, such as a second start() without stop()."""


class TraceFileError(TraceError):
    """A trace file that cannot be read: names the file and the line."""


class Event:
    """One thing the import system did: a ``search``, ``load``, cache ``hit`` or ``reload``.

    Times are nanoseconds from the start of the trace (of its main process, when the command line
    followed child processes; ``pid`` says which process an event happened in).  Each kind is its own
    class (``SearchEvent``, ``LoadEvent``, ``HitEvent``, ``ReloadEvent``); a field of another kind reads
    as its empty value (None, False, an empty list), so code may ask any event for any field (see
    ``KIND_FIELDS`` and docs/trace-format.md).
    """

    __slots__ = COMMON_FIELDS

    id: int
    kind: str
    name: str
    start: int
    duration: "Optional[int]"
    pid: "Optional[int]"  # the process it happened in (None in a version 1 trace file)
    thread: int
    parent: "Optional[int]"
    importer: "Optional[str]"
    where: "Optional[str]"
    # The fields of the kinds, as every event answers them (the kind's class holds real values).
    reason: "Optional[str]" = None
    finder: "Optional[str]" = None
    found: "Optional[bool]" = None
    origin: "Optional[str]" = None
    loader: "Optional[str]" = None
    package: "Optional[bool]" = None
    namespace: bool = False
    path: "Optional[list[str]]" = None
    ahead: "Optional[list[str]]" = None
    shadows: "Optional[list[str]]" = None
    sys_path: "Optional[list[str]]" = None
    namespace_path: "Optional[list[str]]" = None
    statement: "Optional[str]" = None
    error: "Optional[dict[str, str]]" = None
    module_type: "Optional[str]" = None
    self_duration: "Optional[int]" = None
    search: "Optional[int]" = None
    replaced: bool = False
    observed: bool = True
    alias: "Optional[str]" = None
    lazy: bool = False
    unfinished: bool = False
    bytecode: "Optional[str]" = None
    pyc: "Optional[str]" = None
    pyc_check: "Optional[str]" = None
    source_newer: "Optional[bool]" = None
    pyc_write: "Optional[str]" = None
    star: "Optional[list[str]]" = None
    star_all: "Optional[bool]" = None
    star_skipped: "Optional[list[str]]" = None
    fromlist: "Sequence[str]" = ()
    level: int = 0
    count: int = 1
    via: "Optional[str]" = None
    partial: bool = False
    waited: bool = False
    missing: "Optional[list[str]]" = None
    added: "Sequence[str]" = ()
    removed: "Sequence[str]" = ()
    rebound: "Sequence[str]" = ()
    unchanged: "Sequence[str]" = ()
    stale: "Sequence[str]" = ()

    def __new__(cls, **fields: "Any") -> "Event":
        if cls is Event:
            cls = _CLASSES.get(fields.get("kind"), Event)  # type: ignore[arg-type]
        return object.__new__(cls)

    def __init__(self, **fields: "Any") -> None:
        own = type(self).__slots__ if type(self) is not Event else ()
        for name in COMMON_FIELDS + own:
            default = _DEFAULTS.get(name)
            setattr(self, name, fields.pop(name, list(default) if isinstance(default, list) else default))
        unknown = [f for f, v in fields.items() if f not in _ALL_FIELDS or v != _empty(f)]
        if unknown:
            raise TypeError("unknown event fields: {}".format(", ".join(sorted(unknown))))

    @property
    def end(self) -> "Optional[int]":
        """When the event finished (None while it was still in flight)."""
        return None if self.duration is None else self.start + self.duration

    @property
    def failed(self) -> bool:
        """A search that found nothing, a load or reload whose code raised, a request sys.modules refused."""
        return self.error is not None or (self.kind == "search" and self.found is False)

    @property
    def file(self) -> "Optional[str]":
        """The file part of ``where``."""
        return self.where.rpartition(":")[0] if self.where else None

    @property
    def line(self) -> "Optional[int]":
        """The line part of ``where``."""
        if not self.where:
            return None
        tail = self.where.rpartition(":")[2]
        return int(tail) if tail.isdigit() else None

    def to_dict(self) -> "dict[str, Any]":
        """The event as one JSON-ready object: the common fields, then its kind's fields."""
        out = {name: getattr(self, name) for name in COMMON_FIELDS}
        for name in KIND_FIELDS.get(self.kind, ()):
            out[name] = getattr(self, name)
        return out

    def copy(self) -> "Event":
        """A shallow copy (to change a field of a filtered trace's event without changing the original)."""
        clone = object.__new__(type(self))
        for name in COMMON_FIELDS + type(self).__slots__:
            if name != "__weakref__":
                setattr(clone, name, getattr(self, name))
        return clone

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Event) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        extra = ""
        if self.kind == "hit" and self.count != 1:
            extra = " x%d" % self.count
        if self.failed:
            extra += " failed"
        return "<Event #%d %s %s%s>" % (self.id, self.kind, self.name, extra)


def _empty(field: str) -> "Any":
    """The value a field of another kind reads as (what Event(**fields) accepts for it, too)."""
    value = getattr(Event, field, None)
    return list(value) if isinstance(value, tuple) else value


class SearchEvent(Event):
    """A finder consultation for a module not in sys.modules."""

    __slots__ = KIND_FIELDS["search"]


class LoadEvent(Event):
    """Creating and executing a module (or a sys.modules entry that appeared without one)."""

    __slots__ = KIND_FIELDS["load"]


class HitEvent(Event):
    """A module served from sys.modules; ``count`` hits from the same call site."""

    __slots__ = KIND_FIELDS["hit"]


class ReloadEvent(Event):
    """importlib.reload of a module, with the names it added, removed and rebound."""

    __slots__ = (*KIND_FIELDS["reload"], "self_duration")  # self time: shown, not saved (derived)


_CLASSES: "dict[str, type[Event]]" = {
    "search": SearchEvent,
    "load": LoadEvent,
    "hit": HitEvent,
    "reload": ReloadEvent,
}


class Trace:
    """What a traced block did to the import system: ``events`` in the order they began,
    ``header`` with the run's context, and queries over both."""

    def __init__(self, events: "Iterable[Event]", header: "Optional[dict[str, Any]]" = None) -> None:
        self._events: "Optional[list[Event]]" = list(events)
        self.header: "dict[str, Any]" = dict(header or {})
        self.header.setdefault("format", FORMAT)
        self.header.setdefault("version", VERSION)
        self._t0 = 0
        self._raw: "Optional[list[tuple[Any, ...]]]" = None
        self._resolve: "Optional[Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]]" = None
        self._records: "Optional[list[tuple[Any, ...]]]" = None
        self._by_id: "Optional[dict[int, Event]]" = None
        self._children: "Optional[dict[int, list[Event]]]" = None
        self._segments: "Optional[list[tuple[int, int]]]" = None
        _fill_self_durations(self._events)

    # --- construction and files ------------------------------------------------------------

    @classmethod
    def _from_records(
        cls,
        header: "dict[str, Any]",
        records: "list[tuple[Any, ...]]",
        resolve: "Optional[Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]]" = None,
        segments: "Optional[list[tuple[int, int]]]" = None,
    ) -> "Trace":
        """A trace over records (the ``_layout`` form), which become Events on first use: raw ones (code
        objects in place of "file:line") are made portable by ``resolve`` first.  Costs next to nothing.
        ``segments``: (pid, number of records) of each process in turn, when records come from several
        (otherwise all are the header's ``pid``)."""
        trace = cls.__new__(cls)
        trace.header = header
        trace._t0 = header.pop("t0", 0)
        header.setdefault("format", FORMAT)
        header.setdefault("version", VERSION)
        trace._events = None
        trace._raw, trace._resolve, trace._records = (records, resolve, None) if resolve else (None, None, records)
        trace._by_id = trace._children = None
        trace._segments = segments
        return trace

    @property
    def events(self) -> "list[Event]":
        """Every event, in the order it began."""
        if self._events is None:
            records = self.records() or []
            events: "list[Event]" = []
            start = 0
            for pid, count in self.segments():
                events.extend(_build(records[start : start + count], self._t0, None, pid))
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
        from ._file import write

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

    def _of(self, pid: "Optional[int]") -> "list[Event]":
        return self.events if pid is None else [e for e in self.events if e.pid == pid]

    def of_kind(self, kind: str, *, pid: "Optional[int]" = None) -> "list[Event]":
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

    def failed(self, *, pid: "Optional[int]" = None) -> "list[Event]":
        """Searches that found nothing and loads or reloads whose code raised."""
        return [e for e in self._of(pid) if e.failed]

    def cycles(self, *, pid: "Optional[int]" = None) -> "list[tuple[Event, str]]":
        """Circular imports, one per place: (the hit that closed the loop, the module that was still
        initialising).  A hit on a partially initialised module is one, and so is ``from pkg import a``
        run while ``pkg.a`` itself is still loading; but ``from pkg import sub`` while pkg's __init__
        runs is how packages import their parts (json, asyncio), not a cycle."""
        pids = self.pids()
        if pid is not None or len(pids) > 1:  # each process against its own preloaded modules
            return [c for p in ([pid] if pid is not None else pids) for c in self.for_process(p).cycles()]
        found: "list[tuple[Event, str]]" = []
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

    def ancestors(self, event: "Event") -> "list[Event]":
        """The events that event happened inside, outermost first."""
        chain: "list[Event]" = []
        seen = {event.id}
        node = self.parent(event)
        while node is not None and node.id not in seen:
            seen.add(node.id)
            chain.append(node)
            node = self.parent(node)
        chain.reverse()
        return chain

    def requests(self, name: str, *, pid: "Optional[int]" = None) -> "list[Event]":
        """Every event about module ``name``: each search, load, hit and reload, in order, and the
        hits of ``from pkg import sub`` that asked for it as ``sub`` (recorded as hits on ``pkg``)."""
        package, _, sub = name.rpartition(".")
        return [
            e for e in self._of(pid) if e.name == name or (e.name == package and e.kind == "hit" and sub in e.fromlist)
        ]

    def first_load(self, name: str, *, pid: "Optional[int]" = None) -> "Optional[Event]":
        for e in self._of(pid):
            if e.kind == "load" and e.name == name:
                return e
        return None

    def why(self, name: str, *, pid: "Optional[int]" = None) -> "list[Event]":
        """The chain of loads that first brought ``name`` in, outermost first, ending with its own
        load; each event's ``importer`` and ``where`` say which statement asked.  Empty if never loaded."""
        event = self.first_load(name, pid=pid)
        return [] if event is None else [*self.ancestors(event), event]

    def event(self, id: int) -> "Optional[Event]":
        return self._ids().get(id)

    def parent(self, event: "Event") -> "Optional[Event]":
        return self._ids().get(event.parent) if event.parent is not None else None

    def _ids(self) -> "dict[int, Event]":
        if self._by_id is None:
            self._by_id = {e.id: e for e in self.events}
        return self._by_id

    def children(self, event: "Optional[Event]") -> "list[Event]":
        """Events that happened directly inside ``event`` (inside nothing, for None)."""
        if self._children is None:
            kids: "dict[int, list[Event]]" = {}
            ids = self._ids()
            for e in self.events:
                key = e.parent if e.parent in ids else 0
                kids.setdefault(key or 0, []).append(e)
            self._children = kids
        return list(self._children.get(event.id if event is not None else 0, []))

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> "Iterator[Event]":
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


def _fill_self_durations(events: "list[Event]") -> None:
    """Self time of loads and reloads: their duration minus their nested searches, loads and reloads.
    A value already present is kept: a filtered trace keeps the self time of the full one."""
    nested: "dict[int, int]" = {}
    for e in events:
        if e.kind != "hit" and e.parent is not None and e.duration is not None:
            nested[e.parent] = nested.get(e.parent, 0) + e.duration
    for e in events:
        if e.kind in ("load", "reload") and e.self_duration is None and e.duration is not None:
            e.self_duration = max(0, e.duration - nested.get(e.id, 0))


def _build(
    records: "Optional[list[tuple[Any, ...]]]",
    t0: int,
    asked: "Optional[dict[int, tuple[Any, Any]]]" = None,
    pid: "Optional[int]" = None,
) -> "list[Event]":
    """Events from portable records (see importtrace.record._layout), all of process ``pid``.  ``asked`` maps
    search ids to their (where, importer), which a load takes from its search: pass the same dict to
    build in pieces."""
    if not records:
        return []
    new = object.__new__
    out: "list[Event]" = []
    append = out.append
    if asked is None:
        asked = {}
    for r in records:
        kind = r[0]
        e = new(_CLASSES[kind])
        e.id, e.kind, e.parent, e.thread, e.name, e.importer = r[1], kind, r[2], r[3], r[6], r[9]
        e.where = None if r[7] is None else "%s:%d" % (r[7], r[8])
        e.start = r[4] - t0
        e.duration = None if r[5] is None else r[5] - r[4]
        e.pid = pid
        if kind == "hit":
            e.fromlist, e.level, e.via, e.partial, e.waited = list(r[10]), r[11], r[12], r[13], r[14]
            e.missing = None if r[15] is None else list(r[15])
            e.count, e.error = r[16], _error(r[17])
            _hit_details(e, r[18])
        elif kind == "search":
            e.reason, e.finder, e.found, e.origin, e.loader = r[10], r[12], r[13], r[14], r[15]
            e.path = None if r[11] is None else list(r[11])
            e.package, e.namespace, e.error = r[16], r[17], _error(r[18])
            e.ahead = None if r[19] is None else list(r[19])
            details = r[20] or {}
            e.shadows, e.sys_path = details.get("shadows"), _list(details.get("sys_path"))
            e.namespace_path, e.statement = _list(details.get("namespace_path")), details.get("statement")
            asked[e.id] = e.where, e.importer
        elif kind == "load":
            e.search, e.origin, e.loader, e.module_type = r[10], r[11], r[12], r[13]
            e.replaced, e.namespace, e.lazy, e.observed, e.error = r[14], r[15], r[16], r[17], _error(r[18])
            _load_details(e, r[19])
            e.alias = r[20]
            e.unfinished = r[5] is None and r[17]
            if e.search is not None and e.where is None and e.importer is None:
                e.where, e.importer = asked.get(e.search, (None, None))
            e.self_duration = None
        else:
            e.search, e.error = r[10], _error(r[11])
            e.added, e.removed, e.rebound, e.unchanged, e.stale = (list(x or ()) for x in r[12:17])
            _load_details(e, r[17])
            e.self_duration = None
        append(e)
    return out


def _load_details(e: "Event", details: "Optional[dict[str, Any]]") -> None:
    """A load's or reload's --explain facts (see record._policy.load_details and star_details)."""
    if not details:
        e.bytecode = e.pyc = e.pyc_check = e.source_newer = e.pyc_write = None
        if e.kind == "load":
            e.star = e.star_all = e.star_skipped = None
        return
    get = details.get
    e.bytecode, e.pyc, e.pyc_check, e.source_newer = get("bytecode"), get("pyc"), get("pyc_check"), get("source_newer")
    e.pyc_write = get("pyc_write")
    if e.kind == "load":
        e.star, e.star_all, e.star_skipped = _list(get("star")), get("star_all"), _list(get("star_skipped"))


def _hit_details(e: "Event", details: "Optional[dict[str, Any]]") -> None:
    get = (details or {}).get
    e.statement, e.star, e.star_all, e.star_skipped = (
        get("statement"),
        _list(get("star")),
        get("star_all"),
        _list(get("star_skipped")),
    )


def _error(error: "Optional[tuple[str, str]]") -> "Optional[dict[str, str]]":
    return None if error is None else {"type": error[0], "message": error[1]}


def _list(value: "Any") -> "Optional[list[str]]":
    return None if value is None else list(value)


_INT_FIELDS = ("id", "start", "thread")
_OPTIONAL_INT = ("duration", "pid", "parent", "search", "self_duration", "level", "count")
_OPTIONAL_STR = (
    "importer",
    "where",
    "reason",
    "finder",
    "origin",
    "loader",
    "module_type",
    "via",
    "bytecode",
    "alias",
    "statement",
    "pyc",
    "pyc_check",
    "pyc_write",
)
_OPTIONAL_BOOL = (
    "found",
    "package",
    "namespace",
    "replaced",
    "observed",
    "lazy",
    "unfinished",
    "partial",
    "waited",
    "source_newer",
    "star_all",
)
_STR_LISTS = (
    "fromlist",
    "added",
    "removed",
    "rebound",
    "unchanged",
    "stale",
    "path",
    "ahead",
    "shadows",
    "missing",
    "sys_path",
    "namespace_path",
    "star",
    "star_skipped",
)
_EXPECTED = {
    **{f: ("int", "an integer or null") for f in _OPTIONAL_INT},
    **{f: ("str", "a string or null") for f in _OPTIONAL_STR},
    **{f: ("bool", "true, false or null") for f in _OPTIONAL_BOOL},
}


def _make_loader(kind: str, check: bool) -> "Any":
    """A function that builds an event of ``kind`` from its serialised form, checking every field if
    ``check``: straight-line code (as dataclasses generate), since loading a 100,000-event trace calls
    it 100,000 times.  Files importtrace wrote itself are not checked again (see _file)."""
    lines = ["def load(d):", "    e = _new(cls)"]
    for name in COMMON_FIELDS + KIND_FIELDS[kind]:
        default = _DEFAULTS.get(name)
        literal = "[]" if isinstance(default, list) else repr(default)
        lines.append("    v = d.get(%r)" % name)
        if not check:
            pass
        elif name == "name":
            lines.append("    if type(v) is not str:")
            lines.append("        raise ValueError('event without a module name')")
        elif name in _INT_FIELDS:
            lines.append("    if type(v) is not int:")
            lines.append("        raise ValueError(%r)" % ("field %r must be an integer" % name))
        elif name == "error":
            lines.append("    if v is not None and not (type(v) is dict and all(type(x) is str for x in v.values())):")
            lines.append("        raise ValueError(\"field 'error' must be an object of strings or null\")")
        elif name in _EXPECTED:
            wanted, words = _EXPECTED[name]
            lines.append("    if v is not None and type(v) is not %s:" % wanted)
            lines.append("        raise ValueError(%r)" % ("field %r must be %s" % (name, words)))
        elif name in _STR_LISTS:
            check_list = "type(v) is not list or (v and not all(type(x) is str for x in v))"
            lines.append("    if v is not None and (%s):" % check_list)
            lines.append("        raise ValueError(%r)" % ("field %r must be a list of strings" % name))
        value = "v" if default is None else "%s if v is None else v" % literal
        lines.append("    e.%s = %s" % (name, value))
    for name in _CLASSES[kind].__slots__:
        if name not in KIND_FIELDS[kind]:
            lines.append("    e.%s = None" % name)  # derived later (a reload's self time)
    lines.append("    return e")
    namespace: "dict[str, Any]" = {"_new": object.__new__, "cls": _CLASSES[kind]}
    exec("\n".join(lines), namespace)
    return namespace["load"]


_LOADERS: "dict[Any, Any]" = {}  # made on first use: recording never needs them, and making them costs ms


def _event_from_dict(d: "dict[str, Any]", check: bool = True) -> "Event":
    """Build one serialised event, checking it unless ``check`` is False; ValueError says what is wrong."""
    if type(d) is not dict:
        raise ValueError("an event must be a JSON object")
    kind = d.get("kind")
    load = _LOADERS.get((kind, check)) if type(kind) is str else None
    if load is None:
        if kind not in KIND_FIELDS:
            raise ValueError(f"unknown event kind {kind!r}")
        load = _LOADERS[kind, check] = _make_loader(kind, check)
    return load(d)  # type: ignore[no-any-return]


def _is_int(value: "Any") -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
