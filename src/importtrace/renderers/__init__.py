"""Renderers: each turns a finished Trace into one output format.  They never touch the import system.

``render(trace, "timeline", **options)`` is the single entry point (the command line's --format
and the library's importtrace.render both use it).  Each format lives in its own module with a
``render(trace, options) -> str`` function; options are checked and filters applied here, once, for
all of them.  See docs/formats.md for every format and option.
"""

from __future__ import annotations

import importlib
import os

from ..trace._trace import Trace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Finished(Protocol):
        """What render() takes besides a Trace: anything whose class has a ``trace`` property giving one (a
        finished Recording, from ``with importtrace.trace() as t``), found by duck typing so that the
        renderers never import the recorder."""

        @property
        def trace(self) -> Trace: ...


#: format name -> module that renders it ("auto": the timeline, or the summary for a large trace)
FORMATS = {
    "auto": "",
    "summary": "importtrace.renderers.summary",
    "timeline": "importtrace.renderers.timeline",
    "tree": "importtrace.renderers.tree",
    "table": "importtrace.renderers.table",
    "jsonl": "importtrace.renderers.jsonl",
    "chrome": "importtrace.renderers.chrome",
    "importtime": "importtrace.renderers.importtime",
    "mermaid": "importtrace.renderers.mermaid",
    "html": "importtrace.renderers.html",
    "story": "importtrace.renderers.story",
}

#: formats that show each process of a trace in its own section, and formats that show one process (the
#: program's, unless the pid option names another)
SECTIONED = ("summary", "timeline", "story", "tree", "table")
ONE_PROCESS = ("importtime", "mermaid", "html")

#: display options (the filters are in importtrace.filters._filters.FILTER_OPTIONS) and their defaults
DISPLAY_OPTIONS: dict[str, Any] = {
    "color": False,
    "width": None,
    "style": "simple",
    "top": 15,
    "explain": False,
    "explained": None,
}


class RenderError(ValueError):
    """An unknown format or a bad option value."""


def render(trace: Trace | Finished, format: str = "timeline", **options: Any) -> str:
    """Render trace (a Trace, or a finished Recording) in format.

    Options are the display options (color, width, style, top, explain) and the shared filters (include,
    exclude, kinds, min_duration, depth, hide_stdlib, hide_noise); None means the default.  explain=True
    adds plain-language notes under each line of the timeline; the other formats accept and ignore it
    (jsonl and chrome carry the recorded facts anyway).  Raises RenderError with one line on bad input."""
    from ..filters._filters import FILTER_OPTIONS, filter_trace
    from ..trace._write import paused_gc

    try:
        module_name = FORMATS[format]
    except (KeyError, TypeError):
        raise RenderError("unknown format %r (choose from %s)" % (format, ", ".join(FORMATS))) from None
    if not isinstance(trace, Trace) and isinstance(getattr(type(trace), "trace", None), property):
        trace = trace.trace  # a finished ``with importtrace.trace() as t`` block (TraceError while recording)
    if not isinstance(trace, Trace):
        raise RenderError("render() needs a Trace, not %s" % type(trace).__name__)
    unknown = sorted(k for k in options if k not in DISPLAY_OPTIONS and k not in FILTER_OPTIONS)
    if unknown:
        known = ", ".join(list(DISPLAY_OPTIONS) + list(FILTER_OPTIONS))
        raise RenderError("unknown option %r (options are %s)" % (unknown[0], known))
    display = _display_options(options)
    filters = {k: v for k, v in options.items() if k in FILTER_OPTIONS and v is not None}
    with paused_gc():
        try:
            shown = filter_trace(trace, **filters)
        except ValueError as exc:
            raise RenderError(str(exc)) from None
        if not module_name:
            format = auto_format(shown, display["explain"])
            module_name = FORMATS[format]
        module = importlib.import_module(module_name)
        pids = shown.pids()
        if len(pids) > 1 and format in ONE_PROCESS:
            shown = shown.for_process(shown.pid if shown.pid in pids else pids[0])
        elif len(pids) > 1 and format in SECTIONED:
            return _sections(shown, pids, module, display)
        return module.render(shown, display)  # type: ignore[no-any-return]


def _sections(trace: Trace, pids: list[int], module: Any, display: dict[str, Any]) -> str:
    """One section per process, the program's first, each under a line that says which process it is."""
    from ..trace._processes import describe
    from ._text import esc, paint

    entries = {p.get("pid"): p for p in trace.processes}
    color = display["color"]
    parts = [paint("importtrace: %d processes" % len(pids), "bold", color)]
    width = display["width"]
    for pid in pids:
        heading = "== " + esc(describe(entries.get(pid) or {"pid": pid}))
        if width is not None and len(heading) > width:
            heading = heading[: max(width - 3, 20)] + "..."
        parts.append(paint(heading, "bold", color) + "\n" + module.render(trace.for_process(pid), display).rstrip("\n"))
    return "\n\n".join(parts) + "\n"


def auto_format(trace: Trace, explain: bool = False) -> str:
    """What format "auto" means for a (filtered) trace: the timeline, unless it has more than
    summary.AUTO_LIMIT events and no explanations were asked for; then the summary."""
    from .summary import AUTO_LIMIT

    return "summary" if len(trace.events) > AUTO_LIMIT and not explain else "timeline"


def _display_options(options: dict[str, Any]) -> dict[str, Any]:
    out = dict(DISPLAY_OPTIONS)
    out.update({k: v for k, v in options.items() if k in DISPLAY_OPTIONS and v is not None})
    for flag in ("color", "explain"):
        if not isinstance(out[flag], bool):
            raise RenderError("%s must be True or False, not %r" % (flag, out[flag]))
    width = out["width"]
    if width is not None and (not _is_int(width) or width < 1):
        raise RenderError("width must be a whole number of columns >= 1 (or None for no limit), not %r" % (width,))
    if not isinstance(out["style"], str) or not out["style"]:
        raise RenderError("style must be the name of a table style, not %r" % (out["style"],))
    if not _is_int(out["top"]) or out["top"] < 1:
        raise RenderError("top must be a whole number >= 1, not %r" % (out["top"],))
    if out["explained"] is not None and not isinstance(out["explained"], set):
        raise RenderError("explained must be a set (of the concepts already explained), not %r" % (out["explained"],))
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def want_color(stream: Any, mode: str = "auto") -> bool:
    """Whether to write colour to stream: mode "always" or "never" decide; "auto" follows NO_COLOR
    (set and not empty: no colour), then FORCE_COLOR (set and not empty: colour), then isatty()."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    if mode != "auto":
        raise RenderError("colour mode must be auto, always or never, not %r" % (mode,))
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False
