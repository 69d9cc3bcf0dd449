"""The program's side of `python -m importtrace`: run it exactly as `python` would, traced from its
first line, and hand the trace to the command line however the program ends.

PYTEST_DONT_REWRITE

The command line starts ``python [same options] _boot.py ...`` (or ``-c BOOT`` for a -c program, with
BOOT from importtrace.run._follow: each way loads what the program's own way of starting loads); the
bootstrap imports this module, which imports only importtrace's light recording modules, so the
program's picture of sys.modules is the one it has under plain `python`.  Reading the script,
exception printing and the exit status follow CPython's own code paths (pymain_run_python,
_Py_HandleSystemExit, Py_FinalizeEx).
"""

# _signal, not signal: only the former is loaded at start-up.
import _signal  # type: ignore[import-not-found]
import marshal
import sys

from ..record import _export, _session
from ..record._install import backend
from ..record._session import Recording
from ..trace import _jsonenc
from ..trace._trace import VERSION, TraceError, _build
from . import _follow

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, TracebackType
    from typing import Any, Optional

_MAIN_KEYS = ("__name__", "__doc__", "__package__", "__loader__", "__spec__", "__annotations__", "__builtins__")
_external = sys.modules["_frozen_importlib_external"]
_os = _external._os  # posix or nt: `os` itself is not loaded under python -S
_command: "Optional[list[str]]" = None  # this process's command line as a user would type it (3.9)
_HERE = _external._path_split(__file__)[0]


def main() -> None:
    """argv: (_boot.py | -c) PKGDIR OUT SESSION STREAM OPTIONS ARGV0 MODE TARGET ABSPATH PATH0 [ARGS...]
    (see _follow.boot_command); MODE is script, module or code; OUT is where the program's trace goes,
    empty for a child process the command line follows, which writes its record into the directory
    SESSION (empty: children are not followed); OPTIONS is a comma-separated list ("explain", "x" for
    python -x); ARGV0 is the user's python as they called it; ABSPATH and PATH0 (the script's absolute
    path and the sys.path[0] python would use) are worked out by whoever started it, which may import os."""
    pkgdir, out, session, stream_path, options_text, argv0, mode, target, abspath, path0 = sys.argv[1:11]
    args = sys.argv[11:]
    options = options_text.split(",")
    orig_argv = _program_orig_argv(argv0, mode, target, args)
    safe = bool(sys.flags.isolated or getattr(sys.flags, "safe_path", False))
    _unboot(pkgdir, from_file=sys.argv[0] != "-c", safe=safe)
    main_module = sys.modules["__main__"]
    globals_ = main_module.__dict__
    for key in [k for k in globals_ if k not in _MAIN_KEYS]:
        del globals_[key]
    globals_["__doc__"] = None
    program: "dict[str, Any]" = {"mode": mode, "target": target, "args": list(args)}
    if mode == "script" and _main_importer(abspath) is not None:
        mode = "main"  # a directory or zip file with a __main__.py: python runs it through runpy
        path0 = abspath
    if mode in ("module", "main"):
        import runpy  # noqa: F401  (python -m imports it before the program's first line too)
    if mode != "code" and (mode == "main" or not safe):
        sys.path.insert(0, path0)  # -c: python already put '' there (or not, with -P or -I)
    sys.argv[:] = [{"module": "-m", "code": "-c"}.get(mode, target), *args]
    if orig_argv is not None and hasattr(sys, "orig_argv"):
        sys.orig_argv[:] = orig_argv
    global _command
    _command = orig_argv

    global _me
    stream = _Stream(stream_path) if stream_path else None
    recording = Recording(explain="explain" in options)
    if stream is not None:
        stream.begin(recording)
    recording._hold()
    me = _me = _Process(recording, program, "main" if out else "exec", out, session, stream)
    if session:
        _follow.on_exec = _on_exec
        _follow.on_exit = _on_exit
        _follow.install(session, pkgdir, "explain" in options, child=not out)
    if (session or stream is not None) and hasattr(_os, "register_at_fork"):
        _os.register_at_fork(after_in_child=_forked)
    main_rec = backend.open_main()
    error: "Optional[BaseException]" = None
    exit_exc: "Optional[SystemExit]" = None
    try:
        _run(mode, target, abspath, globals_, skip_first_line="x" in options, compiled=program)
    except SystemExit as exc:
        exit_exc = exc
    except BaseException as exc:
        error = exc
    backend.close_main(main_rec, main_module, error)

    status = 0
    if error is not None:
        _clean(error, set())
        status = 1
        program["exception"] = type(error).__qualname__
        _print_uncaught(error)
    elif exit_exc is not None:
        status = _exit_status(exit_exc)
    _finalize()
    me = _me
    if me.followed or me.pid == _os.getpid():
        old = _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a second Ctrl-C must not lose the trace
        try:
            me.hand_over(status, "exit")
        finally:
            _signal.signal(_signal.SIGINT, old)
    if error is not None:
        # Re-raise for the interpreter's own ending (exit status 1, or death by SIGINT for
        # KeyboardInterrupt); the traceback was printed above, without importtrace's frames.
        sys.excepthook = _quiet
        raise error.with_traceback(None)
    if status:
        raise SystemExit(status)


class _Process:
    """This process, its recording, and where its trace goes: the program's process writes it to OUT for
    the command line, a child process it follows (started through the bootstrap, or forked) to its own
    file in the session directory, event by event as it records (see _ProcessFile)."""

    def __init__(
        self,
        recording: "Recording",
        program: "dict[str, Any]",
        how: str,
        out: str,
        session: str,
        stream: "Optional[_Stream]",
        parent: "Optional[int]" = None,
    ) -> None:
        self.recording = recording
        self.program = program
        self.how = how  # main, exec or fork
        self.out = out
        self.session = session
        self.stream = stream
        self.pid = _os.getpid()
        self.parent = _os.getppid() if parent is None else parent
        self.done = False
        self.file: "Optional[_ProcessFile]" = None
        if how != "main":
            info = {
                "pid": self.pid,
                "parent": self.parent,
                "how": how,
                "command": _session._texts(getattr(sys, "orig_argv", None) or _command or [sys.executable, *sys.argv]),
                "argv": _session._texts(sys.argv),
                "started": recording._wall,
                "t0": recording._t0,
                "python": "%d.%d.%d" % sys.version_info[:3],
            }
            self.file = _ProcessFile(session, info)

    @property
    def followed(self) -> bool:
        return self.file is not None

    def hand_over(self, status: "Optional[int]", ended: str, final: bool = True) -> None:
        """Hand the trace over (once, unless not final: a snapshot before an exec, which a later hand-over
        replaces should the exec fail): the process's entry says how it ended and its exit status."""
        if self.done:
            return
        self.done = final
        handed = _hand_over(self.recording, final)
        if handed is None:
            return
        header, records = handed
        program = dict(self.program, exit=status) if status is not None else dict(self.program)
        header["program"] = program
        entry = header["processes"][0]
        entry.update(how=self.how, parent=self.parent, exit=status, ended=ended)
        if _command is not None and not hasattr(sys, "orig_argv"):
            entry["command"] = _session._texts(_command)  # 3.9: as typed, not sys.executable and sys.argv
        if self.how == "main":
            _write(self.out, (header, records))
            if self.stream is not None and final:
                self.stream.end(header, records)
        elif self.file is not None:
            self.file.end(header, records, final)


_me: "Optional[_Process]" = None


def _forked() -> None:
    """In a forked child: stop writing the parent's stream; record the child's own events from now on,
    in its own process record (nothing of the parent's is recorded twice).  Never raises: it runs
    inside the program's os.fork()."""
    try:
        _follow_fork()
    except Exception:
        backend.stream_to(-1)
        backend.set_sink(None)


def _follow_fork() -> None:
    global _me
    me = _me
    if me is None:
        return
    if me.stream is not None:
        me.stream.close_fd()
    if me.file is not None:
        me.file.forget()
    if not me.session:
        backend.set_sink(None)  # children are not followed: the child's events go nowhere, as before
        return
    _session.after_fork()
    me.recording._forked()
    _me = _Process(me.recording, dict(me.program), "fork", "", me.session, None, parent=me.pid)
    _follow.patch_exit()


def _on_exit(status: int) -> None:
    """os._exit in a child process: its trace is handed over first."""
    me = _me
    if me is not None and me.followed and me.pid == _os.getpid():
        me.hand_over(status, "os._exit")


def _on_exec() -> bool:
    """This process is about to be replaced by exec: hand over what it recorded so far.  Whether the new
    program may be followed: only where this process recorded nothing (a forked child that runs exec
    at once, as os.spawnv does), so that one pid never stands for two processes in the trace."""
    me = _me
    if me is None or me.pid != _os.getpid():
        return False
    if me.how == "fork" and backend.position() == me.recording._index:
        me.done = True  # its record stays empty, without an end: the command line leaves it out
        return True
    me.hand_over(None, "exec", final=False)
    return False


def _hand_over(recording: "Recording", final: bool = True) -> "Optional[tuple[dict[str, Any], list[tuple[Any, ...]]]]":
    """The trace (final: stopped; else as it is now), its records made portable.  Should the program
    have stopped the command line's recording itself (only importtrace's private state lets it), what
    was recorded until then, said in one line."""
    try:
        header, records = recording.stop_raw() if final else recording.peek_raw()
        return header, _export.portable(records, getattr(backend, "resolve", None))
    except TraceError:
        pass
    message = "the program stopped importtrace's recording of it: the trace ends there"
    _say("importtrace: " + message)
    stopped = recording._trace
    if stopped is None:
        return None
    header = dict(stopped.header, t0=stopped.t0)
    note = {"at": header.get("duration", 0), "code": "stopped", "message": message}
    header["notes"] = [*header.get("notes", ()), note]
    return header, stopped.records() or []


def _say(line: object) -> None:
    """Print a line on the program's stderr (or the original one), as the interpreter prints at exit."""
    stream = sys.stderr if sys.stderr is not None else sys.__stderr__
    try:
        if stream is not None:
            stream.write(str(line) + "\n")
            stream.flush()
    except Exception:
        pass


def _program_orig_argv(argv0: str, mode: str, target: str, args: "list[str]") -> "Optional[list[str]]":
    """sys.orig_argv as `python OPTIONS (script | -m module | -c code) ARGS` gives it (3.10+; on 3.9,
    where python keeps none, the command a process record shows): the interpreter options are this
    process's own, which the command line copied from its own."""
    orig = getattr(sys, "orig_argv", None) or _cmdline()
    if orig is None:
        return None
    end = len(orig) - len(sys.argv) - (1 if sys.argv[0] == "-c" else 0)  # -c BOOT is one more
    program = {"module": ["-m", target], "code": ["-c", target]}.get(mode, [target])
    return [argv0, *orig[1:end], *program, *args]


def _cmdline() -> "Optional[list[str]]":
    """This process's command line from /proc (3.9 on Linux), None where there is none."""
    try:
        fd = _os.open("/proc/self/cmdline", _os.O_RDONLY)
    except OSError:
        return None
    try:
        data = b""
        while True:
            chunk = _os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    finally:
        _os.close(fd)
    encoding = sys.getfilesystemencoding()
    return [arg.decode(encoding, "surrogateescape") for arg in data.split(b"\0")[:-1]] or None


def _unboot(pkgdir: str, from_file: bool, safe: bool) -> None:
    """Take out what the bootstrap added: its sys.path entry (which only served to import importtrace)
    and, when it ran as a file, the directory python added for it and its path-importer cache entry."""
    if sys.path and sys.path[0] == pkgdir:
        del sys.path[0]
        if pkgdir not in sys.path:
            sys.path_importer_cache.pop(pkgdir, None)
    if from_file:
        if not safe and sys.path:
            del sys.path[0]  # the directory of _boot.py, which python put there
        sys.path_importer_cache.pop(sys.argv[0], None)


def _main_importer(path: str) -> "Any":
    """What `python PATH` asks first: a path importer means PATH is a directory or zip file."""
    try:
        return _external.PathFinder._path_importer_cache(path)
    except Exception:
        return None


def _run(
    mode: str, target: str, abspath: str, globals_: "dict[str, Any]", skip_first_line: bool, compiled: "dict[str, Any]"
) -> None:
    """Run the program as python would; compiled["compile"]: how long compiling a script or -c code took
    (python compiles the file it runs on every run: it is never cached)."""
    if mode == "code":
        t0 = backend.clock()
        code = compile(target, "<string>", "exec")
        compiled["compile"] = backend.clock() - t0
        _register_source(code, target)
        exec(code, globals_)
    elif mode == "module":
        sys.modules["runpy"]._run_module_as_main(target)
    elif mode == "main":
        sys.modules["runpy"]._run_module_as_main("__main__", alter_argv=False)
    else:
        with open(abspath, "rb") as f:
            source = f.read()
        skip = skip_first_line and not abspath.endswith(".pyc")
        if skip:
            # python -x, as pymain_run_file: up to the first newline, which stays so that line
            # numbers keep their meaning; the rest is source, whatever its first bytes.
            newline = source.find(b"\n")
            source = source[newline:] if newline >= 0 else b""
        if not skip and source[:4] == _external.MAGIC_NUMBER:  # python runs a .pyc file given as the script
            code = marshal.loads(source[16:])
            globals_["__loader__"] = _external.SourcelessFileLoader("__main__", abspath)
        else:
            globals_["__loader__"] = _external.SourceFileLoader("__main__", abspath)
            t0 = backend.clock()
            code = compile(source, abspath, "exec", dont_inherit=True)
            compiled["compile"] = backend.clock() - t0
        globals_["__file__"] = abspath
        globals_["__cached__"] = None
        exec(code, globals_)


def _register_source(code: "CodeType", source: str) -> None:
    """Python 3.13+ keeps the -c source in linecache for tracebacks; it kept BOOT's, keep the program's."""
    linecache = sys.modules.get("linecache")
    cache = getattr(linecache, "cache", None)
    if not isinstance(cache, dict):
        return
    lines = [line + "\n" for line in source.splitlines()]
    if "<string>" in cache:
        cache["<string>"] = (len(source), None, lines, "<string>")
    for key, entry in list(cache.items()):
        if not isinstance(key, str) and isinstance(entry, tuple) and entry[-1:] == ("<string>",):
            del cache[key]
            cache[code] = (len(source), None, lines, "<string>")


def _exit_status(exc: SystemExit) -> int:
    """What _Py_HandleSystemExit does: None is 0, an int is itself, anything else is printed and is 1."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)  # pytest exits with an IntEnum
    _say(code)
    return 1


def _print_uncaught(error: BaseException) -> None:
    """Print as python does for an uncaught exception: through sys.excepthook."""
    sys.last_type, sys.last_value, sys.last_traceback = type(error), error, error.__traceback__
    if sys.version_info >= (3, 12):
        sys.last_exc = error
    try:
        sys.excepthook(type(error), error, error.__traceback__)
    except BaseException:
        sys.__excepthook__(type(error), error, error.__traceback__)
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except Exception:
        pass


def _finalize() -> None:
    """The first steps of Py_FinalizeEx, which may still import: join threads, run atexit handlers."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()
        except Exception:
            pass
    atexit = sys.modules.get("atexit")
    if atexit is not None:
        atexit._run_exitfuncs()


def _write(path: str, data: "Any") -> None:
    with open(path, "wb") as f:
        marshal.dump(data, f)


def _quiet(*args: "Any") -> None:
    """sys.excepthook for the final re-raise: the traceback was already printed."""


# --- tracebacks without importtrace ------------------------------------------------------------


def _ours(code: "CodeType") -> bool:
    """Code of importtrace itself: the hooks (some disguised as importlib) and this module."""
    return code in _OWN_CODE or code.co_filename.startswith(_HERE + _external.path_sep)


def _clean(exc: BaseException, seen: "set[int]") -> None:
    """Drop importtrace's frames from exc's traceback, its chained exceptions and exception groups."""
    if id(exc) in seen:
        return
    seen.add(id(exc))
    tb: "Optional[TracebackType]" = exc.__traceback__
    kept: "list[TracebackType]" = []
    while tb is not None:
        if not _ours(tb.tb_frame.f_code) and not _is_bootstrap(tb):
            kept.append(tb)
        tb = tb.tb_next
    if exc.__traceback__ is not None:
        tb_type = type(exc.__traceback__)
        new: "Optional[TracebackType]" = None
        for entry in reversed(kept):
            new = tb_type(new, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
        exc.__traceback__ = new
    for chained in (exc.__cause__, exc.__context__):
        if chained is not None:
            _clean(chained, seen)
    for inner in getattr(exc, "exceptions", ()) or ():
        if isinstance(inner, BaseException):
            _clean(inner, seen)


def _is_bootstrap(tb: "TracebackType") -> bool:
    """The -c frame that ran BOOT: the outermost frame, whose code names this module."""
    code = tb.tb_frame.f_code
    return tb.tb_frame.f_back is None and code.co_filename == "<string>" and "importtrace.run._child" in code.co_names


# --- streaming: events as JSON Lines as they happen ---------------------------------------------

_OWN_CODE = backend.own_code() if hasattr(backend, "own_code") else set()


class _Stream:
    """Writes each event as it ends, unbuffered, and a short line when a load or reload begins, so that
    os._exit or a crash loses at most the events in flight; a forked child stops writing."""

    def __init__(self, path: str) -> None:
        self.fd = _os.open(path, _os.O_WRONLY | _os.O_CREAT | _os.O_TRUNC, 0o644)
        self.recording: "Optional[Recording]" = None
        self.lines = _export.Lines()
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
        self.recording = recording
        backend.set_sink(self.event)

    def event(self, record: "tuple[Any, ...]", began: bool) -> None:
        """The sink: a record that began (loads and reloads: a short line) or ended (the whole event)."""
        t0 = self.recording._t0 if self.recording is not None else 0
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
        portable = _export.portable_one(record, self.lines)
        self._line(_build([portable], t0, self.asked, _os.getpid())[0].to_dict())
        self.written[eid] = 1

    def end(self, header: "dict[str, Any]", records: "list[tuple[Any, ...]]") -> None:
        """The events not written yet (modules that appeared without a load, hit counts that grew after
        their first hit) and the end record with the header known only now."""
        backend.set_sink(None)
        t0 = header.get("t0", 0)
        for event in _build(records, t0, self.asked, _os.getpid()):
            if event.id not in self.written:
                self._line(event.to_dict())
            elif event.kind == "hit" and event.count != 1:
                self._line({"id": event.id, "kind": "hit", "count": event.count})
        header = {k: v for k, v in header.items() if k not in ("format", "t0")}
        self._line({"end": True, "events": len(records), "header": header})
        self.close()

    def _line(self, obj: "dict[str, Any]") -> None:
        if self.fd >= 0:
            _os.write(self.fd, (_jsonenc.dumps(obj) + "\n").encode("ascii"))

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


class _ProcessFile:
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
