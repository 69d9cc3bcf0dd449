"""Traces for the rendering figure (c), run with the interpreter being measured; prints JSON.

``python _traces.py synth OUT N``
    write a deterministic synthetic trace of N events (searches, nested loads and cache hits in the
    proportions of a large real program) as a JSON Lines trace file.
``python _traces.py render TRACE FORMAT``
    time, in this process, importing the renderers, reading TRACE and rendering it in FORMAT once
    (what `importtrace show --format FORMAT TRACE` does after its start-up); errors are reported, not raised.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any


def synthetic_events(n: int) -> list[dict[str, Any]]:
    """n events: for each module a search and a load (nested up to 4 deep), and eight cache hits
    from distinct statements of already-loaded modules; times increase steadily."""
    events: list[dict[str, Any]] = []
    loaded: list[str] = []
    clock = 0
    next_id = 1
    stack: list[tuple[int, str]] = []  # open loads: (event index, module name)
    m = 0
    while len(events) < n:
        depth = m % 5  # nest loads 0..4 deep, then close back to the top
        while len(stack) > depth:
            index, _ = stack.pop()
            events[index]["duration"] = clock - events[index]["start"]
            clock += 300
        parent = events[stack[-1][0]]["id"] if stack else None
        importer = stack[-1][1] if stack else "__main__"
        name = "syn.p%03d.m%05d" % (m // 100, m)
        origin = "/opt/syn/" + name.replace(".", "/") + ".py"
        where = "/opt/syn/%s.py:%d" % (importer.replace(".", "/"), 3 + m % 40)
        search = {
            "id": next_id,
            "kind": "search",
            "name": name,
            "start": clock,
            "duration": 25_000,
            "thread": 1,
            "parent": parent,
            "importer": importer,
            "where": where,
            "reason": "import",
            "finder": "PathFinder",
            "found": True,
            "origin": origin,
            "loader": "SourceFileLoader",
            "package": False,
            "namespace": False,
            "path": ["/opt/syn"],
            "ahead": None,
            "error": None,
        }
        clock += 25_000
        load = {
            "id": next_id + 1,
            "kind": "load",
            "name": name,
            "start": clock,
            "duration": 0,
            "thread": 1,
            "parent": parent,
            "importer": importer,
            "where": where,
            "origin": origin,
            "loader": "SourceFileLoader",
            "module_type": "source",
            "search": next_id,
            "replaced": False,
            "namespace": False,
            "lazy": False,
            "unfinished": False,
            "error": None,
        }
        next_id += 2
        events += [search, load]
        stack.append((len(events) - 1, name))
        clock += 40_000
        for h in range(8):
            if not loaded or len(events) >= n:
                break
            target = loaded[(m * 7919 + h * 104729) % len(loaded)]
            events.append(
                {
                    "id": next_id,
                    "kind": "hit",
                    "name": target,
                    "start": clock,
                    "duration": 900,
                    "thread": 1,
                    "parent": load["id"],
                    "importer": name,
                    "where": "%s:%d" % (origin, 2 + h),
                    "fromlist": ["VALUE"] if h % 2 else [],
                    "level": 0,
                    "count": 1 + (h == 7) * 99,
                    "via": "import",
                    "partial": False,
                    "waited": False,
                    "missing": None,
                }
            )
            next_id += 1
            clock += 1_200
        loaded.append(name)
        m += 1
    while stack:
        index, _ = stack.pop()
        events[index]["duration"] = clock - events[index]["start"]
    return events[:n]


def synth(out: str, n: int) -> dict[str, Any]:
    from importtrace.trace._trace import Trace

    events = synthetic_events(n)
    header = {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "implementation": "cpython",
        "platform": sys.platform,
        "executable": "/usr/bin/python3",
        "argv": ["synthetic.py"],
        "cwd": "/opt/syn",
        "started": 1_700_000_000.0,
        "duration": max(e["start"] + (e["duration"] or 0) for e in events),
        "clock": "perf_counter_ns",
        "preloaded": ["builtins", "sys"],
        "threads": [{"thread": 1, "name": "MainThread"}],
        "notes": [],
        "program": {"mode": "script", "target": "synthetic.py", "args": [], "exit": 0, "status": 0},
    }
    Trace.from_dicts(header, events).save(out)
    return {"path": out, "events": len(events)}


def render(path: str, fmt: str) -> dict[str, Any]:
    result: dict[str, Any] = {"format": fmt}
    try:
        t0 = time.perf_counter()
        from importtrace.renderers import render as render_trace
        from importtrace.trace._file import read

        t1 = time.perf_counter()
        trace = read(path)
        t2 = time.perf_counter()
        text = render_trace(trace, fmt, color=False)
        t3 = time.perf_counter()
    except Exception as exc:
        result["error"] = "%s: %s" % (type(exc).__name__, exc)
        result["traceback"] = traceback.format_exc(limit=-3)
        return result
    result.update(events=len(trace.events), import_s=t1 - t0, read_s=t2 - t1, render_s=t3 - t2, chars=len(text))
    return result


def main() -> None:
    if sys.argv[1] == "synth":
        result = synth(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "render":
        result = render(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"_traces.py: unknown command {sys.argv[1]!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
