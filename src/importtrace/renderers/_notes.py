"""The words for a trace's notes (what the tracer could not see or had to leave): the recorder keeps a
code and named fields (docs/trace-format.md), every renderer and reader words them with note_text."""

from __future__ import annotations

import json

from ._text import esc, paint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

_REMOVED = (
    "importtrace's finder was taken out of sys.meta_path during the trace (a restored snapshot of "
    "sys.meta_path, say): searches and loads after that were not recorded"
)


def _error(fields: Mapping[str, Any]) -> str:
    error = fields.get("error")
    if not isinstance(error, dict):
        return "unknown error"
    return "%s: %s" % (error.get("type"), error.get("message"))


def _stream(fields: Mapping[str, Any]) -> str:
    if fields.get("what") == "record":
        return "writing the process record failed: later events were not written"
    return "writing the stream failed: " + _error(fields)


_WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "shadowed": lambda f: (
        "%s was inserted ahead of importtrace's finder in sys.meta_path: modules it serves are loaded "
        "without search and load events (they appear as unobserved loads)" % f.get("finder")
    ),
    "repatched": lambda f: (
        "%s was replaced by another tool during the trace; it was left in place and importtrace's wrapper "
        "now passes calls through" % f.get("function")
    ),
    "removed": lambda f: _REMOVED,
    "stopped": lambda f: "the program stopped importtrace's recording of it: the trace ends there",
    "internal": lambda f: "%s: %s" % (f.get("where"), _error(f)),
    "stream": _stream,
}


def note_text(note: Mapping[str, Any]) -> str:
    """The sentence for one of ``trace.notes`` (not escaped for a terminal): a note saved before trace
    format 3 says its own ``message``; a code this version does not know shows its fields as they are."""
    message = note.get("message")
    if isinstance(message, str):
        return message
    fields = {k: v for k, v in note.items() if k not in ("at", "code")}
    word = _WORDS.get(str(note.get("code")))
    if word is not None:
        return word(fields)
    return ", ".join("%s: %s" % (k, _plain(v)) for k, v in fields.items()) or "(no details)"


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=repr)


def note_lines(notes: list[dict[str, Any]], color: bool) -> list[str]:
    """A trace's notes as the text formats end with them: ``note [code]: sentence``, one a line."""
    return [
        paint("note [%s]: " % esc(str(note.get("code", ""))), "warn", color) + esc(note_text(note)) for note in notes
    ]
