"""The compiled hooks: the same behaviour as the pure-Python ones, and no frames in tracebacks."""

from __future__ import annotations

import builtins
import importlib
import sys
import traceback

import pytest

import importtrace
from importtrace import _recorder

from .conftest import Project

needs_speedups = pytest.mark.skipif(_recorder._speedups is None, reason="compiled hooks not built or disabled")


@needs_speedups
def test_compiled_hooks_are_installed_while_tracing() -> None:
    with importtrace.trace():
        assert type(builtins.__import__) is _recorder._speedups.Hook
        assert type(importlib.import_module) is _recorder._speedups.Hook
        assert builtins.__import__.__wrapped__ is builtins.__dict__["__import__"].orig  # type: ignore[attr-defined]


@needs_speedups
def test_failing_import_traceback_has_no_importtrace_frame(project: Project) -> None:
    project.write({"fails_here.py": "def f():\n    raise KeyError('k')\nf()\n"})
    with importtrace.trace():
        try:
            import fails_here  # noqa: F401
        except KeyError as exc:
            frames = traceback.extract_tb(exc.__traceback__)
    files = [f.filename for f in frames]
    assert files == [__file__, str(project.root / "fails_here.py"), str(project.root / "fails_here.py")]


@needs_speedups
def test_import_module_keeps_the_functions_attributes() -> None:
    original = importlib.import_module

    def bound_call_error(function: object) -> str:
        holder = type("Holder", (), {"imp": function})()
        try:
            holder.imp("os")  # type: ignore[attr-defined]
        except Exception as exc:  # a plain function binds self: import_module(holder, "os") fails
            return "%s: %s" % (type(exc).__name__, exc)
        return "no error"

    untraced = bound_call_error(original)
    with importtrace.trace():
        hook = importlib.import_module
        assert hook.__code__ is original.__code__  # what test_import's PycRewritingTests read
        assert hook.__name__ == "import_module" and hook.__wrapped__ is original  # type: ignore[attr-defined]
        assert bound_call_error(hook) == untraced != "no error"


def test_keyword_calls_and_counting_match_the_pure_hooks(project: Project) -> None:
    project.write({"kw_mod.py": "X = 1\n"})
    import kw_mod  # noqa: F401

    with importtrace.trace() as t:
        for _ in range(3):
            __import__(name="kw_mod", fromlist=["X"])
        for _ in range(4):
            importlib.import_module(name="kw_mod")
    hits = [(e.via, e.count) for e in t.events if e.kind == "hit"]
    assert hits == [("__import__", 3), ("import_module", 4)]


def test_relative_import_without_globals_fails_as_untraced() -> None:
    with pytest.raises(KeyError):
        __import__("sys", level=1)
    with importtrace.trace():
        with pytest.raises(KeyError):
            __import__("sys", level=1)


def test_hot_loop_stays_one_record() -> None:
    def work() -> None:
        import os  # noqa: F401

    with importtrace.trace() as t:
        for _ in range(100_000):
            work()
    hits = [e for e in t.events if e.kind == "hit"]
    assert [(e.name, e.count) for e in hits] == [("os", 100_000)]
    assert sys.getrefcount(hits[0]) > 0
