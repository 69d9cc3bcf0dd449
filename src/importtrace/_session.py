"""Recordings in progress: start and stop, nesting, and turning raw records into a Trace.

PYTEST_DONT_REWRITE

Like the hooks, this module imports only what the interpreter has at start-up: a recording
starts before the program imports anything, and stop() may run while an outer trace records.
"""

import _imp
import _thread
import sys
import time

from . import _recorder
from ._recorder import _finder_name, _Hit, _Load, _Proxy, _Record, _Reload, _Search
from ._trace import Trace, TraceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from typing import Any, Callable, Optional

    Clock = Callable[[], int]

_lock = _thread.allocate_lock()
_REMOVED = (
    "importtrace's finder was taken out of sys.meta_path during the trace (a restored snapshot of "
    "sys.meta_path, say): searches and loads after that were not recorded"
)
_sessions: "list[Recording]" = []
_global: "Optional[Recording]" = None


class Recording:
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
        self._tid = 0
        self._modules: "set[str]" = set()
        self._path: "list[str]" = []

    def start(self) -> "Recording":
        """Begin recording; traces nest, and each keeps the events of its own window."""
        with _lock:
            if self._started:
                raise TraceError("this recording was already started; make a new one with importtrace.trace()")
            if _sessions:
                if self._clock is not None:
                    raise TraceError("only the outermost trace can set the clock (one is already recording)")
            else:
                _recorder.install(self._clock)
            if self._explain:
                _recorder.set_details(True)
            _recorder.new_window()
            self._started = True
            self._index = len(_recorder.events())
            self._notes_index = len(_recorder.notes())
            self._modules = set(sys.modules)
            self._path = [p if type(p) is str else repr(p) for p in sys.path]
            self._tid = _thread.get_ident()
            self._wall = time.time()
            self._t0 = _recorder.clock()
            _sessions.append(self)
        return self

    def stop(self) -> Trace:
        """Stop recording and return the Trace (again, if already stopped)."""
        if self._trace is None:
            header, events = self.stop_export()
            self._trace = Trace.from_dicts(header, events)
        return self._trace

    def stop_export(self) -> "tuple[dict[str, Any], list[dict[str, Any]]]":
        """Stop recording and return the trace in its serialisable form (what Trace.save writes),
        without building a Trace: the command line's child hands this over as it is."""
        with _lock:
            if self not in _sessions:
                raise TraceError("this recording is not running (never started, or already stopped)")
            t_end = _recorder.clock()
            records = _recorder.events()[self._index :]
            notes = list(_recorder.notes()[self._notes_index :])
            noted = {msg for _, code, msg in notes if code == "shadowed"}
            for finder in _recorder.finders_ahead():  # inserted before this trace began, still ahead
                message = _recorder.shadow_note(finder)
                if message not in noted:
                    notes.append((t_end, "shadowed", message))
            if _recorder.finder_removed():
                notes.append((t_end, "removed", _REMOVED))
            _sessions.remove(self)
            last = not _sessions
            if last:
                notes.extend(_recorder.uninstall())
            else:
                _recorder.new_window()
            header, events = export(records, notes, self, t_end)
            self._modules = set()  # the header has them ("preloaded"): a kept Recording holds no second copy
            if last:
                _recorder.reset()
        return header, events

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


def trace(clock: "Optional[Clock]" = None, *, explain: bool = False) -> Recording:
    """A recording to use as a context manager: ``with importtrace.trace() as t: import x``.

    ``clock`` (a function returning nanoseconds) replaces time.perf_counter_ns, for stable tests."""
    return Recording(clock, explain)


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


# --- from raw records to serialisable events -----------------------------------------------------

_external = sys.modules["_frozen_importlib_external"]
_bootstrap = sys.modules["_frozen_importlib"]
_zipimporter = getattr(sys.modules.get("zipimport"), "zipimporter", None)
_MODULE_TYPES: "list[tuple[Any, str]]" = [
    (_external.ExtensionFileLoader, "extension"),
    (_external.SourcelessFileLoader, "bytecode"),
    (_external.SourceFileLoader, "source"),
]
if _zipimporter is not None:
    _MODULE_TYPES.insert(0, (_zipimporter, "zip"))
_line_of = getattr(_recorder._speedups, "line_of", None)
_c_line_table = getattr(_recorder._speedups, "line_table", None)
_IMPORT_NAME = {(3, 9): 108, (3, 10): 108, (3, 11): 108, (3, 12): 108, (3, 13): 75}.get(sys.version_info[:2])


class Exporter:
    """Turns raw records into event dicts: times relative to the trace start, small thread numbers."""

    def __init__(self, t0: int, main_tid: int) -> None:
        self.t0 = t0
        self.threads: "dict[int, int]" = {main_tid: 1}
        self.lines = _Lines()

    def thread(self, tid: int) -> int:
        n = self.threads.get(tid)
        if n is None:
            n = self.threads[tid] = len(self.threads) + 1
        return n

    def where(self, where: "Optional[tuple[Any, int]]") -> "Optional[str]":
        """'file:line' of a recorded (code, instruction offset)."""
        if where is None:
            return None
        code, lasti = where
        return "%s:%d" % (code.co_filename, self.lines.line(code, lasti))

    def event(self, rec: "_Record") -> "dict[str, Any]":
        parent = rec.parent
        if type(rec) is _Hit:  # most events: one dict literal, no second pass
            code = rec.code
            via = rec.via
            where = None
            if code is not None:
                where = "%s:%d" % (code.co_filename, self.lines.line(code, rec.lasti))
                if via == "import" and not _is_import_name(code, rec.lasti):
                    via = "__import__"
            t1 = rec.t1
            importer = rec.importer
            return {
                "id": rec.id,
                "kind": "hit",
                "name": rec.name,
                "start": rec.t0 - self.t0,
                "duration": None if t1 is None else t1 - rec.t0,
                "thread": self.threads.get(rec.tid) or self.thread(rec.tid),
                "parent": parent.id if parent is not None else None,
                "importer": importer if importer is None or type(importer) is str else _text(importer),
                "where": where,
                "fromlist": list(rec.fromlist),
                "level": rec.level,
                "count": rec.count,
                "via": via,
                "partial": rec.partial,
                "waited": rec.waited,
                "missing": rec.missing,
            }
        d: "dict[str, Any]" = {
            "id": rec.id,
            "kind": rec.kind,
            "name": rec.name,
            "start": rec.t0 - self.t0,
            "duration": None if rec.t1 is None else rec.t1 - rec.t0,
            "thread": self.thread(rec.tid),
            "parent": parent.id if parent is not None else None,
            "importer": _text(rec.importer),
            "where": self.where(rec.where),
        }
        if isinstance(rec, _Search):
            spec = rec.spec
            d["reason"] = rec.reason
            d["found"] = spec is not None
            d["finder"] = _finder_name(rec.finder) if rec.finder is not None else None
            d["origin"] = _text(getattr(spec, "origin", None)) if spec is not None else None
            d["loader"] = _loader_name(spec, rec.namespace)
            d["package"] = getattr(spec, "submodule_search_locations", None) is not None if spec is not None else None
            d["namespace"] = rec.namespace
            d["path"] = rec.path
            d["ahead"] = rec.ahead
            d["error"] = _error(rec.error)
        elif isinstance(rec, _Load):
            spec = rec.spec
            loader = _unwrap(rec.loader)
            d["origin"] = _text(rec.origin if rec.origin is not None else getattr(spec, "origin", None))
            d["loader"] = _loader_name(spec, rec.namespace) if loader is None else _finder_name(loader)
            d["module_type"] = "namespace" if rec.namespace else _module_type(loader)
            d["search"] = rec.search.id if rec.search is not None else None
            d["replaced"] = rec.replaced
            d["namespace"] = rec.namespace
            d["lazy"] = rec.lazy
            d["bytecode"] = rec.bytecode
            d["unfinished"] = rec.t1 is None
            d["error"] = _error(rec.error)
        elif isinstance(rec, _Reload):
            d["added"] = rec.added
            d["removed"] = rec.removed
            d["rebound"] = rec.rebound
            d["unchanged"] = rec.unchanged
            d["stale"] = rec.stale
            d["search"] = rec.search.id if rec.search is not None else None
            d["error"] = _error(rec.error)
        return d


def export(
    records: "list[_Record]", notes: "list[tuple[int, str, str]]", recording: Recording, t_end: int
) -> "tuple[dict[str, Any], list[dict[str, Any]]]":
    """The header and event dicts of a finished recording."""
    exp = Exporter(recording._t0, recording._tid)
    events = [exp.event(rec) for rec in records]
    loaded = {rec.name for rec in records if rec.kind == "load"}
    extra = [
        _unobserved(name, exp, t_end, recording._tid)
        for name in list(sys.modules)
        if name not in recording._modules and name not in loaded and not _own(name)
    ]
    events.extend(e for e in extra if e is not None)
    if recording._explain:
        _note_shadows(events, recording._path)
    thread_names = _recorder.thread_names()
    header: "dict[str, Any]" = {
        "format": "importtrace",
        "version": 1,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "implementation": sys.implementation.name,
        "platform": sys.platform,
        "executable": sys.executable,
        "argv": list(sys.argv),
        "cwd": _cwd(),
        "started": recording._wall,
        "duration": t_end - recording._t0,
        "clock": "custom" if recording._clock is not None else "perf_counter_ns",
        "preloaded": sorted(recording._modules),
        "path": recording._path,
        "stdlib": _stdlib_dir(),
        "site_packages": [p for p in recording._path if p.endswith(("site-packages", "dist-packages"))],
        "dont_write_bytecode": bool(sys.dont_write_bytecode),
        "explain": recording._explain,
        "hooks": "python" if _recorder._speedups is None else "compiled",
        "threads": [{"thread": n, "name": thread_names.get(tid)} for tid, n in exp.threads.items()],
        "notes": [{"at": at - recording._t0, "code": code, "message": msg} for at, code, msg in notes],
    }
    return header, events


def _unobserved(name: str, exp: Exporter, t_end: int, tid: int) -> "Optional[dict[str, Any]]":
    """A module that appeared in sys.modules without a load the hooks saw: another finder ahead of
    ours loaded it, or code put it there directly."""
    module = sys.modules.get(name)
    if module is None:
        return None
    spec = getattr(module, "__spec__", None)
    loader = getattr(spec, "loader", None) or getattr(module, "__loader__", None)
    return {
        "id": next(_recorder._ids),
        "kind": "load",
        "name": name,
        "start": t_end - exp.t0,
        "duration": None,
        "thread": exp.thread(tid),
        "parent": None,
        "importer": None,
        "where": None,
        "origin": _text(getattr(spec, "origin", None)),
        "loader": _finder_name(loader) if loader is not None else None,
        "module_type": _module_type(loader),
        "observed": False,
    }


def _stdlib_dir() -> "Optional[str]":
    """The standard library's directory (without importing os or sysconfig)."""
    known = getattr(sys, "_stdlib_dir", None)  # 3.11+
    if known:
        return str(known)
    codecs_file = getattr(sys.modules.get("codecs"), "__file__", None)
    return str(_external._path_split(codecs_file)[0]) if codecs_file else None


def _own(name: str) -> bool:
    return name == "importtrace" or name.startswith("importtrace.")


def _note_shadows(events: "list[dict[str, Any]]", path: "list[str]") -> None:
    """Give each top-level module found on sys.path the other places further down sys.path that have a
    module of the same name (``shadows``): a local ``requests.py`` hides the installed one.  Runs after
    the program, for --explain: a directory listing per sys.path entry, no import."""
    listings: "dict[str, frozenset[str]]" = {}
    suffixes = (*_imp.extension_suffixes(), ".py", ".pyc")
    cwd = _cwd() or ""
    for d in events:
        name = d["name"]
        origin = d.get("origin")
        if d["kind"] != "search" or not d["found"] or d["path"] is not None or "." in name or not origin:
            continue
        first = next(
            (i for i, entry in enumerate(path) if origin.startswith(_external._path_join(entry or cwd, ""))), None
        )
        if first is None:
            continue
        others = []
        for entry in path[first + 1 :]:
            folder = entry or cwd
            if folder not in listings:
                try:
                    listings[folder] = frozenset(_external._os.listdir(folder))
                except (OSError, TypeError, ValueError):
                    listings[folder] = frozenset()
            found = _module_in(folder, listings[folder], name, suffixes)
            if found is not None and found != origin:
                others.append(found)
        if others:
            d["shadows"] = others


def _module_in(folder: str, listing: "frozenset[str]", name: str, suffixes: "tuple[str, ...]") -> "Optional[str]":
    """The file or package that an import of top-level ``name`` would find in folder, if any."""
    if name in listing:
        init: str = _external._path_join(folder, name, "__init__.py")
        if _external._path_isfile(init):
            return init
    for suffix in suffixes:
        if name + suffix in listing:
            return str(_external._path_join(folder, name + suffix))
    return None


def _cwd() -> "Optional[str]":
    try:
        return str(_external._os.getcwd())  # posix: `os` itself is not loaded under python -S
    except OSError:
        return None


class _Lines:
    """Source lines of instructions, from a table built once per code object: CPython's own lookup
    (frame.f_lineno) scans the code's line table from its start, which made a module importing 2,000
    others quadratic."""

    def __init__(self) -> None:
        self.tables: "dict[int, tuple[CodeType, list[int], list[Optional[int]]]]" = {}
        self.asked: "dict[int, int]" = {}

    def line(self, code: "CodeType", lasti: int) -> int:
        table = self.tables.get(id(code))
        if table is None or table[0] is not code:
            if _line_of is not None:  # the code objects are alive (records hold them): ids are stable here
                asked = self.asked[id(code)] = self.asked.get(id(code), 0) + 1
                if asked <= 16:  # a few lines of a code object: CPython's scan; many: build a table once
                    return int(_line_of(code, lasti))
            table = self.tables[id(code)] = (code, *_line_table(code))
        starts, lines = table[1], table[2]
        lo, hi = 0, len(starts)
        while lo < hi:  # the last range starting at or before lasti
            mid = (lo + hi) // 2
            if starts[mid] <= lasti:
                lo = mid + 1
            else:
                hi = mid
        line = lines[lo - 1] if lo else None
        return code.co_firstlineno if line is None else line


def _line_table(code: "CodeType") -> "tuple[list[int], list[Optional[int]]]":
    if _c_line_table is not None:
        return _c_line_table(code)  # type: ignore[no-any-return]
    starts: "list[int]" = []
    lines: "list[Optional[int]]" = []
    if hasattr(code, "co_lines"):  # 3.10+
        for start, _end, line in code.co_lines():
            starts.append(start)
            lines.append(line)
        return starts, lines
    table = code.co_lnotab  # 3.9: (address increment, signed line increment) pairs
    addr, line = 0, code.co_firstlineno
    starts.append(0)
    lines.append(line)
    for i in range(0, len(table), 2):
        addr += table[i]
        delta = table[i + 1]
        line += delta - 256 if delta >= 128 else delta
        starts.append(addr)
        lines.append(line)
    return starts, lines


def _text(value: "Any") -> "str | None":
    """A plain str (or None): trace data must hold only built-in types, whatever the program used."""
    if value is None or type(value) is str:
        return value
    try:
        return str(value)
    except Exception:
        return "<unprintable %s>" % type(value).__name__


def _error(error: "Optional[tuple[str, str]]") -> "Optional[dict[str, str]]":
    return None if error is None else {"type": error[0], "message": error[1]}


def _unwrap(loader: "Any") -> "Any":
    return loader._real if isinstance(loader, _Proxy) else loader


def _loader_name(spec: "Any", namespace: bool) -> "Optional[str]":
    if spec is None:
        return None
    if namespace:
        return "NamespaceLoader"
    loader = _unwrap(getattr(spec, "loader", None))
    return None if loader is None else _finder_name(loader)


def _module_type(loader: "Any") -> str:
    if loader is None:
        return "unknown"
    if loader is _bootstrap.BuiltinImporter or isinstance(loader, _bootstrap.BuiltinImporter):
        return "builtin"
    if loader is _bootstrap.FrozenImporter or isinstance(loader, _bootstrap.FrozenImporter):
        return "frozen"
    for cls, kind in _MODULE_TYPES:
        if isinstance(loader, cls):
            return kind
    if "Namespace" in _finder_name(loader):
        return "namespace"
    return "other"


def _is_import_name(code: "CodeType", lasti: int) -> bool:
    """Whether the call came from an import statement (IMPORT_NAME) rather than __import__()."""
    if _IMPORT_NAME is None or lasti < 0:
        return True
    try:
        return code.co_code[lasti] == _IMPORT_NAME
    except IndexError:
        return True
