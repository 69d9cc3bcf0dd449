"""Running the program's interpreter as a child of the command line, and passing on every signal sent
to importtrace itself (`kill -INT PID`, a supervisor's SIGTERM, `Popen.send_signal`), each once.

A terminal sends Ctrl-C, Ctrl-Z, Ctrl-\\ and window resizes to its whole foreground process group.
With a controlling terminal the program stays in importtrace's process group, as under plain
`python`, so those reach it directly and job control works; a signal the kernel sent (siginfo
si_code SI_KERNEL) is then not passed on again.  Without one (services, containers, CI), the program
gets a process group of its own, so a signal sent to importtrace's group (``kill -- -PGID``,
``timeout``) reaches only importtrace, which passes it on.  Signals the program (or its children)
sent are never passed back to it.  When the program stops (Ctrl-Z, SIGSTOP), importtrace stops with
the same signal, so that a shell sees the job stopped; in the shared group, a SIGCONT is passed on
only if it finds the program still stopped (one sent to the whole job has continued it already).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal
    from typing import Any, Callable
else:
    import _signal as signal  # the C module: signal.py imports enum, which the command line need not load

_SI_KERNEL = {"linux": 0x80, "freebsd": 0x10006}.get(sys.platform.rstrip("0123456789"))
#: What a terminal sends to its foreground (or, for TTIN and TTOU, background) process group.
_TERMINAL = {
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGTSTP,
    signal.SIGTTIN,
    signal.SIGTTOU,
    signal.SIGWINCH,
    signal.SIGHUP,
    signal.SIGCONT,
}
_UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}
#: Faults: a Python-level handler would return to the faulting instruction, over and over.
_FAULTS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL}


def run(cmd: list[str], meanwhile: Callable[[], object] | None = None) -> int:
    """Run cmd, passing on signals, until it ends; its exit status (negative: the signal that ended it).
    meanwhile, if given, is called once the program has started (the command line imports what it
    renders with while the program runs); signals that arrive during it are passed on after it."""
    if not hasattr(os, "posix_spawn"):  # Windows: Ctrl-C reaches the whole console; nothing to pass on
        import subprocess

        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            process = subprocess.Popen(cmd)
            _call(meanwhile)
            return process.wait()
        finally:
            signal.signal(signal.SIGINT, old)
    own_group = not _has_controlling_terminal()
    caught: list[int] = sorted(set(signal.valid_signals()) - _UNCATCHABLE)
    if hasattr(signal, "sigtimedwait"):
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, caught)
        try:
            child = _Child(_start(cmd, old_mask, own_group), own_group)
            _call(meanwhile)
            status = child.wait_blocked(caught)
        finally:
            while signal.sigtimedwait(caught, 0) is not None:
                pass  # sent to us while the program ended (a terminal's Ctrl-C): nothing left to act on
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    else:  # macOS: handlers, without siginfo
        saved = {s: signal.getsignal(s) for s in caught if s not in _FAULTS}
        child = _Child(-1, own_group)
        try:
            for s in saved:
                signal.signal(s, child.handle)
            child.pid = _start(cmd, signal.pthread_sigmask(signal.SIG_BLOCK, []), own_group)
            _call(meanwhile)
            status = child.wait_in_waitpid()
        finally:
            for s, handler in saved.items():
                signal.signal(s, handler if handler is not None else signal.SIG_DFL)
    return os.waitstatus_to_exitcode(status)


def _call(meanwhile: Callable[[], object] | None) -> None:
    """Call meanwhile; whatever it raises is not the program's business (the caller meets it again later)."""
    if meanwhile is not None:
        try:
            meanwhile()
        except Exception:
            pass


def _start(cmd: list[str], mask: Any, own_group: bool) -> int:
    """Start cmd with the signal mask this process had (dispositions are inherited as they were)."""
    if own_group:
        return os.posix_spawn(cmd[0], cmd, os.environ, setsigmask=mask, setpgroup=0)
    return os.posix_spawn(cmd[0], cmd, os.environ, setsigmask=mask)


def _has_controlling_terminal() -> bool:
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


class _Child:
    """The program's process: waits for it, passes signals on, mirrors its stops."""

    def __init__(self, pid: int, own_group: bool) -> None:
        self.pid = pid
        self.own_group = own_group
        self.stopped = False

    def wait_blocked(self, caught: list[int]) -> int:
        """Wait with every catchable signal blocked, taking them with their siginfo."""
        while True:
            info = signal.sigtimedwait(caught, 1.0)  # the timeout: a SIGCHLD taken by another thread
            if info is None or info.si_signo == signal.SIGCHLD:
                status = self._reap()
                if status is not None:
                    return status
            elif self._wanted(info.si_signo, info.si_code, info.si_pid):
                self._send(info.si_signo)

    def wait_in_waitpid(self) -> int:
        """Wait in waitpid; the handlers pass signals on in between."""
        while True:
            _, status = os.waitpid(self.pid, os.WUNTRACED)
            if os.WIFSTOPPED(status):
                self.stopped = True
                _stop_like(os.WSTOPSIG(status))
            else:
                return status

    def handle(self, signum: int, frame: Any) -> None:
        """The signal handler where there is no siginfo."""
        if self.pid > 0 and self._wanted(signum, None, None):
            self._send(signum)

    def _reap(self) -> int | None:
        """The wait status once the program has ended; mirror a stop meanwhile."""
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG | os.WUNTRACED | os.WCONTINUED)
            except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): no status to give
                return 0
            if pid == 0:
                return None
            if os.WIFSTOPPED(status):
                self.stopped = True
                _stop_like(os.WSTOPSIG(status))
            elif os.WIFCONTINUED(status):
                self.stopped = False
            else:
                return status

    def _wanted(self, signum: int, code: int | None, sender: int | None) -> bool:
        """Whether a signal importtrace received should go on to the program (code and sender: from
        its siginfo, None where there is none: then a terminal's signals are taken to be the terminal's)."""
        if signum == signal.SIGCHLD:
            return False
        if code is None:
            kernel = signum in _TERMINAL
        elif _SI_KERNEL is not None:
            kernel = code == _SI_KERNEL
        else:
            kernel = sender == 0 and signum in _TERMINAL
        if kernel and not (self.own_group and signum in _TERMINAL):
            # The terminal sent it to the program's group too.  Timers (alarm()) outlive exec and were
            # meant for the program; other kernel signals are about this process's own resources.
            return signum == signal.SIGALRM
        if sender is not None and (sender == os.getpid() or self._from_program(sender)):
            return False
        if signum == signal.SIGCONT and not self.own_group:
            return self._is_stopped()  # a SIGCONT sent to the whole job has already continued it
        return True

    def _from_program(self, sender: int) -> bool:
        """The program or one of its descendants (sending to its whole group, or to its parent)."""
        if sender <= 0:
            return False
        if sender == self.pid:
            return True
        if self.own_group:
            try:
                if os.getpgid(sender) == self.pid:
                    return True
            except OSError:
                pass
        for _ in range(64):  # Linux: up the sender's ancestors
            sender = _parent(sender)
            if sender == self.pid:
                return True
            if sender <= 1 or sender == os.getpid():
                return False
        return False

    def _is_stopped(self) -> bool:
        try:
            with open("/proc/%d/stat" % self.pid, "rb") as f:
                return f.read().rpartition(b")")[2].split()[0] == b"T"
        except (OSError, IndexError):
            return self.stopped

    def _send(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except OSError:
            return  # it has just ended
        if signum == signal.SIGCONT:
            self.stopped = False


def _parent(pid: int) -> int:
    """pid's parent from /proc (0 where unknown)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return int(f.read().rpartition(b")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _stop_like(signum: int) -> None:
    """Stop this process as the program stopped, so that whoever waits for importtrace (a shell's job
    control) sees it stopped; return once continued."""
    if signum in _UNCATCHABLE or signum not in signal.valid_signals():
        os.kill(os.getpid(), signal.SIGSTOP)
        return
    old = signal.signal(signum, signal.SIG_DFL)
    try:
        os.kill(os.getpid(), signum)  # if blocked, delivered on unblocking: stopped there until SIGCONT
        if signum in signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum]):
            signal.pthread_sigmask(signal.SIG_BLOCK, [signum])
    finally:
        signal.signal(signum, old)
