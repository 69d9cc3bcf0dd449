"""A trace's events: the fields of each kind (search, load, hit, reload), as one class per kind over a
shared core, and the errors a trace raises.

PYTEST_DONT_REWRITE

Module-level imports are limited to what the interpreter has at start-up (see ``_trace``).
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Literal, Optional, TypeVar

    _E = TypeVar("_E", bound="Event")

FORMAT = "importtrace"
VERSION = 3  # 3: notes keep named fields, not a message; 2: events carry their pid, the header lists the processes
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


class TraceError(Exception):
    """Misuse of the tracing API, such as a second start() without stop()."""


class TraceFileError(TraceError):
    """A trace file that cannot be read: names the file and the line."""


class Event:
    """One thing the import system did: a ``search``, ``load``, cache ``hit`` or ``reload``.

    Times are nanoseconds from the start of the trace (of its main process, when the command line
    followed child processes; ``pid`` says which process an event happened in).  Each kind is its own
    class (``SearchEvent``, ``LoadEvent``, ``HitEvent``, ``ReloadEvent``); at run time a field of another
    kind reads as its empty value (None, False, an empty list), so code may ask any event for any field
    (see ``KIND_FIELDS`` and docs/trace-format.md).  Type checkers see only the fields below (common to
    every kind) on Event, and each kind's own on its class: a trace's events are ``AnyEvent`` (the union
    of the four), narrowed by ``if e.kind == "load":`` or ``isinstance(e, LoadEvent)``.
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
    error: "Optional[dict[str, str]]"  # every kind has it

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
        return self.error is not None or (isinstance(self, SearchEvent) and self.found is False)

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

    def copy(self: "_E") -> "_E":
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
        if isinstance(self, HitEvent) and self.count != 1:
            extra = " x%d" % self.count
        if self.failed:
            extra += " failed"
        return "<Event #%d %s %s%s>" % (self.id, self.kind, self.name, extra)


# A field of another kind reads as its empty value at runtime: class attributes of Event, outside its
# annotations, so that type checkers see each field on its kind's class only (a slot there shadows it).
for _field in _ALL_FIELDS[len(COMMON_FIELDS) :]:
    _value = _DEFAULTS.get(_field)
    setattr(Event, _field, tuple(_value) if isinstance(_value, list) else _value)


def _empty(field: str) -> "Any":
    """The value a field of another kind reads as (what Event(**fields) accepts for it, too)."""
    value = getattr(Event, field, None)
    return list(value) if isinstance(value, tuple) else value


class SearchEvent(Event):
    """A finder consultation for a module not in sys.modules."""

    __slots__ = KIND_FIELDS["search"]

    kind: "Literal['search']"
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
    sys_path: "Optional[list[str]]"
    namespace_path: "Optional[list[str]]"
    statement: "Optional[str]"


class LoadEvent(Event):
    """Creating and executing a module (or a sys.modules entry that appeared without one)."""

    __slots__ = KIND_FIELDS["load"]

    kind: "Literal['load']"
    origin: "Optional[str]"
    loader: "Optional[str]"
    module_type: "Optional[str]"
    self_duration: "Optional[int]"
    search: "Optional[int]"
    replaced: bool
    observed: bool
    alias: "Optional[str]"
    namespace: bool
    lazy: bool
    unfinished: bool
    bytecode: "Optional[str]"
    pyc: "Optional[str]"
    pyc_check: "Optional[str]"
    source_newer: "Optional[bool]"
    pyc_write: "Optional[str]"
    star: "Optional[list[str]]"
    star_all: "Optional[bool]"
    star_skipped: "Optional[list[str]]"


class HitEvent(Event):
    """A module served from sys.modules; ``count`` hits from the same call site."""

    __slots__ = KIND_FIELDS["hit"]

    kind: "Literal['hit']"
    fromlist: "Sequence[str]"
    level: int
    count: int
    via: "Optional[str]"
    partial: bool
    waited: bool
    missing: "Optional[list[str]]"
    statement: "Optional[str]"
    star: "Optional[list[str]]"
    star_all: "Optional[bool]"
    star_skipped: "Optional[list[str]]"


class ReloadEvent(Event):
    """importlib.reload of a module, with the names it added, removed and rebound."""

    __slots__ = (*KIND_FIELDS["reload"], "self_duration")  # self time: shown, not saved (derived)

    kind: "Literal['reload']"
    added: "Sequence[str]"
    removed: "Sequence[str]"
    rebound: "Sequence[str]"
    unchanged: "Sequence[str]"
    stale: "Sequence[str]"
    search: "Optional[int]"
    bytecode: "Optional[str]"
    pyc: "Optional[str]"
    pyc_check: "Optional[str]"
    source_newer: "Optional[bool]"
    pyc_write: "Optional[str]"
    self_duration: "Optional[int]"


_CLASSES: "dict[str, type[Event]]" = {
    "search": SearchEvent,
    "load": LoadEvent,
    "hit": HitEvent,
    "reload": ReloadEvent,
}
