"""The trace file: JSON Lines, a header object, one event per line, an end record (docs/trace-format.md).

Reading never executes anything from the file: it is parsed as JSON and every field is type-checked.
"""

from __future__ import annotations

import gc
import json
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from ._trace import FORMAT, VERSION, Event, Trace, TraceFileError, _event_from_dict


def write(trace: Trace, path: str | "os.PathLike[str]") -> None:
    """Write trace to path (``-`` is not special here; the command line handles stdout)."""
    with open(path, "w", encoding="ascii") as out:
        dump(trace, out)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The garbage collector off for a block that makes many objects and no cycles (reading, writing and
    rendering a trace: collecting while a large trace grows took a third to a half of the time)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def dump(trace: Trace, out: IO[str]) -> None:
    with paused_gc():
        header = dict(trace.header)
        header["format"], header["version"] = FORMAT, VERSION
        header.pop("stream", None)
        out.write(_line(header))
        records = trace.records() if trace._events is None else None
        if records is not None:  # straight from the records: no Event is made
            lines: list[str] = []
            start = 0
            for pid, count in trace.segments():
                lines.extend(_lines(records[start : start + count], trace.t0, pid))
                start += count
        else:
            encode = _ENCODER.encode
            lines = [encode(e.to_dict()) + "\n" for e in trace.events]
        crc = 0
        for start in range(0, len(lines), 4096):  # in slices: one string per slice, not per event or file
            chunk = "".join(lines[start : start + 4096])
            crc = zlib.crc32(chunk.encode("ascii"), crc)
            out.write(chunk)
    out.write(_line({"end": True, "events": len(lines), "crc32": crc}))


# One template per kind, the fields in Event.to_dict's order (checked against it by the tests).
_TEMPLATES = {
    "hit": '{"id":%d,"kind":"hit","name":%s,"start":%d,"duration":%s,"pid":%s,"thread":%d,"parent":%s,"importer":%s,'
    '"where":%s,"fromlist":%s,"level":%d,"count":%d,"via":%s,"partial":%s,"waited":%s,"missing":%s,'
    '"statement":%s,"star":%s,"star_all":%s,"star_skipped":%s,"error":%s}\n',
    "search": '{"id":%d,"kind":"search","name":%s,"start":%d,"duration":%s,"pid":%s,"thread":%d,"parent":%s,'
    '"importer":%s,"where":%s,"reason":%s,"finder":%s,"found":%s,"origin":%s,"loader":%s,"package":%s,'
    '"namespace":%s,"path":%s,"ahead":%s,"shadows":%s,"sys_path":%s,"namespace_path":%s,"statement":%s,'
    '"error":%s}\n',
    "load": '{"id":%d,"kind":"load","name":%s,"start":%d,"duration":%s,"pid":%s,"thread":%d,"parent":%s,"importer":%s,'
    '"where":%s,"origin":%s,"loader":%s,"module_type":%s,"self_duration":%s,"search":%s,"replaced":%s,'
    '"observed":%s,"alias":%s,"namespace":%s,"lazy":%s,"unfinished":%s,"bytecode":%s,"pyc":%s,"pyc_check":%s,'
    '"source_newer":%s,"pyc_write":%s,"star":%s,"star_all":%s,"star_skipped":%s,"error":%s}\n',
    "reload": '{"id":%d,"kind":"reload","name":%s,"start":%d,"duration":%s,"pid":%s,"thread":%d,"parent":%s,'
    '"importer":%s,"where":%s,"added":%s,"removed":%s,"rebound":%s,"unchanged":%s,"stale":%s,"search":%s,'
    '"bytecode":%s,"pyc":%s,"pyc_check":%s,"source_newer":%s,"pyc_write":%s,"error":%s}\n',
}


def _lines(records: list[tuple[Any, ...]], t0: int, pid: int | None = None) -> list[str]:
    """The JSON lines of portable records (importtrace.record._layout) of process pid, as Event.to_dict would
    encode them: strings encoded once each, everything else by hand."""
    encode = _ENCODER.encode
    strings: dict[str, str] = {}

    def text(value: Any) -> str:
        if value is None:
            return "null"
        known = strings.get(value)
        if known is None:
            known = strings[value] = encode(value)
        return known

    def seq(value: Any) -> str:
        if value is None:
            return "null"
        return "[" + ",".join([text(v) for v in value]) + "]"

    def other(value: Any) -> str:
        return "null" if value is None else encode(value)

    def error(value: Any) -> str:
        return "null" if value is None else encode({"type": value[0], "message": value[1]})

    flag = {True: "true", False: "false", None: "null"}

    def pyc(get: Any) -> tuple[str, ...]:  # a load's or reload's bytecode facts (--explain)
        newer = get("source_newer")
        return (text(get("bytecode")), text(get("pyc")), text(get("pyc_check")), flag[newer], text(get("pyc_write")))

    nested: dict[int, int] = {}
    for r in records:
        if r[0] != "hit" and r[2] is not None and r[5] is not None:
            nested[r[2]] = nested.get(r[2], 0) + r[5] - r[4]
    asked: dict[int, tuple[str, str]] = {}
    hit, search, load, reload = (_TEMPLATES[k] for k in ("hit", "search", "load", "reload"))
    out: list[str] = []
    append = out.append
    tail: tuple[Any, ...]
    more: tuple[Any, ...]
    process = "null" if pid is None else str(pid)
    for r in records:
        kind = r[0]
        duration = None if r[5] is None else r[5] - r[4]
        head = (
            r[1],
            text(r[6]),
            r[4] - t0,
            "null" if duration is None else str(duration),
            process,
            r[3],
            "null" if r[2] is None else str(r[2]),
        )
        where = "null" if r[7] is None else text("%s:%d" % (r[7], r[8]))
        importer = text(r[9])
        if kind == "hit":
            fromlist = seq(r[10]) if r[10] else "[]"
            tail = (fromlist, r[11], r[16], text(r[12]), flag[r[13]], flag[r[14]], seq(r[15]))
            get = (r[18] or {}).get
            more = (text(get("statement")), seq(get("star")), flag[get("star_all")], seq(get("star_skipped")))
            append(hit % (*head, importer, where, *tail, *more, error(r[17])))
        elif kind == "search":
            get = (r[20] or {}).get
            asked[r[1]] = (importer, where)
            tail = (text(r[10]), text(r[12]), flag[r[13]], text(r[14]), text(r[15]), flag[r[16]], flag[r[17]])
            more = (seq(r[11]), seq(r[19]), seq(get("shadows")), seq(get("sys_path")), seq(get("namespace_path")))
            append(search % (*head, importer, where, *tail, *more, text(get("statement")), error(r[18])))
        elif kind == "load":
            if r[10] is not None and r[7] is None and r[9] is None:  # a load's asker is its search's
                importer, where = asked.get(r[10], ("null", "null"))
            self_duration = "null" if duration is None else str(max(0, duration - nested.get(r[1], 0)))
            tail = (text(r[11]), text(r[12]), text(r[13]), self_duration, other(r[10]), flag[r[14]], flag[r[17]])
            more = (text(r[20]), flag[r[15]], flag[r[16]], flag[r[5] is None and r[17]])
            get = (r[19] or {}).get
            star = (seq(get("star")), flag[get("star_all")], seq(get("star_skipped")))
            append(load % (*head, importer, where, *tail, *more, *pyc(get), *star, error(r[18])))
        else:
            lists = tuple(seq(x or ()) for x in r[12:17])
            get = (r[17] or {}).get
            append(reload % (*head, importer, where, *lists, other(r[10]), *pyc(get), error(r[11])))
    return out


def dumps(trace: Trace) -> str:
    from io import StringIO

    buf = StringIO()
    dump(trace, buf)
    return buf.getvalue()


_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))  # json.dumps makes one per call


def _line(obj: dict[str, Any]) -> str:
    return _ENCODER.encode(obj) + "\n"


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
    built: dict[int, Event] = {}
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
