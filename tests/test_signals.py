"""Signals sent to `python -m importtrace` itself reach the program, each exactly once: real processes,
real signals, from another process, from a process-group kill and from a real terminal (a pty)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import importtrace

pytestmark = pytest.mark.skipif(not hasattr(signal, "sigwaitinfo"), reason="the observer needs sigwaitinfo")

# Takes each signal with its siginfo, so that it can tell who sent it: the kernel (a terminal),
# its parent (importtrace when traced), or another process.
OBSERVER = """\
import colorsys, os, signal, sys
barrier = signal.SIGRTMIN + 1
watched = [signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH, signal.SIGCONT,
           signal.SIGTERM, barrier]
signal.pthread_sigmask(signal.SIG_BLOCK, watched)
print("ready, parent", os.getppid(), flush=True)
while True:
    info = signal.sigtimedwait(watched, 120)
    if info is None:
        sys.exit("no signal for 120 s")  # a failed test does not leave it running
    if info.si_code == 0x80:
        sender = "kernel"
    elif info.si_pid == os.getppid():
        sender = "parent"
    else:
        sender = "pid%d" % info.si_pid
    name = "BARRIER" if info.si_signo == barrier else signal.Signals(info.si_signo).name
    print("got", name, "from", sender, flush=True)
    if info.si_signo == signal.SIGTERM:
        sys.exit(5)
"""

DEADLINE = 60.0  # only so that a broken build fails instead of hanging; nothing waits this long


_started: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def no_process_left() -> Any:
    """A failed test kills what it started (each runs in a session of its own)."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()


class Reader:
    """Lines from a pipe or a pty master, waited for by pattern."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.text = ""

    def wait_for(self, pattern: str) -> str:
        """The text up to and including the first match of pattern after what was already matched."""
        end = time.monotonic() + DEADLINE
        while True:
            found = re.search(pattern, self.text)
            if found:
                taken, self.text = self.text[: found.end()], self.text[found.end() :]
                return taken
            left = end - time.monotonic()
            assert left > 0, "no %r in output: %r" % (pattern, self.text)
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:  # a pty master once the terminal's last process has gone
                    data = b""
                assert data, "output ended without %r: %r" % (pattern, self.text)
                self.text += data.decode(errors="replace").replace("\r\n", "\n")

    def rest(self) -> str:
        """Everything until the other side closes."""
        while True:
            ready, _, _ = select.select([self.fd], [], [], DEADLINE)
            assert ready, "output did not end: %r" % self.text
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                data = b""
            if not data:
                return self.text
            self.text += data.decode(errors="replace").replace("\r\n", "\n")


def command(traced: bool, *extra: str) -> list[str]:
    prefix = ["-m", "importtrace", "--color", "never", *extra] if traced else []
    return [sys.executable, *prefix, "prog.py"]


def start_detached(tmp_path: Path, cmd: list[str]) -> tuple[subprocess.Popen[bytes], Reader]:
    """cmd in a session of its own, without a controlling terminal: as under a supervisor or in CI."""
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _started.append(proc)
    assert proc.stdout is not None
    reader = Reader(proc.stdout.fileno())
    reader.wait_for("ready.*\n")
    return proc, reader


def finish(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Exit status and stderr once the process has ended."""
    assert proc.stderr is not None
    err = Reader(proc.stderr.fileno()).rest()
    status = proc.wait(timeout=DEADLINE)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return status, err


def received(text: str, name: str) -> list[str]:
    return re.findall(r"got %s from (\S+)" % name, text)


def senders(pid: int, out: Reader, name: str) -> list[str]:
    """Who the program got signal name from, once the first has arrived: a real-time signal sent to
    importtrace after it (passed on after any second copy, and taken last) marks the end."""
    seen = out.wait_for("got %s from .*\n" % name)
    os.kill(pid, signal.SIGRTMIN + 1)
    seen += out.wait_for("got BARRIER from .*\n")
    return received(seen, name)


def has_trace(report: str) -> bool:
    return re.search(r"load +colorsys", report) is not None


@pytest.fixture
def prog(tmp_path: Path) -> Path:
    (tmp_path / "prog.py").write_text(OBSERVER)
    return tmp_path


@pytest.mark.parametrize("traced", [False, True], ids=["python", "importtrace"])
def test_signals_sent_to_importtrace_reach_the_program_once(prog: Path, traced: bool) -> None:
    proc, out = start_detached(prog, command(traced))
    for signum in (signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH, signal.SIGCONT):
        os.kill(proc.pid, signum)
        assert senders(proc.pid, out, signum.name) == ["parent"]  # importtrace, or the test when untraced
    os.kill(proc.pid, signal.SIGTERM)
    assert received(out.wait_for("got SIGTERM from .*\n"), "SIGTERM") == ["parent"]
    status, err = finish(proc)
    assert status == 5, err  # the program's own exit status
    assert has_trace(err) == traced  # the program handled the signal and ended: the trace is kept


@pytest.mark.parametrize("traced", [False, True], ids=["python", "importtrace"])
def test_a_process_group_sigint_reaches_the_program_once(prog: Path, traced: bool) -> None:
    """os.killpg, as a supervisor (or a terminal) does, on importtrace's process group."""
    proc, out = start_detached(prog, command(traced))
    os.killpg(proc.pid, signal.SIGINT)
    assert senders(proc.pid, out, "SIGINT") == ["parent"]  # from importtrace alone, or the test untraced
    os.killpg(proc.pid, signal.SIGTERM)
    assert len(received(out.wait_for("got SIGTERM from .*\n"), "SIGTERM")) == 1
    assert finish(proc)[0] == 5


def test_a_signal_the_program_sends_to_importtrace_is_not_passed_back(tmp_path: Path) -> None:
    """SIGUSR1 killed importtrace, leaving the program running without it and the trace lost."""
    (tmp_path / "prog.py").write_text(
        "import colorsys, os, signal, sys, time\n"
        "signal.signal(signal.SIGUSR1, lambda *a: print('program got SIGUSR1', flush=True))\n"
        "os.kill(os.getppid(), signal.SIGUSR1)\n"
        "time.sleep(0.5)\n"
        "print('done')\n"
    )
    done = subprocess.run(
        command(True, "--format", "jsonl", "-o", "t.jsonl"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        start_new_session=True,
    )
    assert done.returncode == 0 and done.stdout == "done\n", done.stderr
    assert "colorsys" in importtrace.load(tmp_path / "t.jsonl").loaded()


# "ready" once the main thread waits in wait(), so that the traceback is the same however fast the
# signal comes.
WAITING = """\
import colorsys, signal, sys, threading, time
def wait():
    time.sleep(60)
def announce():
    while sys._current_frames()[threading.main_thread().ident].f_code is not wait.__code__:
        time.sleep(0.01)
    print("ready", flush=True)
threading.Thread(target=announce, daemon=True).start()
"""


@pytest.mark.parametrize(
    ("source", "signum", "status"),
    [
        (WAITING + "wait()\n", signal.SIGINT, -signal.SIGINT),
        (
            WAITING + "signal.signal(signal.SIGTERM, lambda *a: sys.exit('stopping on SIGTERM'))\nwait()\n",
            signal.SIGTERM,
            1,
        ),
    ],
    ids=["keyboardinterrupt", "sigterm-handler"],
)
def test_the_program_ends_on_a_passed_on_signal_as_it_would_untraced(
    tmp_path: Path, source: str, signum: int, status: int
) -> None:
    """Same exit status (or death by the same signal), same output and traceback, and the trace."""
    (tmp_path / "prog.py").write_text(source)
    results = []
    for traced in (False, True):
        proc, _ = start_detached(tmp_path, command(traced, "--format", "jsonl", "-o", "t.jsonl"))
        os.kill(proc.pid, signum)
        results.append(finish(proc))
    (plain_status, plain_err), (traced_status, traced_err) = results
    assert plain_status == traced_status == status
    assert traced_err == plain_err and ("KeyboardInterrupt" in plain_err or "stopping on SIGTERM" in plain_err)
    assert "colorsys" in importtrace.load(tmp_path / "t.jsonl").loaded()


def test_without_siginfo_signals_are_still_passed_on(prog: Path) -> None:
    """Where there is no sigtimedwait (macOS), plain handlers pass the signals on."""
    code = textwrap.dedent(
        """
        import runpy, signal, sys
        del signal.sigtimedwait
        sys.argv = ["importtrace", "--color", "never", "prog.py"]
        runpy.run_module("importtrace", run_name="__main__")
        """
    )
    proc, out = start_detached(prog, [sys.executable, "-c", code])
    for signum in (signal.SIGINT, signal.SIGUSR1):
        os.kill(proc.pid, signum)
        assert senders(proc.pid, out, signum.name) == ["parent"]
    os.killpg(proc.pid, signal.SIGTERM)
    status, err = finish(proc)
    assert status == 5 and has_trace(err), err


# --- with a terminal ---------------------------------------------------------------------------------


def start_on_terminal(tmp_path: Path, cmd: list[str], env: dict[str, str] | None = None) -> tuple[Any, int, Reader]:
    """cmd as the session leader of a new pseudo-terminal, its controlling terminal."""
    master, slave = os.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_terminal,
        env=env,
    )
    _started.append(proc)
    os.close(slave)
    return proc, master, Reader(master)


@pytest.mark.parametrize("traced", [False, True], ids=["python", "importtrace"])
def test_a_terminals_signals_reach_the_program_once(prog: Path, traced: bool) -> None:
    """Ctrl-C and a window resize go to the terminal's whole foreground process group: the program
    gets them from the terminal, and importtrace passes on only what was sent to it alone."""
    proc, master, out = start_on_terminal(prog, command(traced, "-o", "report.txt"))
    out.wait_for("ready.*\n")
    os.write(master, b"\x03")  # Ctrl-C
    assert senders(proc.pid, out, "SIGINT") == ["kernel"]
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    assert senders(proc.pid, out, "SIGWINCH") == ["kernel"]
    os.kill(proc.pid, signal.SIGINT)  # kill -INT PID from another terminal
    assert senders(proc.pid, out, "SIGINT") == ["parent"]
    os.kill(proc.pid, signal.SIGTERM)
    out.wait_for("got SIGTERM")
    assert proc.wait(timeout=DEADLINE) == 5
    os.close(master)
    assert has_trace((prog / "report.txt").read_text()) if traced else True


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_job_control_stops_and_continues_the_program(prog: Path) -> None:
    """In an interactive shell: Ctrl-Z stops the job (importtrace stops with the program), fg
    continues it (one SIGCONT), Ctrl-C ends it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PS1="PROMPT$ ", PYTHONPATH=str(Path(importtrace.__file__).resolve().parent.parent))
    proc, master, out = start_on_terminal(prog, ["bash", "--norc", "--noprofile", "-i"], env)
    out.wait_for(r"PROMPT\$ ")
    os.write(master, (" ".join(command(True, "-o", "report.txt")) + "\n").encode())
    importtrace_pid = int(out.wait_for(r"ready, parent \d+\n").split()[-1])
    os.write(master, b"\x1a")  # Ctrl-Z
    out.wait_for(r"Stopped.*\n.*PROMPT\$ ")
    os.write(master, b"fg\n")
    assert senders(importtrace_pid, out, "SIGCONT") == ["pid%d" % proc.pid]  # from bash, once
    os.write(master, b"\x03")  # Ctrl-C
    assert senders(importtrace_pid, out, "SIGINT") == ["kernel"]
    os.kill(importtrace_pid, signal.SIGTERM)  # the job is in the foreground: bash waits for it
    out.wait_for("got SIGTERM from parent\n")
    os.write(master, b"echo status=$?\n")
    assert out.wait_for(r"status=\d+").endswith("status=5")
    os.write(master, b"exit\n")
    assert proc.wait(timeout=DEADLINE) == 0
    os.close(master)
    assert has_trace((prog / "report.txt").read_text())
