"""Running a program traced: the checks python itself would make first, the child interpreter's
command, waiting for it (signals passed on) and reading the trace it hands over, and exiting as it did.

This process only launches and waits: nothing it imports can turn one of the program's loads into a
cache hit, since the program runs in a child interpreter that imports only the recording modules.
"""

from __future__ import annotations

import os
import sys

from ..trace._event import TraceError
from ..trace._trace import Trace
from . import _output
from ._options import PROG, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Callable


def check_target(mode: str, target: str) -> None:
    """The bad inputs python itself would reject, reported before anything runs."""
    if mode == "script":
        if target == "-":
            raise UsageError("reading the program from stdin is not supported; pass a file, -m or -c")
        if not os.path.exists(target):
            raise UsageError("can't open file %r: No such file or directory" % target)
        if os.path.isdir(target) and not os.path.exists(os.path.join(target, "__main__.py")):
            raise UsageError("can't find '__main__' module in %r" % target)
        if not os.path.isdir(target) and _may_be_zip(target):
            import zipfile

            if zipfile.is_zipfile(target):
                with zipfile.ZipFile(target) as z:
                    if "__main__.py" not in z.namelist() and "__main__.pyc" not in z.namelist():
                        raise UsageError("can't find '__main__' module in %r" % target)
    elif mode == "module":
        top = target.partition(".")[0]
        if not top or target.startswith("."):
            raise UsageError("relative module names are not supported: %r" % target)
        import importlib.util

        saved = sys.path[:]
        try:
            if not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)):
                sys.path.insert(0, os.getcwd())  # the child's sys.path[0] for -m
            found = importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            found = False
        finally:
            sys.path[:] = saved
        if not found:
            raise UsageError("No module named %r" % top)


def _may_be_zip(path: str) -> bool:
    """Whether path's last 64 KiB hold a zip end-of-directory signature (zipfile, which costs the
    command line's start-up 10 ms, is imported only then)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 65536 - 22))
            return b"PK\x05\x06" in f.read()
    except OSError:
        return False


def run_program(
    ns: argparse.Namespace, mode: str, target: str, program_args: list[str], report: bool = True
) -> tuple[int, Trace | None]:
    """Run the program traced in a child interpreter and render the report (unless report is
    False); return its exit status (negative: the signal that ended it) and its trace."""
    output = _output.writable(ns.output, "the report to") if ns.output else None
    stream_path = _output.writable(ns.stream, "the stream to") if getattr(ns, "stream", None) else ""
    render_options = _output.render_options(ns, None if output else sys.stderr) if report else {}
    check_target(mode, target)
    prepare = (lambda: _output.prepare(ns.format)) if report else None
    follow = not getattr(ns, "no_follow", False)
    explain = bool(ns.explain) or ns.format == "story"  # the story tells what explain records
    trace, status = trace_program(mode, target, program_args, stream_path, explain, prepare, follow)
    if trace is not None and trace.header.get("complete") is False:
        print(
            "%s: the program ended abruptly (status %d); the trace was recovered from the stream file "
            "and lacks at most the event in flight" % (PROG, status),
            file=sys.stderr,
        )
    if trace is not None and report:
        _output.report(trace, ns, render_options, output)
        _output.report_why(trace, ns, output)
    if trace is None:
        print(
            "%s: the program ended without handing over its trace (os._exit, a crash or a signal); "
            "--stream FILE keeps events as they happen" % PROG,
            file=sys.stderr,
        )
    return status, trace


def child_command(
    mode: str,
    target: str,
    args: list[str],
    out: str,
    stream_path: str = "",
    explain: bool = False,
    session: str = "",
) -> list[str]:
    """The command that runs the program traced in a child interpreter (same executable, and the
    interpreter options this one was given), handing the trace over as a marshal file at ``out``; its
    child processes are followed into the directory ``session`` (empty: not followed).
    The benchmarks time exactly this command."""
    from ._follow import boot_command
    from ._interpreter import interpreter_command

    pkgdir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # src/, or site-packages
    abspath = _absolute(target) if mode == "script" else ""
    if mode == "script":
        path0 = os.path.dirname(os.path.realpath(abspath))  # python resolves the script's symlinks
    else:
        path0 = os.getcwd() if mode == "module" else ""
    argv0, interpreter, letters = interpreter_command()
    options = ",".join(name for name, on in (("explain", explain), ("x", "x" in letters)) if on)
    return boot_command(
        sys.executable,
        interpreter,
        mode,
        target,
        abspath,
        path0,
        args,
        pkgdir,
        out,
        session,
        stream_path,
        options,
        argv0,
    )


def _absolute(path: str) -> str:
    """path made absolute as python makes a script's (__file__, tracebacks): joined to the working
    directory, not normalised ('./app.py' stays '/cwd/./app.py')."""
    if not path or path == ".":
        return os.getcwd()
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def trace_program(
    mode: str,
    target: str,
    args: list[str],
    stream_path: str = "",
    explain: bool = False,
    meanwhile: Callable[[], object] | None = None,
    follow: bool = True,
) -> tuple[Trace | None, int]:
    """Run the program in a child interpreter; return its trace (None if it died without one) and
    its exit status (negative: the signal that ended it).  meanwhile runs here while the program runs.
    With follow, the trace also has the events of every Python process the program started (see
    importtrace.run._follow), which write their records into the run's directory."""
    session = _session_dir()
    out = os.path.join(session, "program.trace")
    try:
        command = child_command(mode, target, args, out, stream_path, explain, session if follow else "")
        status = _spawn(command, meanwhile)
        trace = read_child_trace(out)
        if trace is None and stream_path and os.path.exists(stream_path):
            from ..trace._file import read

            try:
                trace = read(stream_path)
            except TraceError:
                trace = None
        if trace is not None and follow:
            from ..trace._processes import collect, merge

            trace = merge(trace, collect(session))
    finally:
        _remove(session)
    if trace is not None:
        trace.header.setdefault("program", {"mode": mode, "target": target, "args": list(args)})
        trace.header["program"]["status"] = status
        processes = trace.header.get("processes")
        if processes and isinstance(processes[0], dict) and processes[0].get("how") == "main":
            processes[0]["exit"] = status
    return trace, status


def _session_dir() -> str:
    """A new private directory for the run: the program's trace and each child process's record
    (tempfile, which costs start-up 3 ms, only as a fallback)."""
    directory = os.environ.get("TMPDIR") or os.environ.get("TEMP") or os.environ.get("TMP") or "/tmp"
    # absolute, as tempfile's: the program may change directory before the child writes the trace
    path = os.path.join(os.path.abspath(directory), "importtrace-%d-%s" % (os.getpid(), os.urandom(6).hex()))
    try:
        os.mkdir(path, 0o700)
        return path
    except OSError:
        import tempfile

        return tempfile.mkdtemp(prefix="importtrace-")


def _remove(directory: str) -> None:
    """Remove the run's directory and the files in it (a child still running may write no more)."""
    try:
        for name in os.listdir(directory):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass
        os.rmdir(directory)
    except OSError:
        pass


def read_child_trace(path: str) -> Trace | None:
    """The trace a child handed over at path (None if it wrote none: os._exit, a crash)."""
    import marshal

    try:
        with open(path, "rb") as f:
            data = f.read()
        if not data:
            return None
        header, records = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return Trace.from_records(header, records)


def _spawn(cmd: list[str], meanwhile: Callable[[], object] | None = None) -> int:
    """Run the child, passing on the signals sent to this process (see importtrace.run._spawn)."""
    from ._spawn import run

    return run(cmd, meanwhile)


def exit_like(status: int) -> int:
    """Return status for sys.exit, or die by the same signal the program died of."""
    if status < 0:
        import signal

        sys.stdout.flush()
        sys.stderr.flush()
        try:
            signal.signal(-status, signal.SIG_DFL)
            os.kill(os.getpid(), -status)
        except (OSError, ValueError):
            pass
        return 128 - status
    return status
