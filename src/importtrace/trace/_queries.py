"""The Trace's queries on the objects that hold a trace (a Recording, the pytest fixture), declared
one by one so that type checkers see them: each asks ``self.trace``, the holder's current Trace.

Imports only what the interpreter has at start-up: the recorder's Recording is built on it.
"""

from ._trace import Trace

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from typing import Any, Literal, Optional, Union, overload

    from ._anyevent import AnyEvent
    from ._event import Event, HitEvent, LoadEvent, ReloadEvent, SearchEvent


class TraceQueries:
    """Trace queries forwarded to ``self.trace`` (which a subclass defines)."""

    __slots__ = ()

    @property
    def trace(self) -> Trace:
        raise NotImplementedError

    @property
    def events(self) -> "list[AnyEvent]":
        return self.trace.events

    @property
    def header(self) -> "dict[str, Any]":
        return self.trace.header

    @property
    def duration(self) -> int:
        return self.trace.duration

    @property
    def notes(self) -> "list[dict[str, Any]]":
        return self.trace.notes

    @property
    def preloaded(self) -> "list[str]":
        return self.trace.preloaded

    @property
    def processes(self) -> "list[dict[str, Any]]":
        return self.trace.processes

    @property
    def pid(self) -> "Optional[int]":
        return self.trace.pid

    def loaded(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        return self.trace.loaded(pattern, pid=pid)

    def searched(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        return self.trace.searched(pattern, pid=pid)

    def hit(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        return self.trace.hit(pattern, pid=pid)

    def requested(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        return self.trace.requested(pattern, pid=pid)

    def reloaded(self, pattern: "Optional[str]" = None, *, pid: "Optional[int]" = None) -> "list[str]":
        return self.trace.reloaded(pattern, pid=pid)

    def requests(self, name: str, *, pid: "Optional[int]" = None) -> "list[AnyEvent]":
        return self.trace.requests(name, pid=pid)

    def why(self, name: str, *, pid: "Optional[int]" = None) -> "list[AnyEvent]":
        return self.trace.why(name, pid=pid)

    def first_load(self, name: str, *, pid: "Optional[int]" = None) -> "Optional[LoadEvent]":
        return self.trace.first_load(name, pid=pid)

    def cycles(self, *, pid: "Optional[int]" = None) -> "list[tuple[HitEvent, str]]":
        return self.trace.cycles(pid=pid)

    def failed(self, *, pid: "Optional[int]" = None) -> "list[AnyEvent]":
        return self.trace.failed(pid=pid)

    if TYPE_CHECKING:

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
        return self.trace.of_kind(kind, pid=pid)

    def pids(self) -> "list[int]":
        return self.trace.pids()

    def for_process(self, pid: int) -> Trace:
        return self.trace.for_process(pid)

    def event(self, id: int) -> "Optional[AnyEvent]":
        return self.trace.event(id)

    def parent(self, event: "Event") -> "Optional[AnyEvent]":
        return self.trace.parent(event)

    def children(self, event: "Optional[Event]") -> "list[AnyEvent]":
        return self.trace.children(event)

    def ancestors(self, event: "Event") -> "list[AnyEvent]":
        return self.trace.ancestors(event)

    def save(self, path: "Union[str, os.PathLike[str]]") -> None:
        self.trace.save(path)
