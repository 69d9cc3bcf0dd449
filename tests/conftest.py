"""Shared fixtures: every test starts and ends with the same import state, and fails if it leaks hooks;
and the helpers several test files use (file writers, the command line, a traced import, golden files)."""

from __future__ import annotations

import builtins
import importlib
import itertools
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

import importtrace
from importtrace import record
from importtrace.record import _session

# A suite started with SIGINT ignored (`pytest &` from a script: the shell ignores it for background
# commands) passes that on to every program it starts, and the tests of Ctrl-C would see programs that
# cannot be interrupted, traced or not: give the programs the default a terminal gives them.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def import_state() -> Iterator[None]:
    """Snapshot and restore sys.modules, sys.path, sys.meta_path and the patched functions."""
    modules = dict(sys.modules)
    path = list(sys.path)
    meta_path = list(sys.meta_path)
    path_hooks = list(sys.path_hooks)
    importer_cache = dict(sys.path_importer_cache)
    saved = (builtins.__import__, importlib.import_module, importlib.reload)
    # Compared with the state before the test, not with none: under `python -m importtrace -m pytest`
    # the command line's own recording is active throughout.
    active = record.active()
    finders = [f for f in sys.meta_path if record.is_finder(f)]
    yield
    leaks = []
    if record.active() != active:
        leaks.append("the recorder is still active")
    if builtins.__import__ is not saved[0]:
        leaks.append("builtins.__import__ was not restored")
    if (importlib.import_module, importlib.reload) != saved[1:]:
        leaks.append("importlib.import_module/reload were not restored")
    if [f for f in sys.meta_path if record.is_finder(f)] != finders:
        leaks.append("importtrace's finder is still in sys.meta_path")
    for recording in list(_session._sessions):
        recording.stop()
    _session._global = None
    for name in [n for n in sys.modules if n not in modules]:
        del sys.modules[name]
    sys.modules.update(modules)
    sys.path[:] = path
    sys.meta_path[:] = meta_path
    sys.path_hooks[:] = path_hooks
    sys.path_importer_cache.clear()
    sys.path_importer_cache.update(importer_cache)
    builtins.__import__, importlib.import_module, importlib.reload = saved
    if leaks:
        pytest.fail("test leaked import state: " + "; ".join(leaks))


@pytest.fixture
def fake_clock() -> Callable[[], int]:
    """A clock that advances 1000 ns per reading, for stable times."""
    return itertools.count(0, 1000).__next__


class Project:
    """A directory of real modules on sys.path, written by the test."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: dict[str, str]) -> "Project":
        for rel, text in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            before = path.stat().st_mtime_ns if path.exists() else 0
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
            # A rewrite must look newer to a cached finder or pyc, and a pyc keeps whole seconds (and
            # the size): each write is at least a second after the one before, however fast they come.
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, max(st.st_mtime_ns + 2_000_000_000, before + 1_000_000_000)))
        importlib.invalidate_caches()
        return self


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    sys.path.insert(0, str(root))
    return Project(root)


# --- helpers the test files share ----------------------------------------------------------------------


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write files (relative path -> text, dedented, leading blank lines dropped) under root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run_cli(
    args: list[str],
    cwd: Path,
    *,
    traced: bool = True,
    input: str | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m importtrace args` (or `python args` untraced) in cwd, its output captured as text."""
    cmd = [sys.executable, *(["-m", "importtrace"] if traced else []), *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, input=input, timeout=timeout, env=env)


def traced_import(name: str, clock: Callable[[], int] | None = None) -> importtrace.Trace:
    """The trace of importing name in this process."""
    with importtrace.trace(clock) as t:
        importlib.import_module(name)
    return t.trace


#: file:line of traced_import's import_module call, where every chain it records starts
TRACED_IMPORT_AT = "%s:%d" % (__file__, traced_import.__code__.co_firstlineno + 3)

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str, text: str) -> None:
    """Compare text with the golden file name (IMPORTTRACE_UPDATE_GOLDEN=1 writes it instead)."""
    path = GOLDEN / name
    if os.environ.get("IMPORTTRACE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with IMPORTTRACE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
