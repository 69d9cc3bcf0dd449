"""The process tree of a command-line run: each child process the program started writes its own
record into the run's session directory (importtrace.run._child._ProcessFile); once the program has ended,
the command line reads them and merges them with the program's trace into one Trace.

Event ids are renumbered so that they stay unique (the program's keep theirs); an event whose parent is
another process's (a forked child's first imports, made inside a load its parent had begun) has none in
the merged trace.  Times count from the program's start: the clock (perf_counter) is the machine's.
"""

from __future__ import annotations

import marshal
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ._build import build
from ._trace import _PROCESS_HEADER, Trace

Record = tuple[Any, ...]

#: How long the command line waits, once the program has ended, for child processes still running to end
#: (multiprocessing's resource tracker and forkserver end when the program does, a moment later).
GRACE = 2.0
_POLL = 0.02


@dataclass
class Child:
    """One child process's record: its header and records as far as it got."""

    path: str
    info: dict[str, Any]
    header: dict[str, Any] | None = None  # from its end record; None if it has none (yet)
    records: list[Record] = field(default_factory=list)
    complete: bool = False

    @property
    def pid(self) -> int:
        return int(self.info.get("pid") or 0)


def read_child(path: str) -> Child | None:
    """The record a child process wrote at path: its last end record if it reached one (and nothing
    after it), else the events it wrote as they happened.  None for a file that is not one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    import io

    stream = io.BytesIO(data)
    items: list[Any] = []
    while stream.tell() < len(data):
        try:
            items.append(marshal.load(stream))
        except (EOFError, ValueError, TypeError):
            break  # cut off while it wrote this one: it died
    if not items or not (isinstance(items[0], tuple) and items[0][:1] == ("process",)):
        return None
    child = Child(path, dict(items[0][1]))
    last_end = max((i for i, item in enumerate(items) if item[0] == "end"), default=None)
    streamed: dict[int, Record] = {}
    if last_end is not None:
        child.header = dict(items[last_end][1])
        streamed = {r[1]: r for r in items[last_end][2]}
        after = items[last_end + 1 :]
        child.complete = not after
    else:
        after = items[1:]
    for item in after:
        if isinstance(item, tuple) and item[0] in ("search", "load", "hit", "reload"):
            streamed[item[1]] = item  # a later record of the same event is its final form
    child.records = [streamed[i] for i in sorted(streamed)]  # ids count up in the order events began
    return child


def collect(directory: str, grace: float = GRACE) -> list[tuple[Child, str]]:
    """Every child process's record in directory and its state (ended, or still running once the grace
    period is over), in the order the processes started."""
    found: dict[str, Child] = {}
    deadline = time.monotonic() + grace
    while True:
        for name in sorted(os.listdir(directory)):
            if not name.endswith(".process") or (name in found and found[name].complete):
                continue
            child = read_child(os.path.join(directory, name))
            if child is not None:
                found[name] = child
        running = [c for c in found.values() if not c.complete and _alive(c.pid)]
        if not running or time.monotonic() >= deadline:
            break
        time.sleep(_POLL)
    # A forked child that recorded nothing and has no end record ran exec at once (subprocess's
    # preexec_fn, os.spawnv): nothing of it to show.
    kept = [c for c in found.values() if c.header is not None or c.records or c.info.get("how") != "fork"]
    children = sorted(kept, key=lambda c: (c.info.get("t0", 0), c.pid))
    return [(c, "ended" if c.complete else "running" if _alive(c.pid) else "killed") for c in children]


def _alive(pid: int) -> bool:
    """Whether process pid still runs (a zombie has ended)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def merge(trace: Trace, children: list[tuple[Child, str]]) -> Trace:
    """The program's trace with its child processes': one Trace whose header lists every process."""
    header = dict(trace.header)
    t0 = trace.t0
    entries = [dict(p) for p in header.get("processes") or ()]
    if not children:
        return trace
    records = trace.records()
    if entries:
        entries[0]["events"] = len(trace.records() or trace.events)
    if records is not None:
        segments: list[tuple[int, int]] = [(trace.pid or 0, len(records))]
        merged: list[Record] = list(records)
        next_id = max((r[1] for r in records), default=0) + 1
    else:
        events = list(trace.events)
        next_id = max((e.id for e in events), default=0) + 1
    for child, state in children:
        entry, own = _entry(child, state, t0)
        renumbered = _renumber(own, next_id)
        if renumbered:
            next_id = max(r[1] for r in renumbered) + 1
        entry["events"] = len(renumbered)
        entries.append(entry)
        if records is not None:
            merged.extend(renumbered)
            segments.append((child.pid, len(renumbered)))
        else:
            events.extend(build(renumbered, t0, None, child.pid))
    header["processes"] = entries
    if records is not None:
        return Trace.from_records(dict(header, t0=t0), merged, segments=segments)
    out = Trace(events, header)
    out._t0 = t0
    return out


def _entry(child: Child, state: str, t0: int) -> tuple[dict[str, Any], list[Record]]:
    """A child's entry in the merged header, and its records."""
    info = child.info
    own_t0 = int(info.get("t0") or t0)
    entry: dict[str, Any] = {
        "pid": child.pid,
        "parent": info.get("parent"),
        "how": info.get("how"),
        "command": info.get("command"),
        "started": info.get("started"),
        "start": own_t0 - t0,
        "duration": None,
        "exit": None,
        "ended": state,
    }
    header = child.header
    if header is not None:
        process = (header.get("processes") or [{}])[0]
        entry.update({k: process[k] for k in ("exit", "ended", "command") if k in process})
        if state != "ended":
            entry["ended"] = state  # it went on after a snapshot (taken before an exec that failed)
        entry["duration"] = header.get("duration")
        for key in _PROCESS_HEADER:
            if key in header:
                entry[key] = header[key]
    else:
        entry["argv"] = info.get("argv")
        entry["python"] = info.get("python")
        ends = [r[5] if r[5] is not None else r[4] for r in child.records]
        entry["duration"] = max(ends) - own_t0 if ends else 0
    return entry, child.records


def _renumber(records: list[Record], first: int) -> list[Record]:
    """records with ids from first on (in the same order); a parent or search outside them is None."""
    if not records:
        return []
    offset = first - min(r[1] for r in records)
    ids = {r[1] for r in records}
    out = []
    for r in records:
        parent = r[2] + offset if r[2] in ids else None
        rec = (r[0], r[1] + offset, parent, *r[3:])
        if r[0] in ("load", "reload") and r[10] is not None:
            rec = (*rec[:10], r[10] + offset if r[10] in ids else None, *rec[11:])
        out.append(rec)
    return out


def describe(process: dict[str, Any]) -> str:
    """One line about a process: pid, how it started and ended, then its command (which may be long)."""
    how = process.get("how")
    parent = process.get("parent")
    started = {"main": "the program", "fork": "forked from %s" % parent, "exec": "started by %s" % parent}
    command = process.get("command") or process.get("argv") or []
    return "process %s (%s; %s): %s" % (
        process.get("pid"),
        started.get(str(how), str(how)),
        ending(process),
        " ".join(str(a) for a in command),
    )


def ending(process: dict[str, Any]) -> str:
    """How a process ended, in words."""
    ended = process.get("ended")
    status = process.get("exit")
    if ended == "running":
        return "still running when the program ended: its events so far"
    if ended == "killed":
        return "killed by a signal or crashed: its events but those in flight"
    if ended == "exec":
        return "replaced by another program (exec)"
    if status is None:
        return "ended"
    if isinstance(status, int) and status < 0:
        return "killed by signal %d" % -status
    return "%s %s" % ("os._exit" if ended == "os._exit" else "exit status", status)
