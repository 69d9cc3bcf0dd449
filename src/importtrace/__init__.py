"""importtrace: see how Python's import system fetched every module.

PYTEST_DONT_REWRITE (importtrace is often imported before pytest starts: see docs/design.md)

Record a block::

    import importtrace
    with importtrace.trace() as t:
        import json
    print(t.loaded())          # ['json', 'json.decoder', ...]
    print(t.why("json.scanner"))

Importing this package and starting a trace loads no module other than importtrace's own, so
the traced program loads exactly what it would load untraced.  Formatting, saving and the
command line import what they need only after recording.
"""

from ._session import Recording, start, stop, trace
from ._trace import Event, Trace, TraceError, TraceFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from typing import Union

__version__ = "0.1.0"

__all__ = [
    "Event",
    "Recording",
    "Trace",
    "TraceError",
    "TraceFileError",
    "__version__",
    "load",
    "render",
    "start",
    "stop",
    "trace",
]


def load(path: "Union[str, os.PathLike[str]]") -> Trace:
    """Read a trace saved with Trace.save() (or streamed by ``--stream``); raises TraceFileError."""
    from ._tracefile import read

    return read(path)


def render(trace: Trace, format: str = "timeline", **options: "object") -> str:
    """Render a trace (live or loaded) as text: "timeline", "tree", "table", "jsonl", "chrome",
    "importtime", "mermaid" or "html".  Options: see importtrace.renderers."""
    from .renderers import render as _render

    return _render(trace, format, **options)
