"""The finished trace: events as plain data, the queries people ask of them, and the trace file.

PYTEST_DONT_REWRITE

Nothing here touches the import system.  Module-level imports are limited to what the interpreter
has at start-up, because `importtrace.stop()` builds a Trace while an outer trace may still record.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Iterator
    from typing import Any, Optional, Union

FORMAT = "importtrace"
VERSION = 1
KINDS = ("search", "load", "hit", "reload")

COMMON_FIELDS = ("id", "kind", "name", "start", "duration", "thread", "parent", "importer", "where")
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
        "namespace",
        "lazy",
        "unfinished",
        "bytecode",
        "error",
    ),
    "hit": ("fromlist", "level", "count", "via", "partial", "waited", "missing"),
    "reload": ("added", "removed", "rebound", "unchanged", "stale", "search", "error"),
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


class TraceError(Exception):
    """Misuse of the tracing API, such as a second start() without stop()."""


class TraceFileError(TraceError):
    """A trace file that cannot be read: names the file and the line."""


class Event:
    """One thing the import system did: a ``search``, ``load``, cache ``hit`` or ``reload``.

    Times are nanoseconds from the start of the trace.  Fields that do not apply to the
    event's kind are None (see ``KIND_FIELDS`` and docs/trace-format.md).
    """

    __slots__ = _ALL_FIELDS

    id: int
    kind: str
    name: str
    start: int
    duration: "Optional[int]"
    thread: int
    parent: "Optional[int]"
    importer: "Optional[str]"
    where: "Optional[str]"
    # search
    reason: "Optional[str]"
    finder: "Optional[str]"
    found: "Optional[bool]"
    origin: "Optional[str]"
    loader: "Optional[str]"
    package: "Optional[bool]"
    namespace: bool
    path: "Optional[list[str]]"
    ahead: "Optional[list[str]]"
    shadows: "Optional[list[str]]"
    error: "Optional[dict[str, str]]"
    # load
    module_type: "Optional[str]"
    self_duration: "Optional[int]"
    search: "Optional[int]"
    replaced: bool
    observed: bool
    lazy: bool
    unfinished: bool
    # hit
    fromlist: "list[str]"
    level: int
    count: int
    via: "Optional[str]"
    partial: bool
    waited: bool
    missing: "Optional[list[str]]"
    bytecode: "Optional[str]"
    # reload
    added: "list[str]"
    removed: "list[str]"
    rebound: "list[str]"
    unchanged: "list[str]"
    stale: "list[str]"

    def __init__(self, **fields: "Any") -> None:
        for name in _ALL_FIELDS:
            default = _DEFAULTS.get(name)
            setattr(self, name, fields.pop(name, list(default) if isinstance(default, list) else default))
        if fields:
            raise TypeError("unknown event fields: {}".format(", ".join(sorted(fields))))

    @property
    def end(self) -> "Optional[int]":
        """When the event finished (None while it was still in flight)."""
        return None if self.duration is None else self.start + self.duration

    @property
    def failed(self) -> bool:
        """A search that found nothing, or a load or reload whose code raised."""
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


class Trace:
    """What a traced block did to the import system: ``events`` in the order they began,
    ``header`` with the run's context, and queries over both."""

    def __init__(self, events: "Iterable[Event]", header: "Optional[dict[str, Any]]" = None) -> None:
        self.events: "list[Event]" = list(events)
        self.header: "dict[str, Any]" = dict(header or {})
        self.header.setdefault("format", FORMAT)
        self.header.setdefault("version", VERSION)
        self._by_id: "dict[int, Event]" = {e.id: e for e in self.events}
        self._children: "Optional[dict[int, list[Event]]]" = None
        _fill_self_durations(self.events, self._by_id)

    # --- construction and files ------------------------------------------------------------

    @classmethod
    def from_dicts(cls, header: "dict[str, Any]", events: "Iterable[dict[str, Any]]") -> "Trace":
        """Build a trace from its serialised form (what save() writes, one dict per event)."""
        return cls((_event_from_dict(d) for d in events), header)

    def to_dicts(self) -> "tuple[dict[str, Any], list[dict[str, Any]]]":
        return dict(self.header), [e.to_dict() for e in self.events]

    def save(self, path: "Union[str, os.PathLike[str]]") -> None:
        """Write the trace as JSON Lines: the header object, one event per line, an end record."""
        from ._tracefile import write

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
    def preloaded(self) -> "list[str]":
        """Modules already in sys.modules when the trace started (imports of these are hits)."""
        return list(self.header.get("preloaded") or [])

    # --- queries --------------------------------------------------------------------------

    def of_kind(self, kind: str) -> "list[Event]":
        return [e for e in self.events if e.kind == kind]

    def loaded(self, pattern: "Optional[str]" = None) -> "list[str]":
        """Modules that were loaded (created and executed) and stayed loaded, in load order."""
        return _names(e for e in self.events if e.kind == "load" and e.error is None and _matches(e.name, pattern))

    def searched(self, pattern: "Optional[str]" = None) -> "list[str]":
        """Modules some finder was asked for, found or not, in order."""
        return _names(e for e in self.events if e.kind == "search" and _matches(e.name, pattern))

    def hit(self, pattern: "Optional[str]" = None) -> "list[str]":
        """Modules served from sys.modules (the cache) at least once, in order."""
        return _names(e for e in self.events if e.kind == "hit" and _matches(e.name, pattern))

    def reloaded(self, pattern: "Optional[str]" = None) -> "list[str]":
        return _names(e for e in self.events if e.kind == "reload" and _matches(e.name, pattern))

    def requested(self, pattern: "Optional[str]" = None) -> "list[str]":
        """Every module something asked for: searched, loaded or hit."""
        return _names(e for e in self.events if e.kind in ("search", "load", "hit") and _matches(e.name, pattern))

    def failed(self) -> "list[Event]":
        """Searches that found nothing and loads or reloads whose code raised."""
        return [e for e in self.events if e.failed]

    def cycles(self) -> "list[tuple[Event, str]]":
        """Circular imports, one per place: (the hit that closed the loop, the module that was still
        initialising).  A hit on a partially initialised module is one, and so is ``from pkg import a``
        run while ``pkg.a`` itself is still loading; but ``from pkg import sub`` while pkg's __init__
        runs is how packages import their parts (json, asyncio), not a cycle."""
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

    def requests(self, name: str) -> "list[Event]":
        """Every event about module ``name``: each search, load, hit and reload, in order, and the
        hits of ``from pkg import sub`` that asked for it as ``sub`` (recorded as hits on ``pkg``)."""
        package, _, sub = name.rpartition(".")
        return [
            e for e in self.events if e.name == name or (e.name == package and e.kind == "hit" and sub in e.fromlist)
        ]

    def first_load(self, name: str) -> "Optional[Event]":
        for e in self.events:
            if e.kind == "load" and e.name == name:
                return e
        return None

    def why(self, name: str) -> "list[Event]":
        """The chain of loads that first brought ``name`` in, outermost first, ending with its own
        load; each event's ``importer`` and ``where`` say which statement asked.  Empty if never loaded."""
        event = self.first_load(name)
        return [] if event is None else [*self.ancestors(event), event]

    def event(self, id: int) -> "Optional[Event]":
        return self._by_id.get(id)

    def parent(self, event: "Event") -> "Optional[Event]":
        return self._by_id.get(event.parent) if event.parent is not None else None

    def children(self, event: "Optional[Event]") -> "list[Event]":
        """Events that happened directly inside ``event`` (inside nothing, for None)."""
        if self._children is None:
            kids: "dict[int, list[Event]]" = {}
            for e in self.events:
                key = e.parent if e.parent in self._by_id else 0
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


def _matches(name: str, pattern: "Optional[str]") -> bool:
    """Glob match on module names; a plain name also matches its submodules ('json' ~ 'json.decoder')."""
    if pattern is None:
        return True
    if not any(c in pattern for c in "*?["):
        return name == pattern or name.startswith(pattern + ".")
    from fnmatch import fnmatchcase

    return fnmatchcase(name, pattern)


def _fill_self_durations(events: "list[Event]", by_id: "dict[int, Event]") -> None:
    """Self time of loads and reloads: their duration minus their nested searches, loads and reloads.
    A value already present is kept: a filtered trace keeps the self time of the full one."""
    nested: "dict[int, int]" = {}
    for e in events:
        if e.kind in ("search", "load", "reload") and e.parent is not None and e.duration is not None:
            nested[e.parent] = nested.get(e.parent, 0) + e.duration
    for e in events:
        if e.kind in ("load", "reload") and e.self_duration is None and e.duration is not None:
            e.self_duration = max(0, e.duration - nested.get(e.id, 0))


_INT_FIELDS = ("id", "start", "thread")
_OPTIONAL_INT = ("duration", "parent", "search", "self_duration", "level", "count")
_OPTIONAL_STR = ("importer", "where", "reason", "finder", "origin", "loader", "module_type", "via", "bytecode")
_OPTIONAL_BOOL = ("found", "package", "namespace", "replaced", "observed", "lazy", "unfinished", "partial", "waited")
_STR_LISTS = ("fromlist", "added", "removed", "rebound", "unchanged", "stale", "path", "ahead", "shadows", "missing")
_EXPECTED = {
    **{f: ("int", "an integer or null") for f in _OPTIONAL_INT},
    **{f: ("str", "a string or null") for f in _OPTIONAL_STR},
    **{f: ("bool", "true, false or null") for f in _OPTIONAL_BOOL},
}


def _make_loader(kind: str) -> "Any":
    """A function that checks a serialised event of ``kind`` and builds it: straight-line code (as
    dataclasses generate), since loading a 100,000-event trace calls it 100,000 times."""
    relevant = COMMON_FIELDS + KIND_FIELDS[kind]
    lines = ["def load(d):", "    e = _new(Event)"]
    for name in _ALL_FIELDS:
        default = _DEFAULTS.get(name)
        literal = "[]" if isinstance(default, list) else repr(default)
        if name not in relevant:
            lines.append("    e.%s = %s" % (name, literal))
            continue
        lines.append("    v = d.get(%r)" % name)
        if name == "name":
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
            check = "type(v) is not list or (v and not all(type(x) is str for x in v))"
            lines.append("    if v is not None and (%s):" % check)
            lines.append("        raise ValueError(%r)" % ("field %r must be a list of strings" % name))
        value = "v" if default is None else "%s if v is None else v" % literal
        lines.append("    e.%s = %s" % (name, value))
    lines.append("    return e")
    namespace: "dict[str, Any]" = {"_new": object.__new__, "Event": Event}
    exec("\n".join(lines), namespace)
    return namespace["load"]


_LOADERS: "dict[Any, Any]" = {}  # made on first use: recording never needs them, and making them costs ms


def _event_from_dict(d: "dict[str, Any]") -> "Event":
    """Check one serialised event and build it; ValueError says what is wrong."""
    if type(d) is not dict:
        raise ValueError("an event must be a JSON object")
    kind = d.get("kind")
    load = _LOADERS.get(kind) if type(kind) is str else None
    if load is None:
        if kind not in KIND_FIELDS:
            raise ValueError(f"unknown event kind {kind!r}")
        load = _LOADERS[kind] = _make_loader(kind)
    return load(d)  # type: ignore[no-any-return]


def _is_int(value: "Any") -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
