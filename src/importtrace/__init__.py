"""importtrace: see how Python's import system fetched every module.

PYTEST_DONT_REWRITE (importtrace is often imported before pytest starts, and pytest must not rewrite it)

Record a block::

    import importtrace
    with importtrace.trace() as t:
        import json
    print(t.loaded())          # ['json', 'json.decoder', ...]
    print(t.why("json.scanner"))

Importing this package and starting a trace loads no module other than importtrace's own, so
the traced program loads exactly what it would load untraced.  Formatting, saving and the
command line import what they need only after recording.

Compare two runs (trace files, directories of repeated runs, or Traces)::

    d = importtrace.diff("before/", "after/")
    print(d.added_modules, d.import_time.change)
    importtrace.assert_diff(d, max_new_modules=0)   # AssertionError names the importing lines

Guard imports in tests (with or without pytest; the pytest plugin adds an ``import_trace`` fixture)::

    with importtrace.trace() as t, importtrace.fresh_import("app.cli"):
        pass
    importtrace.assert_not_imported(t, "pandas*")   # AssertionError names the importing lines
"""

import sys as _sys

from .record import Recording, start, stop, trace
from .trace import __version__
from .trace._event import Event, HitEvent, LoadEvent, ReloadEvent, SearchEvent, TraceError, TraceFileError
from .trace._trace import Trace

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from typing import Union

    from .integrations._fresh import FreshImport, fresh_import
    from .renderers._notes import note_text
    from .rules._assertions import (
        assert_imported,
        assert_max_modules,
        assert_no_cycles,
        assert_not_imported,
        assert_not_loaded,
        assert_not_requested,
    )
    from .rules._diff import assert_diff, diff
    from .rules._diffresult import Diff
    from .trace._anyevent import AnyEvent


__all__ = [
    "AnyEvent",
    "Diff",
    "Event",
    "FreshImport",
    "HitEvent",
    "LoadEvent",
    "Recording",
    "ReloadEvent",
    "SearchEvent",
    "Trace",
    "TraceError",
    "TraceFileError",
    "__version__",
    "assert_diff",
    "assert_imported",
    "assert_max_modules",
    "assert_no_cycles",
    "assert_not_imported",
    "assert_not_loaded",
    "assert_not_requested",
    "diff",
    "fresh_import",
    "load",
    "note_text",
    "render",
    "start",
    "stop",
    "trace",
]


def load(path: "Union[str, os.PathLike[str]]") -> Trace:
    """Read a trace saved with Trace.save() (or streamed by ``--stream``); raises TraceFileError."""
    from .trace._file import read

    return read(path)


def render(trace: Trace, format: str = "timeline", **options: "object") -> str:
    """Render a trace (live or loaded) as text: "timeline", "tree", "table", "jsonl", "chrome",
    "importtime", "mermaid" or "html".  Options: see importtrace.renderers."""
    from .renderers import render as _render

    return _render(trace, format, **options)


def load_ipython_extension(ipython: "object") -> None:
    """``%load_ext importtrace`` in IPython or Jupyter: adds the %importtrace and %%importtrace magics
    (importtrace.integrations._ipython, which imports IPython only now)."""
    from .integrations._ipython import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: "object") -> None:
    """``%unload_ext importtrace``: removes the magics again."""
    from .integrations._ipython import unload_ipython_extension as _unload

    _unload(ipython)


# Names whose module is imported on first use (importing importtrace stays as light as it is).
_LAZY = {
    "assert_imported": "rules._assertions",
    "assert_max_modules": "rules._assertions",
    "assert_no_cycles": "rules._assertions",
    "assert_not_imported": "rules._assertions",
    "assert_not_loaded": "rules._assertions",
    "assert_not_requested": "rules._assertions",
    "FreshImport": "integrations._fresh",
    "fresh_import": "integrations._fresh",
    "Diff": "rules._diffresult",
    "assert_diff": "rules._diff",
    "diff": "rules._diff",
    "AnyEvent": "trace._anyevent",  # a typing.Union: imports typing
    "note_text": "renderers._notes",
}


def __getattr__(name: str) -> "object":
    """The lazy names: an already imported module is taken from sys.modules, so that using one while
    a trace records adds no import event; otherwise the first use imports importtrace's module."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'importtrace' has no attribute {name!r}")
    full = "importtrace." + module_name
    module = _sys.modules.get(full)
    if module is None:
        __import__(full)
        module = _sys.modules[full]
    value = getattr(module, name)
    globals()[name] = value
    return value
