"""Where a traced process's trace goes, as it records: the --stream file (JSON Lines, event by event),
a followed child process's record in the run's session directory, and the program's hand-over file.

PYTEST_DONT_REWRITE

A recording module: it imports only what the interpreter has loaded at start-up.
"""

import marshal
import sys

from ..record import Lines, backend, began, portable_one
from ..trace._build import build
from ..trace._event import VERSION
from ..trace._jsonenc import dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..record import Recording

_external = sys.modules["_frozen_importlib_external"]
_os = _external._os  # posix or nt: `os` itself is not loaded under python -S


def write(path: str, data: "Any") -> None:
    """The program's hand-over: its trace as one marshal object, for the command line to read."""
    with open(path, "wb") as f:
        marshal.dump(data, f)


# --- streaming: events as JSON Lines as they happen ---------------------------------------------


class Stream:
    """Writes each event as it ends, unbuffered, and a short line when a load or reload begins, so that
    os._exit or a crash loses at most the events in flight; a forked child stops writing."""

    def __init__(self, path: str) -> None:
        self.fd = _os.open(path, _os.O_WRONLY | _os.O_CREAT | _os.O_TRUNC, 0o644)
        self.t0 = 0  # the clock reading of the recording's start, which times count from
        self.lines = Lines()
        self.written: "dict[int, int]" = {}  # event id -> hit count written (1 for other kinds)
        self.asked: "dict[int, tuple[Any, Any]]" = {}  # search id -> (where, importer), for its load

    def begin(self, recording: "Recording") -> None:
        header = {
            "format": "importtrace",
            "version": VERSION,
            "stream": True,
            "python": "%d.%d.%d" % sys.version_info[:3],
            "argv": list(sys.argv),
        }
        self._line(header)
        self.t0 = began(recording)[0]
        backend.set_sink(self.event)

    def event(self, record: "tuple[Any, ...]", began: bool) -> None:
        """The sink: a record that began (loads and reloads: a short line) or ended (the whole event)."""
        t0 = self.t0
        kind, eid = record[0], record[1]
        if began:
            if kind in ("load", "reload"):
                self._line(
                    {
                        "id": eid,
                        "kind": kind,
                        "name": record[6],
                        "start": record[4] - t0,
                        "duration": None,
                        "thread": record[3],
                        "parent": record[2],
                    }
                )
            return
        portable = portable_one(record, self.lines)
        self._line(build([portable], t0, self.asked, _os.getpid())[0].to_dict())
        self.written[eid] = 1

    def end(self, header: "dict[str, Any]", records: "list[tuple[Any, ...]]") -> None:
        """The events not written yet (modules that appeared without a load, hit counts that grew after
        their first hit) and the end record with the header known only now."""
        backend.set_sink(None)
        t0 = header.get("t0", 0)
        for event in build(records, t0, self.asked, _os.getpid()):
            if event.id not in self.written:
                self._line(event.to_dict())
            elif event.kind == "hit" and event.count != 1:
                self._line({"id": event.id, "kind": "hit", "count": event.count})
        header = {k: v for k, v in header.items() if k not in ("format", "t0")}
        self._line({"end": True, "events": len(records), "header": header})
        self.close()

    def _line(self, obj: "dict[str, Any]") -> None:
        if self.fd >= 0:
            _os.write(self.fd, (dumps(obj) + "\n").encode("ascii"))

    def close(self) -> None:
        if self.fd >= 0:
            backend.set_sink(None)
            self.close_fd()

    def close_fd(self) -> None:
        """Stop writing (in a forked child too, whose events are not the program's process's)."""
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            _os.close(fd)


# --- a followed child process's record ----------------------------------------------------------------


class ProcessFile:
    """A child process's record in the session directory, a sequence of marshal objects: ("process",
    info) first, then each event's record as it ends (a load or reload also as it begins), appended by
    the recorder itself (see record/_crecord/stream.c), so that a child killed by a signal loses at most
    the events in flight; at its end ("end", header, records), the whole trace.  The command line leaves
    out a forked child that recorded nothing and has no end record (one that ran exec at once)."""

    def __init__(self, directory: str, info: "dict[str, Any]") -> None:
        self.path = "%s%s%d-%d.process" % (directory, _external.path_sep, info["pid"], info["t0"])
        self.fd = -1
        try:
            self.fd = _os.open(self.path, _os.O_RDWR | _os.O_CREAT | _os.O_EXCL, 0o600)
            self._put(("process", info))
            backend.stream_to(self.fd)
        except OSError:  # the command line has gone (and its directory with it): write nothing
            self.close_fd()

    def end(self, header: "dict[str, Any]", records: "list[tuple[Any, ...]]", final: bool = True) -> None:
        """Write the end record (the file cut to the records streamed so far first); not final: a snapshot
        before an exec, after which the stream goes on should the exec fail."""
        if self.fd < 0:
            return
        backend.stream_to(None)
        self._put(("end", header, records))
        if final:
            self.close_fd()
        elif self.fd >= 0:
            backend.stream_to(self.fd)

    def _put(self, obj: "Any") -> None:
        try:
            data = marshal.dumps(obj)
        except ValueError:  # an object that is not plain data: left out, the rest stays readable
            return
        try:
            _os.lseek(self.fd, 0, 2)  # after what the recorder streamed (not O_APPEND: see stream.c)
            while data:
                data = data[_os.write(self.fd, data) :]
        except OSError:
            self.close_fd()

    def close_fd(self) -> None:
        """Stop writing (the file cut to what was written) and close it."""
        if self.fd >= 0:
            backend.stream_to(None)
            self.forget()

    def forget(self) -> None:
        """In a forked child: the parent's file is not the child's to write, nor to cut."""
        if self.fd >= 0:
            backend.stream_to(-1)
            fd, self.fd = self.fd, -1
            try:
                _os.close(fd)
            except OSError:
                pass
