"""Reading the trace file: JSON Lines, a header object, one event per line, an end record
(docs/trace-format.md; ``_write`` writes it).

Reading never executes anything from the file: it is parsed as JSON and every field is type-checked.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Any

from ._anyevent import AnyEvent
from ._build import _event_from_dict
from ._event import FORMAT, VERSION, TraceFileError
from ._trace import Trace
from ._write import paused_gc


def read(path: str | "os.PathLike[str]") -> Trace:
    """Load a trace file; TraceFileError names the file and line of anything wrong with it."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise TraceFileError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return parse(data, name)


def parse(data: bytes, name: str = "<trace>") -> Trace:
    """Build the Trace of a trace file's bytes (with the garbage collector paused)."""
    with paused_gc():
        return _parse(data, name)


def _parse(data: bytes, name: str) -> Trace:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TraceFileError("%s:%d: not UTF-8 text: not an importtrace trace" % (name, line)) from None
    lines = text.split("\n")
    complete_last = lines[-1] == ""
    if complete_last:
        lines.pop()
    if not lines or not lines[0].strip():
        raise TraceFileError(f"{name}: empty file: not an importtrace trace")
    header = _decode(lines[0], name, 1)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TraceFileError(f"{name}:1: not an importtrace trace (no importtrace header)")
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise TraceFileError(
            "%s:1: trace format version %r is newer than this importtrace reads (%d)" % (name, version, VERSION)
        )
    stream = bool(header.get("stream"))
    numbered = [(number, raw) for number, raw in enumerate(lines[1:], start=2) if raw.strip()]
    if numbered and not complete_last and numbered[-1][0] == len(lines):
        number = numbered.pop()[0]
        if not stream:
            raise TraceFileError("%s:%d: truncated line (the file ends in the middle of it)" % (name, number))
        header["complete"] = False  # the process died while writing this line
    events: dict[int, dict[str, Any]] = {}
    built: dict[int, AnyEvent] = {}
    order: list[int] = []
    ended = False
    check = not stream and not _written_here(data)
    for (number, _), obj in zip(numbered, _decode_all(numbered, name)):
        if ended:
            raise TraceFileError("%s:%d: data after the end record" % (name, number))
        if not isinstance(obj, dict):
            raise TraceFileError("%s:%d: expected a JSON object" % (name, number))
        if obj.get("end") is True:
            count = obj.get("events")
            if isinstance(count, int) and count != len(order):
                raise TraceFileError(
                    "%s:%d: end record counts %d events but the file holds %d" % (name, number, count, len(order))
                )
            ended = True
            final = obj.get("header")
            if stream and isinstance(final, dict):
                header.update(final)  # a stream's end record carries the header known only at the end
            continue
        eid = obj.get("id")
        if type(eid) is not int:
            raise TraceFileError("%s:%d: bad event: field 'id' must be an integer" % (name, number))
        again = eid in events
        if again and not stream:
            raise TraceFileError("%s:%d: event id %d appears twice" % (name, number, eid))
        if again:
            obj = {**events[eid], **obj}  # a stream adds to an event: when it ends, when its hits are counted
        try:
            event = _event_from_dict(obj, check)
        except (ValueError, TypeError) as exc:
            raise TraceFileError("%s:%d: bad event: %s" % (name, number, exc)) from None
        if event.parent is not None and event.parent >= eid:  # a load begins before what happens inside it
            raise TraceFileError(
                "%s:%d: bad event: its parent %d is not an earlier event" % (name, number, event.parent)
            )
        events[eid] = obj
        built[eid] = event
        if not again:
            order.append(eid)
    if not ended:
        if not stream:
            raise TraceFileError("%s: truncated: no end record after line %d" % (name, len(lines)))
        header.setdefault("complete", False)
    return Trace((built[i] for i in order), header)


def _written_here(data: bytes) -> bool:
    """Whether the event lines are exactly those importtrace wrote (the end record's checksum of them
    matches): then they need no second check, field by field.  A hand-edited file is checked."""
    first = data.find(b"\n") + 1
    last = data.rfind(b"\n", 0, len(data) - 1) + 1
    if not 0 < first <= last:
        return False
    end = data[last:]
    marker = end.find(b'"crc32":')
    if not end.startswith(b'{"end":true') or marker < 0:
        return False
    digits = end[marker + 8 :].split(b"}")[0].split(b",")[0]
    return digits.isdigit() and int(digits) == zlib.crc32(data[first:last])


def _decode_all(numbered: list[tuple[int, str]], name: str) -> list[Any]:
    """Every line's JSON value, decoded in one call (a trace has one per event); if that fails, line by
    line, so that the error names the first bad line."""
    try:
        values = json.loads("[" + ",".join(raw for _, raw in numbered) + "]")
        if isinstance(values, list) and len(values) == len(numbered):
            return values
    except ValueError:
        pass
    return [_decode(raw, name, number) for number, raw in numbered]


def _decode(raw: str, name: str, number: int) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        msg = getattr(exc, "msg", str(exc))
        col = getattr(exc, "colno", None)
        where = " (column %d)" % col if col else ""
        raise TraceFileError("%s:%d: not valid JSON: %s%s" % (name, number, msg, where)) from None
