"""chrome: Chrome Trace Event JSON, for Perfetto (ui.perfetto.dev) and chrome://tracing.

Loads and searches are complete slices ("ph": "X") nested per thread; cache hits and reloads are
instant events ("ph": "i") with their details in ``args``.  Times are microseconds from the start of
the trace, in ``args`` too (``self_duration``, ``duration_us``); metadata events have the
category ``__metadata``, as Chrome's own traces do.  A load still running when the trace stopped is
drawn to the end of the trace; a load the tracer did not see is an instant at the end.  Notes are
global instants.
"""

from __future__ import annotations

import json
from typing import Any

from ..trace._anyevent import AnyEvent
from ..trace._event import KIND_FIELDS
from ..trace._trace import Trace
from ._notes import note_text

_PID = 1  # a trace without process ids (a version 1 trace file)


def render(trace: Trace, options: dict[str, Any]) -> str:
    header = trace.header
    end = max([trace.duration] + [_end(p) for p in trace.processes])
    main = trace.pid if trace.pid is not None else _PID
    pids = trace.pids() or [main]
    entries = {p.get("pid"): p for p in trace.processes}
    rows: list[dict[str, Any]] = []
    for order, pid in enumerate(pids):
        entry = entries.get(pid) or {}
        name = _process_name(header) if pid == main else _child_name(pid, entry)
        rows.append(
            {"ph": "M", "cat": "__metadata", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": name}}
        )
        if len(pids) > 1:
            rows.append(
                {
                    "ph": "M",
                    "cat": "__metadata",
                    "name": "process_sort_index",
                    "pid": pid,
                    "tid": 0,
                    "args": {"sort_index": order},
                }
            )
        threads = entry.get("threads") if pid != main else header.get("threads")
        names = {t.get("thread"): t.get("name") for t in threads or () if isinstance(t, dict)}
        used = {e.thread for e in trace.events if (e.pid if e.pid is not None else main) == pid}
        for thread in sorted(used | {n for n in names if isinstance(n, int)}):
            label = names.get(thread) or ("main thread" if thread == 1 else "thread %d" % thread)
            rows.append(
                {
                    "ph": "M",
                    "cat": "__metadata",
                    "name": "thread_name",
                    "pid": pid,
                    "tid": thread,
                    "args": {"name": str(label)},
                }
            )
            rows.append(
                {
                    "ph": "M",
                    "cat": "__metadata",
                    "name": "thread_sort_index",
                    "pid": pid,
                    "tid": thread,
                    "args": {"sort_index": thread},
                }
            )
    for e in trace.events:
        rows.append(_event(e, end, e.pid if e.pid is not None else main))
    for pid in pids:
        entry = entries.get(pid) or {}
        notes = trace.notes if pid == main else entry.get("notes") or ()
        start = 0 if pid == main else entry.get("start") or 0
        for note in notes:
            at = note.get("at")
            rows.append(
                {
                    "ph": "i",
                    "s": "p" if len(pids) > 1 else "g",
                    "name": "note: %s" % note.get("code", ""),
                    "cat": "note",
                    "ts": _us(start + (at if isinstance(at, int) else 0)),
                    "pid": pid,
                    "tid": 1,
                    "args": {**{k: v for k, v in note.items() if k not in ("at", "code")}, "message": note_text(note)},
                }
            )
    encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode  # dumps() builds one per call
    body = ",\n".join(map(encode, rows))
    meta = json.dumps(
        {"tool": "importtrace", "python": header.get("python"), "argv": header.get("argv"), "cwd": header.get("cwd")},
        ensure_ascii=True,
    )
    return '{"displayTimeUnit":"ms","otherData":%s,"traceEvents":[\n%s\n]}\n' % (meta, body)


def _end(process: dict[str, Any]) -> int:
    start, duration = process.get("start"), process.get("duration")
    return start + duration if isinstance(start, int) and isinstance(duration, int) else 0


def _child_name(pid: int, entry: dict[str, Any]) -> str:
    command = entry.get("command") or entry.get("argv") or ()
    how = {"fork": "fork of %s" % entry.get("parent"), "exec": "child of %s" % entry.get("parent")}
    text = " ".join(str(a) for a in command) or str(pid)
    return "%s (%s)" % (text, how.get(str(entry.get("how")), "process")) if entry else text


def _event(e: AnyEvent, end: int, pid: int) -> dict[str, Any]:
    kind = e.kind
    args: dict[str, Any] = {}
    for field in _ARGS.get(kind, _COMMON_ARGS):
        value = getattr(e, field)
        if (value is not None and value is not False and value != []) or field in _ALWAYS:
            args[field] = value
    if (e.kind == "load" or e.kind == "reload") and e.self_duration is not None:
        args["self_duration"] = e.self_duration / 1000  # microseconds, like ts and dur
    row: dict[str, Any] = {
        "name": e.name if kind == "load" else "%s %s" % (kind, e.name),
        "cat": kind,
        "pid": pid,
        "tid": e.thread,
        "ts": e.start / 1000,
        "args": args,
    }
    if e.failed:
        row["cname"] = "terrible"
    if kind in ("hit", "reload") or (e.kind == "load" and not e.observed):
        row["ph"] = "i"
        row["s"] = "t"
        if kind == "reload" and e.duration is not None:
            args["duration_us"] = e.duration / 1000
    else:
        row["ph"] = "X"
        if e.duration is None:
            args["unfinished"] = True
            row["dur"] = max(0, end - e.start) / 1000
        else:
            row["dur"] = e.duration / 1000
    return row


# Every field of an event goes into args, except empty and default-false ones; whether a search found
# the module, and whether a load was observed, are always said.
_COMMON_ARGS = ("id", "parent", "importer", "where")
_ARGS = {kind: _COMMON_ARGS + fields for kind, fields in KIND_FIELDS.items()}
_ALWAYS = ("found", "observed")


def _us(ns: int) -> float:
    return ns / 1000


def _process_name(header: dict[str, Any]) -> str:
    argv = header.get("argv")
    if isinstance(argv, list) and argv:
        return "importtrace: " + " ".join(str(a) for a in argv)
    return "importtrace"
