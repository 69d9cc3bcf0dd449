"""importtrace's pytest plugin: the ``import_trace`` fixture and the ``--importtrace`` report.

PYTEST_DONT_REWRITE (pytest may import this after importtrace is loaded: see importtrace/__init__.py)

pytest loads this in every session where importtrace is installed (the ``pytest11`` entry point), so
importing it loads only importtrace's own small modules and starts no trace: tracing begins when a
test asks for the fixture, or for every test with ``--importtrace``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from ..filters._kinds import is_importtrace
from ..record import Recording, add_machinery
from ..rules._assertions import (
    assert_imported,
    assert_max_modules,
    assert_no_cycles,
    assert_not_imported,
    assert_not_loaded,
    assert_not_requested,
    import_time,
)
from ..trace._queries import TraceQueries
from ..trace._trace import Trace
from ..trace._units import ms
from . import _fresh

if TYPE_CHECKING:
    from ..rules._diff import Side
    from ..rules._diffresult import Diff

__all__ = ["ImportTrace", "import_trace", "summarize"]

_SECTION = "importtrace"  # the name of the report section holding a test's import summary
_FIXTURE = pytest.StashKey["ImportTrace"]()
_T = TypeVar("_T")


class _Segments:
    """A recording that can pause and resume: each stretch is a Recording, and ``trace()`` joins
    them into one Trace (times on one clock, from the start of the first)."""

    def __init__(self) -> None:
        self._parts: list[tuple[int, Trace]] = []
        self._current: Recording | None = None
        self._t0: int | None = None
        self._joined: Trace | None = None

    @property
    def recording(self) -> bool:
        return self._current is not None

    def resume(self) -> None:
        if self._current is None:
            self._current = self._begin()

    def pause(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            self._end(current)

    def cut(self) -> Trace:
        """Everything so far while recording goes on: the next stretch starts before this one stops,
        so no import falls between the two."""
        current = self._current
        if current is not None:
            self._current = self._begin()
            self._end(current)
        return self.trace()

    def trace(self) -> Trace:
        if self._joined is None:
            self._joined = _join(self._parts) if self._parts else Trace([])
        return self._joined

    def _begin(self) -> Recording:
        return Recording().start()

    def _end(self, recording: Recording) -> None:
        trace = recording.stop()  # stretches end in the order they began: the first sets the clock's start
        if self._t0 is None:
            self._t0 = trace.t0
        self._parts.append((trace.t0 - self._t0, trace))
        self._joined = None


def _join(parts: list[tuple[int, Trace]]) -> Trace:
    """One Trace from consecutive stretches: starts shifted onto the first's clock, notes and
    threads merged (thread 1 is the test's in each), an event two stretches both saw kept once."""
    if len(parts) == 1:
        return parts[0][1]
    header = dict(parts[0][1].header)
    events: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    seen: set[int] = set()
    threads: dict[int, str | None] = {}
    by_name: dict[str, int] = {}
    for offset, trace in parts:
        renumber: dict[int, int] = {}
        for entry in trace.header.get("threads") or []:
            n, name = entry.get("thread"), entry.get("name")
            if n == 1:
                merged = 1
            elif name is not None and name in by_name:
                merged = by_name[name]
            else:
                merged = max(threads, default=1) + 1
            renumber[n] = merged
            threads.setdefault(merged, name)
            if name is not None:
                by_name.setdefault(name, merged)
        for e in trace.events:
            if e.id in seen:
                continue
            seen.add(e.id)
            d = e.to_dict()
            d["start"] += offset
            d["thread"] = renumber.get(d["thread"], d["thread"])
            events.append(d)
        notes.extend(dict(n, at=n.get("at", 0) + offset) for n in trace.notes)
    last_offset, last = parts[-1]
    header["duration"] = last_offset + last.duration
    header["notes"] = notes
    header["threads"] = [{"thread": n, "name": name} for n, name in sorted(threads.items())]
    return Trace.from_dicts(header, events)


class ImportTrace(TraceQueries):
    """What the ``import_trace`` fixture gives a test: a trace that records from the fixture's set-up
    until the test function returns (or ``stop()``), with fresh imports and assertions on it."""

    def __init__(self) -> None:
        self._segments = _Segments()
        self._fresh: list[_fresh.FreshImport] = []
        self._stopped = False

    # --- the trace ------------------------------------------------------------------------------

    @property
    def trace(self) -> Trace:
        """The trace of everything recorded so far; recording goes on (a new Trace each time)."""
        return self._segments.cut()

    @property
    def recording(self) -> bool:
        return self._segments.recording

    def stop(self) -> Trace:
        """Stop recording now (later imports are not traced) and return the trace; again: the same."""
        self._stopped = True
        self._segments.pause()
        return self._segments.trace()

    def __getattr__(self, name: str) -> Any:
        """Trace queries on the trace so far: ``import_trace.loaded()``, ``import_trace.why("json")``."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.trace, name)

    # --- fresh imports ------------------------------------------------------------------------------

    def fresh_import(self, name: str, *, unload: Iterable[str] = (), keep: Iterable[str] = ()) -> ModuleType:
        """Import ``name`` afresh inside the trace, as if for the first time (see importtrace.fresh_import
        for what is unloaded); the previous sys.modules entries come back when the test ends."""
        fresh = _fresh.FreshImport(name, unload, keep)
        module = fresh.start()
        self._fresh.append(fresh)
        return module

    # --- assertions (on the trace so far, with recording paused while they run) ----------------------

    def assert_not_imported(self, *patterns: str) -> None:
        """Fail if a matching module was imported (loaded, or a cache hit)."""
        __tracebackhide__ = True
        self._paused(assert_not_imported, *patterns)

    def assert_not_loaded(self, *patterns: str) -> None:
        """Fail if a matching module was loaded (its code ran)."""
        __tracebackhide__ = True
        self._paused(assert_not_loaded, *patterns)

    def assert_not_requested(self, *patterns: str) -> None:
        """Fail if anything asked for a matching module, even without finding it."""
        __tracebackhide__ = True
        self._paused(assert_not_requested, *patterns)

    def assert_imported(self, *patterns: str) -> None:
        """Fail unless each pattern matched an imported module."""
        __tracebackhide__ = True
        self._paused(assert_imported, *patterns)

    def assert_max_modules(self, limit: int, pattern: str | None = None) -> None:
        """Fail if more than ``limit`` modules (matching ``pattern``, if given) were loaded."""
        __tracebackhide__ = True
        self._paused(assert_max_modules, limit, pattern)

    def assert_no_cycles(
        self, pattern: str | list[str] | None = None, *, stdlib: bool = False, third_party: bool = False
    ) -> None:
        """Fail on a circular import in the program's own code (with a module matching ``pattern``
        instead, if given; inside installed packages only with ``third_party=True``, between
        standard-library modules only with ``stdlib=True``)."""
        __tracebackhide__ = True
        self._paused(assert_no_cycles, pattern, stdlib=stdlib, third_party=third_party)

    # --- comparing with a baseline (recording paused meanwhile) ---------------------------------------

    def diff(self, before: Side) -> Diff:
        """The diff from ``before`` (a saved trace file, a directory of them, a Trace) to the trace so far."""
        from ..rules._diff import diff

        return self._paused(lambda trace: diff(before, trace))

    def assert_diff(
        self,
        before: Side,
        *,
        max_new_modules: int | None = 0,
        max_slowdown: float | None = None,
        forbid: Iterable[str] = (),
    ) -> None:
        """Fail if the trace so far breaks the rules against ``before``: by default, if it loaded any
        module that ``before`` did not (see importtrace.assert_diff)."""
        __tracebackhide__ = True
        from ..rules._diff import assert_diff, diff

        def check(trace: Trace) -> None:
            __tracebackhide__ = True
            found = diff(before, trace)
            assert_diff(found, max_new_modules=max_new_modules, max_slowdown=max_slowdown, forbid=forbid)

        self._paused(check)

    # --- plumbing -----------------------------------------------------------------------------------

    def _paused(self, check: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """check(trace so far, *args, **kwargs) with recording paused, so that the caller's own work
        is not recorded; recording resumes afterwards (unless stopped), whatever check raised."""
        __tracebackhide__ = True
        self._segments.pause()
        try:
            return check(self._segments.trace(), *args, **kwargs)
        finally:
            self._resume()

    def _resume(self) -> None:
        if not self._stopped:
            self._segments.resume()

    def _finish(self) -> None:
        """At teardown: stop recording, then put back what fresh imports took out (latest first)."""
        self._stopped = True
        self._segments.pause()
        while self._fresh:
            self._fresh.pop().restore()

    def __repr__(self) -> str:
        state = "recording" if self.recording else "stopped" if self._stopped else "paused"
        return f"<ImportTrace {state}>"


@pytest.fixture
def import_trace(request: pytest.FixtureRequest) -> Iterator[ImportTrace]:
    """Trace the imports of this test: from the fixture's set-up until the test function returns.

    ``import_trace.fresh_import("pkg.mod")`` imports a module as if for the first time;
    ``import_trace.assert_not_imported("pandas*")`` and the other assertions check the trace so far;
    ``import_trace.trace`` is that trace (recording goes on); ``import_trace.stop()`` ends it."""
    tracer = ImportTrace()
    tracer._segments.resume()
    request.node.stash[_FIXTURE] = tracer
    try:
        yield tracer
    finally:
        tracer._finish()
        del request.node.stash[_FIXTURE]


# --- hooks: keep the fixture's trace to the test's own code, and --importtrace ------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("importtrace")
    group.addoption(
        "--importtrace",
        action="store_true",
        default=False,
        help="trace each test's imports (set-up and call) and add a summary per test to the report",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("importtrace", False):
        config.pluginmanager.register(_Reporter(), "importtrace-reporter")


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield
    tracer = item.stash.get(_FIXTURE, None)
    if tracer is not None:  # reporting the set-up is pytest's work, not the test's: pause until the call
        tracer._segments.pause()


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    tracer = item.stash.get(_FIXTURE, None)
    if tracer is not None:
        tracer._resume()
    try:
        yield
    finally:
        tracer = item.stash.get(_FIXTURE, None)
        if tracer is not None:
            tracer._segments.pause()


class _Reporter:
    """--importtrace: traces each test's set-up and call, attaches a summary to the test's report as a
    section (so it travels from pytest-xdist workers), and lists the summaries at the end."""

    def __init__(self) -> None:
        self._running: dict[str, _Segments] = {}
        self.summaries: list[tuple[str, str]] = []

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        segments = self._running[item.nodeid] = _Segments()
        segments.resume()
        try:
            yield
        finally:
            segments.pause()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        segments = self._running.get(item.nodeid)
        if segments is not None:
            segments.resume()
        try:
            yield
        finally:
            if segments is not None:
                segments.pause()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if call.when == "setup" and report.passed:
            return  # the call comes next: its imports join the set-up's
        segments = self._running.pop(item.nodeid, None)
        if segments is not None:
            segments.pause()
            if call.when == "call" or report.failed:
                report.sections.append((_SECTION, summarize(segments.trace())))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, text in report.sections:
            if name == _SECTION:
                self.summaries.append((report.nodeid, text))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.summaries:
            return
        terminalreporter.write_sep("=", "importtrace: imports per test")
        for nodeid, text in self.summaries:
            first, *rest = text.splitlines()
            terminalreporter.write_line(f"{nodeid}: {first}")
            for line in rest:
                terminalreporter.write_line("    " + line)


def summarize(trace: Trace, slowest: int = 3, listed: int = 15) -> str:
    """A test's import summary: modules loaded, cache hits, reloads and time; the slowest loads; their names."""
    own = is_importtrace
    loads = [e for e in trace.events if e.kind == "load" and e.error is None and not own(e.name)]
    names = list(dict.fromkeys(e.name for e in loads))
    hits = sum(e.count for e in trace.events if e.kind == "hit" and not own(e.name))
    failed = [e for e in trace.failed() if not own(e.name)]
    unobserved = sum(1 for e in loads if not e.observed)
    reloads = sum(1 for e in trace.events if e.kind == "reload" and not own(e.name))

    from ..renderers._text import plural

    parts = [plural(len(names), "module") + " loaded", plural(hits, "cache hit")]
    if unobserved:
        parts.append(f"{unobserved:,} loaded unobserved (by a finder ahead of importtrace's)")
    if reloads:
        parts.append(plural(reloads, "reload"))
    if failed:
        parts.append(plural(len(failed), "failed import"))
    parts.append("imports took %s ms" % ms(import_time(trace), 2))
    lines = [", ".join(parts)]
    timed = sorted((e for e in loads if e.self_duration is not None), key=lambda e: -(e.self_duration or 0))
    if timed:
        lines.append(
            "slowest (self time): "
            + ", ".join("%s %s ms" % (e.name, ms(e.self_duration or 0, 2)) for e in timed[:slowest])
        )
    if names:
        shown = ", ".join(names[:listed])
        if len(names) > listed:
            shown += " (+%d more)" % (len(names) - listed)
        lines.append("loaded: " + shown)
    return "\n".join(lines)


# Frames of this module are import machinery to the recorder: a fresh import is attributed to the test.
add_machinery(ImportTrace.fresh_import.__code__.co_filename)
