"""Writing the trace file: JSON Lines, a header object, one event per line, an end record with the
lines' checksum (docs/trace-format.md), straight from the records when no Event was made.

It knows a trace only by what it writes (``Writable``), so that ``Trace.save`` can use it while the
reader (``_file``) builds Traces: the dependency goes one way.
"""

from __future__ import annotations

import gc
import json
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

from ._anyevent import AnyEvent
from ._event import FORMAT, VERSION


class Writable(Protocol):
    """What the writer reads of a Trace."""

    header: dict[str, Any]
    _events: list[AnyEvent] | None

    @property
    def events(self) -> list[AnyEvent]: ...

    @property
    def t0(self) -> int: ...

    def records(self) -> list[tuple[Any, ...]] | None: ...

    def segments(self) -> list[tuple[int | None, int]]: ...


def write(trace: Writable, path: str | "os.PathLike[str]") -> None:
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


def dump(trace: Writable, out: IO[str]) -> None:
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


def dumps(trace: Writable) -> str:
    from io import StringIO

    buf = StringIO()
    dump(trace, buf)
    return buf.getvalue()


_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))  # json.dumps makes one per call


def _line(obj: dict[str, Any]) -> str:
    return _ENCODER.encode(obj) + "\n"
