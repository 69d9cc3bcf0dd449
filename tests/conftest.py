"""Shared fixtures: every test starts and ends with the same import state, and fails if it leaks hooks."""

from __future__ import annotations

import builtins
import importlib
import itertools
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from importtrace import _recorder, _session

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
    yield
    leaks = []
    if _recorder.active():
        leaks.append("the recorder is still active")
    if builtins.__import__ is not saved[0]:
        leaks.append("builtins.__import__ was not restored")
    if (importlib.import_module, importlib.reload) != saved[1:]:
        leaks.append("importlib.import_module/reload were not restored")
    if any(isinstance(f, _recorder.ImporttraceFinder) for f in sys.meta_path):
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
            st = path.stat()  # a rewrite must look newer to a cached finder or pyc, even within a second
            os.utime(path, ns=(st.st_atime_ns, max(st.st_mtime_ns, before) + 2_000_000_000))
        importlib.invalidate_caches()
        return self


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    sys.path.insert(0, str(root))
    return Project(root)
