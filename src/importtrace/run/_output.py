"""The report: render options from the command line's, rendering, and writing it to a file or stream
(escaping what the stream cannot encode); the --why answers after it.

The renderers are imported only when a report is made (or prepared while the program runs).
"""

from __future__ import annotations

import os
import sys

from ._options import TOOL_FORMATS, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import IO, Any

    from ..trace._trace import Trace


def render_options(ns: argparse.Namespace, stream: IO[str] | None) -> dict[str, Any]:
    """The renderer's options from the command line's report options (ns), for a report written to
    stream (None: a file): UsageError on a bad format, kind or value."""
    from ..renderers import FORMATS

    if ns.format not in FORMATS:
        raise UsageError("unknown format %r (choose from %s)" % (ns.format, ", ".join(FORMATS)))
    kinds = [k.strip() for spec in ns.kind for k in spec.split(",") if k.strip()]
    for kind in kinds:
        if kind not in ("search", "load", "hit", "reload"):
            raise UsageError("unknown event kind %r (search, load, hit or reload)" % kind)
    options: dict[str, Any] = {}
    if ns.include:
        options["include"] = list(ns.include)
    if ns.exclude:
        options["exclude"] = list(ns.exclude)
    if kinds:
        options["kinds"] = kinds
    if ns.min_duration is not None:
        if ns.min_duration < 0:
            raise UsageError("--min-duration must not be negative")
        options["min_duration"] = int(ns.min_duration * 1_000_000)
    if ns.depth is not None:
        if ns.depth < 0:
            raise UsageError("--depth must not be negative")
        options["depth"] = ns.depth
    if ns.hide_stdlib:
        options["hide_stdlib"] = True
    if ns.hide_noise:
        options["hide_noise"] = True
    if ns.pid is not None:
        options["pid"] = ns.pid
    if ns.style:
        options["style"] = ns.style
    if ns.explain:
        options["explain"] = True
    if ns.format not in TOOL_FORMATS:
        options["color"] = want_color(stream, ns.color)
        if stream is not None and _isatty(stream):
            import shutil

            options["width"] = shutil.get_terminal_size().columns
    return options


def want_color(stream: IO[str] | None, mode: str) -> bool:
    """Whether a report to stream (None: a file) is coloured, for --color mode (auto, always, never)."""
    from ..renderers import want_color as _want_color

    return bool(_want_color(stream, mode))


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def writable(path: str, what: str) -> str:
    """An absolute path that can be written, checked now so that the user's run is not wasted."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        raise UsageError("cannot write %s %r: it is a directory" % (what, path))
    existed = os.path.exists(path)
    try:
        with open(path, "a"):
            pass
    except OSError as exc:
        raise UsageError("cannot write %s %r: %s" % (what, path, exc.strerror or exc)) from None
    if not existed:
        os.unlink(path)
    return path


def prepare(format: str) -> None:
    """Import what rendering format will need, while the program runs on the other core."""
    import importlib

    from ..filters._filters import filter_trace  # noqa: F401
    from ..renderers import FORMATS
    from ..trace._file import read  # noqa: F401
    from ..trace._processes import collect  # noqa: F401

    for name in ("summary", "timeline") if format == "auto" else (format,):  # auto: the trace's size decides
        importlib.import_module(FORMATS[name])


def report(
    trace: Trace, ns: argparse.Namespace, options: dict[str, Any], output: str | None, default: IO[str] | None = None
) -> None:
    """Render trace in ns.format with options and write it to output (a file), else default (stderr)."""
    from ..renderers import RenderError, render

    try:
        text = render(trace, ns.format, **options)
    except RenderError as exc:
        raise UsageError(str(exc)) from None
    write_report(text, output, default)


def report_why(trace: Trace, ns: argparse.Namespace, output: str | None, default: IO[str] | None = None) -> None:
    """The --why answers after the report: in its -o file for the formats people read, else on the
    terminal (default, or stderr), so that a file for tools stays valid."""
    if not ns.why:
        return
    text = "".join(why_text(trace, module) for module in ns.why)
    if output and ns.format not in TOOL_FORMATS:
        write_report(text, output, append=True)
    else:
        write_report(text, None, default)


def write_report(text: str, output: str | None, default: IO[str] | None = None, append: bool = False) -> None:
    """Write a report to the file output, else to default (stderr if None), escaping what it cannot encode."""
    if output:
        with open(output, "a" if append else "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
    else:
        stream = default if default is not None else sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except UnicodeEncodeError:
            stream.write(text.encode("ascii", "backslashreplace").decode("ascii"))


def why_text(trace: Trace, module: str) -> str:
    """The --why answer for module: the chain of imports that first brought it in, and who else asked."""
    from ..renderers._why import why_text as _why_text

    return _why_text(trace, module)
