"""Renderers: each turns a finished Trace into one output format.  They never touch the import system.

``render(trace, "timeline", **options)`` is the single entry point (the command line's --format
and the library's importtrace.render both use it).  Each format lives in its own module with a
``render(trace, options) -> str`` function; filters are applied here, once, for all of them.
"""

from __future__ import annotations

import importlib
from typing import Any

from .._trace import Trace

#: format name -> module that renders it
FORMATS = {
    "timeline": "importtrace.renderers.timeline",
    "jsonl": "importtrace.renderers.jsonl",
}


class RenderError(ValueError):
    """An unknown format or a bad option value."""


def render(trace: Trace, format: str = "timeline", **options: Any) -> str:
    """Render trace in format; options are the format's (color, width, ...) and the shared filters."""
    try:
        module_name = FORMATS[format]
    except KeyError:
        raise RenderError("unknown format %r (choose from %s)" % (format, ", ".join(FORMATS))) from None
    module = importlib.import_module(module_name)
    return module.render(trace, options)  # type: ignore[no-any-return]
