"""Recordings: start and stop, nesting, and the Trace a stopped recording answers with.

PYTEST_DONT_REWRITE

Like the hooks, this module imports only what the interpreter has at start-up: a recording
starts before the program imports anything, and stop() may run while an outer trace records.
stop() does next to nothing: the Trace it returns keeps the raw records and derives everything
(line numbers, nesting, self time) on its first query.
"""

import _thread
import sys
import time

from ..trace._event import VERSION, TraceError
from ..trace._queries import TraceQueries
from ..trace._trace import Trace
from . import _export, _install, _policy
from ._install import backend
from ._layout import ID, S_DETAILS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

    from ._backend import RawRecords

    Clock = Callable[[], int]
    Record = tuple[Any, ...]
    Note = tuple[int, str, tuple[str, ...]]  # (clock, code, data)

_os = sys.modules["_frozen_importlib_external"]._os  # posix or nt: `os` itself is not loaded under python -S
_lock = _thread.allocate_lock()
_sessions: "list[Recording]" = []  # the program's recordings, innermost last
_held: "list[Recording]" = []  # the command line's own recording: outside the program's reach
_global: "Optional[Recording]" = None
# What the interpreter is, read when the recorder is imported: a program (or a test of it) may patch
# sys.version_info or sys.implementation while a trace records, and the header must still be true.
_INTERPRETER = {
    "python": "%d.%d.%d" % sys.version_info[:3],
    "implementation": sys.implementation.name,
    "platform": sys.platform,
    "executable": sys.executable,
}


class Recording(TraceQueries):
    """A trace being recorded.  Use it as a context manager (``with importtrace.trace() as t``) or
    call start() and stop(); once stopped, ``t.trace`` is the Trace and ``t`` answers its queries."""

    def __init__(self, clock: "Optional[Clock]" = None, explain: bool = False) -> None:
        self._clock = clock
        self._explain = explain
        self._trace: "Optional[Trace]" = None
        self._started = False
        self._index = 0
        self._notes_index = 0
        self._t0 = 0
        self._wall = 0.0
        self._modules: "set[str]" = set()
        self._path: "list[str]" = []

    def start(self) -> "Recording":
        """Begin recording; traces nest, and each keeps the events of its own window."""
        return self._start(_sessions)

    def _start(self, owner: "list[Recording]") -> "Recording":
        with _lock:
            if self._started:
                raise TraceError("this recording was already started; make a new one with importtrace.trace()")
            if _sessions or _held:
                if self._clock is not None:
                    outer = "importtrace's command line records this program" if _held else "one is already recording"
                    raise TraceError("only the outermost trace can set the clock (%s)" % outer)
            else:
                _install.install(self._clock)
            if self._explain:
                backend.set_details(True)
            self._started = True
            self._begin()
            owner.append(self)
        return self

    def _begin(self) -> None:
        """Open the window: the records from here on, the modules already loaded, the clock's start."""
        backend.new_window()
        self._index = backend.position()
        self._notes_index = len(backend.notes())
        self._modules = set(sys.modules)
        self._path = as_texts(sys.path)
        backend.thread_number(_thread.get_ident())  # the thread that starts a trace comes first
        self._wall = time.time()
        self._t0 = backend.clock()

    def stop(self) -> Trace:
        """Stop recording and return the Trace (again, if already stopped)."""
        if self._trace is None:
            header, records = self.stop_raw()
            self._trace = Trace.from_records(header, records, resolve=portable_records)
        return self._trace

    def peek_raw(self) -> "tuple[dict[str, Any], RawRecords]":
        """What stop_raw would return now, without stopping (a process about to be replaced by exec)."""
        with _lock:
            if self not in _held and self not in _sessions:
                raise TraceError("this recording is not running (never started, or already stopped)")
            t_end = backend.clock()
            notes = list(backend.notes()[self._notes_index :])
            _admit(notes, t_end)
            records = backend.take(self._index, backend.position(), False)
            threads = backend.thread_names()
            records.extend(self._unobserved(records, t_end))
        if self._explain:
            records = _with_shadows(records, self._path)
        return self._header(t_end, notes, threads), records

    def stop_raw(self) -> "tuple[dict[str, Any], RawRecords]":
        """Stop recording and return the header and the raw records, code objects and all."""
        with _lock:
            owner = _held if self in _held else _sessions
            if self not in owner:
                raise TraceError("this recording is not running (never started, or already stopped)")
            t_end = backend.clock()
            stop = backend.position()
            notes = list(backend.notes()[self._notes_index :])
            _admit(notes, t_end)
            owner.remove(self)
            last = not _sessions and not _held
            records = backend.take(self._index, stop, last)  # the last one may take the log itself
            if last:
                notes.extend(_install.uninstall())
            else:
                backend.new_window()
                backend.set_details(any(r._explain for r in (*_held, *_sessions)))
            threads = backend.thread_names()
            records.extend(self._unobserved(records, t_end))
            if last:
                backend.reset()
                _policy.forget_program_files()
        if self._explain:
            records = _with_shadows(records, self._path)
        header = self._header(t_end, notes, threads)
        self._modules = set()  # the header lists them now: a kept Recording holds no more than its Trace
        return header, records

    def _unobserved(self, records: "RawRecords", t_end: int) -> "list[Record]":
        loaded = backend.loaded_names(records)
        new = [n for n in sys.modules if n not in self._modules and n not in loaded and not _own(n)]
        if not new:
            return []
        thread = backend.thread_number(_thread.get_ident())
        found = (_export.unobserved(name, backend.new_id(), t_end, thread) for name in new)
        return [rec for rec in found if rec is not None]

    def _header(self, t_end: int, notes: "list[Note]", threads: "dict[int, Any]") -> "dict[str, Any]":
        pid = _os.getpid()
        process = {
            "pid": pid,
            "parent": _os.getppid(),
            "how": "main",
            "command": _command_line(),
            "started": self._wall,
            "start": 0,
            "duration": t_end - self._t0,
        }
        prefix = getattr(sys, "pycache_prefix", None)
        return {
            "format": "importtrace",
            "version": VERSION,
            "pid": pid,
            "processes": [process],
            **_INTERPRETER,
            "argv": as_texts(sys.argv),
            "cwd": _export.cwd(),
            "started": self._wall,
            "t0": self._t0,
            "duration": t_end - self._t0,
            "clock": "custom" if self._clock is not None else "perf_counter_ns",
            "preloaded": sorted(self._modules),
            "path": self._path,
            "pythonpath": _export.pythonpath(),
            "stdlib": _export.stdlib_dir(),
            "site_packages": [p for p in self._path if p.endswith(("site-packages", "dist-packages"))],
            "dont_write_bytecode": bool(sys.dont_write_bytecode),
            "pycache_prefix": prefix if type(prefix) is str else None,
            "explain": self._explain,
            "hooks": backend.name,
            "threads": [{"thread": n, "name": name} for n, name in sorted(threads.items())],
            "notes": [_export.note(at - self._t0, code, data) for at, code, data in notes],
        }

    @property
    def recording(self) -> bool:
        return self._started and self._trace is None

    @property
    def trace(self) -> Trace:
        """The finished Trace; TraceError while still recording."""
        if self._trace is None:
            raise TraceError("the trace is still recording: stop it (or leave its with block) first")
        return self._trace

    def __enter__(self) -> "Recording":
        return self.start()

    def __exit__(self, *exc_info: "Any") -> None:
        self.stop()

    def __getattr__(self, name: str) -> "Any":
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.trace, name)

    def __repr__(self) -> str:
        if self._trace is not None:
            return f"<Recording stopped: {self._trace!r}>"
        return "<Recording %s>" % ("recording" if self._started else "not started")


def began(recording: Recording) -> "tuple[int, float]":
    """When recording began (in a forked child: the fork): the clock reading its times count from, and
    time.time()."""
    return recording._t0, recording._wall


def recorded_nothing(recording: Recording) -> bool:
    """Whether a running recording has recorded nothing since it began (in a forked child: since the
    fork), its own or any nested recording's."""
    return recording.recording and backend.position() == recording._index


def after_fork(recording: Recording) -> None:
    """In a child process just forked: a fresh lock (another thread of the parent may have held it),
    and the recorder forgets the imports the parent's other threads had in progress.  ``recording``
    goes on in the child with the child's own events only, from a fresh window (what was recorded
    before the fork is the parent's to hand over)."""
    global _lock
    _lock = _thread.allocate_lock()
    backend.after_fork()
    recording._begin()


def _admit(notes: "list[Note]", t_end: int) -> None:
    """Add what the trace must admit to at its end: finders ahead of ours, our finder taken out."""
    noted = {data for _, code, data in notes if code == "shadowed"}
    for finder in backend.finders_ahead():  # inserted before this trace began, still ahead
        data = (_policy.type_name(finder),)
        if data not in noted:
            notes.append((t_end, "shadowed", data))
    if _install.finder_removed():
        notes.append((t_end, "removed", ()))


def _with_shadows(records: "RawRecords", path: "list[str]") -> "RawRecords":
    found = _export.shadows(records, path)
    if not found:
        return records
    out = []
    for rec in records:
        others = found.get(rec[ID])
        if others is not None:
            details = dict(rec[S_DETAILS] or {}, shadows=others)
            rec = (*rec[:S_DETAILS], details, *rec[S_DETAILS + 1 :])
        out.append(rec)
    return out


def _command_line() -> "list[str]":
    """This process's command line (sys.orig_argv, or before 3.10 the executable and sys.argv), whatever
    the program has put in those by now."""
    orig = getattr(sys, "orig_argv", None)
    if orig:
        return as_texts(orig)
    try:
        return as_texts([sys.executable, *sys.argv])
    except Exception:
        return []


def as_texts(values: "Any") -> "list[str]":
    """A list the program may have filled with anything (sys.argv, sys.path), as the strings a header
    can hold (and hand over between processes)."""
    try:
        return [v if type(v) is str else _export._text(v) for v in values]
    except Exception:
        return []


def _own(name: str) -> bool:
    return name == "importtrace" or name.startswith("importtrace.")


def portable_records(records: "RawRecords") -> "list[Record]":
    """Raw records (code objects in place of "file:line") as portable ones, which any process can read."""
    return _export.portable(records, getattr(backend, "resolve", None))


def trace(clock: "Optional[Clock]" = None, *, explain: bool = False) -> Recording:
    """A recording to use as a context manager: ``with importtrace.trace() as t: import x``.

    ``clock`` (a function returning nanoseconds) replaces time.perf_counter_ns, for stable tests."""
    return Recording(clock, explain)


def hold(*, explain: bool = False) -> Recording:
    """Begin the command line's recording of the whole program: the program's own traces nest in it,
    and neither they, importtrace.stop() nor a clean-up of leftover recordings can end it."""
    return Recording(explain=explain)._start(_held)


def start(clock: "Optional[Clock]" = None, *, explain: bool = False) -> Recording:
    """Start the process-wide trace; stop() ends it.  For code that cannot use a with block."""
    global _global
    if _global is not None:
        raise TraceError(
            "importtrace.start() was already called: call importtrace.stop() first "
            "(importtrace.trace() makes traces that nest)"
        )
    recording = Recording(clock, explain).start()
    _global = recording
    return recording


def stop() -> Trace:
    """Stop the trace begun by start() and return it."""
    global _global
    recording = _global
    if recording is None:
        raise TraceError("importtrace.stop() without importtrace.start()")
    _global = None
    return recording.stop()
