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
import sys

from ..record import Recording, after_fork, as_texts, backend, began, hold, portable_records, recorded_nothing
from ..trace._event import TraceError
from . import _childio, _childrun, _follow

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

_MAIN_KEYS = ("__name__", "__doc__", "__package__", "__loader__", "__spec__", "__annotations__", "__builtins__")
_external = sys.modules["_frozen_importlib_external"]
_os = _external._os  # posix or nt: `os` itself is not loaded under python -S
_command: "Optional[list[str]]" = None  # this process's command line as a user would type it (3.9)


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
    orig_argv = _childrun.program_orig_argv(argv0, mode, target, args)
    safe = bool(sys.flags.isolated or getattr(sys.flags, "safe_path", False))
    _childrun.unboot(pkgdir, from_file=sys.argv[0] != "-c", safe=safe)
    main_module = sys.modules["__main__"]
    globals_ = main_module.__dict__
    for key in [k for k in globals_ if k not in _MAIN_KEYS]:
        del globals_[key]
    globals_["__doc__"] = None
    program: "dict[str, Any]" = {"mode": mode, "target": target, "args": list(args)}
    if mode == "script" and _childrun.main_importer(abspath) is not None:
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
    stream = _childio.Stream(stream_path) if stream_path else None
    recording = hold(explain="explain" in options)
    if stream is not None:
        stream.begin(recording)
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
        _childrun.run(mode, target, abspath, globals_, skip_first_line="x" in options, compiled=program)
    except SystemExit as exc:
        exit_exc = exc
    except BaseException as exc:
        error = exc
    backend.close_main(main_rec, main_module, error)

    status = 0
    if error is not None:
        _childrun.clean(error, set())
        status = 1
        program["exception"] = type(error).__qualname__
        _childrun.print_uncaught(error)
    elif exit_exc is not None:
        status = _childrun.exit_status(exit_exc)
    _childrun.finalize()
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
        sys.excepthook = _childrun.quiet
        raise error.with_traceback(None)
    if status:
        raise SystemExit(status)


class _Process:
    """This process, its recording, and where its trace goes: the program's process writes it to OUT for
    the command line, a child process it follows (started through the bootstrap, or forked) to its own
    file in the session directory, event by event as it records (see _childio.ProcessFile)."""

    def __init__(
        self,
        recording: "Recording",
        program: "dict[str, Any]",
        how: str,
        out: str,
        session: str,
        stream: "Optional[_childio.Stream]",
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
        self.file: "Optional[_childio.ProcessFile]" = None
        if how != "main":
            info = {
                "pid": self.pid,
                "parent": self.parent,
                "how": how,
                "command": as_texts(getattr(sys, "orig_argv", None) or _command or [sys.executable, *sys.argv]),
                "argv": as_texts(sys.argv),
                "started": began(recording)[1],
                "t0": began(recording)[0],
                "python": "%d.%d.%d" % sys.version_info[:3],
            }
            self.file = _childio.ProcessFile(session, info)

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
            entry["command"] = as_texts(_command)  # 3.9: as typed, not sys.executable and sys.argv
        if self.how == "main":
            _childio.write(self.out, (header, records))
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
    after_fork(me.recording)
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
    if me.how == "fork" and recorded_nothing(me.recording):
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
        return header, portable_records(records)
    except TraceError:
        pass
    message = "the program stopped importtrace's recording of it: the trace ends there"
    _childrun.say("importtrace: " + message)
    try:
        stopped = recording.trace
    except TraceError:
        return None
    header = dict(stopped.header, t0=stopped.t0)
    note = {"at": header.get("duration", 0), "code": "stopped"}
    header["notes"] = [*header.get("notes", ()), note]
    return header, stopped.records() or []
