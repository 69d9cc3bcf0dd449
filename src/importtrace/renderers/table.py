"""table: summaries built with tabulate: slowest modules (self and cumulative), most requested modules
and their importers, counts by kind and by finder, failed imports, circular imports and reloads.
Events by kind and searches by finder add up self times (each event's time less the events inside
it), so that the column adds up to no more than the trace's duration.

``style`` is any tabulate format except unsafehtml; ``top`` is how many rows the ranked tables keep.
Times are in ms; a module's time includes finding it, as in the tree and importtime formats.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..trace._event import LoadEvent
from ..trace._trace import Trace
from ._describe import Facts
from ._text import esc, keep_head, keep_tail, ms, paint

Row = list[str]
# (title, headers, rows, right-aligned columns, shrinkable columns: index -> keep the tail)
Section = tuple[str, list[str], list[Row], set[int], dict[int, bool]]


def render(trace: Trace, options: dict[str, Any]) -> str:
    from tabulate import tabulate, tabulate_formats

    style: str = options["style"]
    if style not in tabulate_formats or style == "unsafehtml":
        choices = ", ".join(f for f in tabulate_formats if f != "unsafehtml")
        raise _error("unknown table style %r (choose from %s)" % (style, choices))
    color: bool = options["color"]
    width: int | None = options["width"]
    top: int = options["top"]
    facts = Facts(trace)
    out: list[str] = []
    for title, headers, rows, right, shrink in _sections(trace, facts, top):
        if out:
            out.append("")
        out.append(paint(title, "bold", color))
        if not rows:
            out.append("(none)")
            continue
        align = ["right" if i in right else "left" for i in range(len(headers))]
        text = tabulate(rows, headers, tablefmt=style, colalign=align, disable_numparse=True)
        if width is not None:
            text = _narrow(tabulate, rows, headers, style, align, shrink, text, width)
        out.append(text)
    return "\n".join(out) + "\n"


def _error(message: str) -> Exception:
    from . import RenderError

    return RenderError(message)


def _narrow(
    tabulate: Any,
    rows: list[Row],
    headers: list[str],
    style: str,
    align: list[str],
    shrink: dict[int, bool],
    text: str,
    width: int,
) -> str:
    """Cut the shrinkable columns (never module names) until the table fits width, or cannot shrink."""
    limits = {i: max([len(headers[i])] + [len(r[i]) for r in rows]) for i in shrink}
    heads = headers
    while max(len(line) for line in text.splitlines()) > width:
        excess = max(len(line) for line in text.splitlines()) - width
        widest = max((i for i in limits if limits[i] > 12), key=lambda i: limits[i], default=None)
        if widest is None:
            break
        limits[widest] = max(12, limits[widest] - excess)
        heads = [keep_head(h, limits[i]) if i in limits else h for i, h in enumerate(headers)]
        cut = [
            [
                (keep_tail if shrink[i] else keep_head)(cell, limits[i]) if i in limits else cell
                for i, cell in enumerate(row)
            ]
            for row in rows
        ]
        text = tabulate(cut, heads, tablefmt=style, colalign=align, disable_numparse=True)
    return str(text)


def _sections(trace: Trace, facts: Facts, top: int) -> list[Section]:
    events = trace.events
    loads = [e for e in events if e.kind == "load" and e.duration is not None]
    times = {e.id: _times(trace, e) for e in loads}

    def load_row(e: LoadEvent) -> Row:
        own, cumul = times[e.id]
        return [esc(e.name), ms(own), ms(cumul), esc(e.module_type or ""), esc(e.importer or "")]

    by_self = sorted(loads, key=lambda e: (-times[e.id][0], e.start))[:top]
    by_cumul = sorted(loads, key=lambda e: (-times[e.id][1], e.start))[:top]
    load_headers = ["module", "self ms", "cumulative ms", "type", "imported by"]

    hits: Counter[str] = Counter()
    searches: Counter[str] = Counter()
    loaded: Counter[str] = Counter()
    importers: dict[str, Counter[str]] = {}
    for e in events:
        if e.kind == "hit":
            hits[e.name] += e.count
        elif e.kind == "search" and e.reason == "import":
            searches[e.name] += 1
        elif e.kind == "load":
            loaded[e.name] += 1
        else:
            continue
        if e.kind != "load":
            importers.setdefault(e.name, Counter())[e.importer or "?"] += e.count if e.kind == "hit" else 1
    requested = sorted(importers, key=lambda n: (-(hits[n] + searches[n]), n))[:top]
    request_rows = [
        [
            esc(n),
            str(hits[n] + searches[n]),
            str(hits[n]),
            str(loaded[n]),
            esc(", ".join("%s (%d)" % (who, k) if k > 1 else who for who, k in importers[n].most_common())),
        ]
        for n in requested
    ]

    kinds: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in ("search", "load", "hit", "reload")}
    finders: dict[str, list[int]] = {}
    inner = _exclusive(trace)
    for e in events:
        row = kinds.setdefault(e.kind, [0, 0, 0, 0])
        row[0] += 1
        row[1] += e.count if e.kind == "hit" else 1
        row[2] += e.failed
        row[3] += inner.get(e.id, 0)
        if e.kind == "search":
            f = finders.setdefault(e.finder or "(none found it)", [0, 0, 0, 0])
            f[0] += 1
            f[1] += bool(e.found)
            f[2] += e.found is False
            f[3] += inner.get(e.id, 0)
    kind_rows = [[k, str(a), str(b), str(c), ms(d)] for k, (a, b, c, d) in kinds.items()]
    finder_rows = [
        [esc(f), str(a), str(b), str(c), ms(d)] for f, (a, b, c, d) in sorted(finders.items(), key=lambda x: -x[1][0])
    ]

    failed_rows = []
    seen_places: set[tuple[str | None, str]] = set()
    for e in trace.failed():
        if e.error is not None:
            what = facts.error(e)
        elif e.kind == "search":
            what = "not found" + (" (probe)" if e.reason == "probe" else "")
        else:
            what = "failed"
        failed_rows.append([e.kind, esc(e.name), what, esc(e.importer or ""), facts.path(e.where or "")])
    cycle_rows: list[Row] = []
    for e in events:
        target = facts.cycle(e)
        if target is not None and e.kind == "hit" and (e.where, e.name) not in seen_places:
            seen_places.add((e.where, e.name))
            cells = [esc(target), esc(e.name), esc(", ".join(e.missing or ())), esc(e.importer or "")]
            cycle_rows.append([*cells, facts.path(e.where or "")])
    odd_rows = [
        [esc(e.name), "unobserved" if not e.observed else "unfinished", esc(e.loader or ""), facts.path(e.origin or "")]
        for e in events
        if e.kind == "load" and (not e.observed or e.duration is None)
    ]
    reload_rows = [
        [
            esc(e.name),
            ms(e.duration) if e.duration is not None else "-",
            esc(", ".join(e.added)),
            esc(", ".join(e.removed)),
            esc(", ".join(e.rebound)),
            facts.error(e) if e.error else "",
        ]
        for e in events
        if e.kind == "reload"
    ]
    sections: list[Section] = [
        (
            "Slowest modules by self time (top %d)" % top,
            load_headers,
            [load_row(e) for e in by_self],
            {1, 2},
            {4: False},
        ),
        (
            "Slowest modules by cumulative time (top %d)" % top,
            load_headers,
            [load_row(e) for e in by_cumul],
            {1, 2},
            {4: False},
        ),
        (
            "Most requested modules (top %d)" % top,
            ["module", "requests", "cache hits", "loads", "requested by (times)"],
            request_rows,
            {1, 2, 3},
            {4: False},
        ),
        ("Events by kind", ["kind", "events", "times", "failed", "self ms"], kind_rows, {1, 2, 3, 4}, {}),
        ("Searches by finder", ["finder", "searches", "found", "not found", "self ms"], finder_rows, {1, 2, 3, 4}, {}),
        (
            "Failed imports",
            ["kind", "module", "what", "asked by", "at"],
            failed_rows,
            set(),
            {2: False, 3: False, 4: True},
        ),
        (
            "Circular imports (a module asked for while it was still initialising)",
            ["initialising", "hit on", "not yet defined", "asked by", "at"],
            cycle_rows,
            set(),
            {2: False, 3: False, 4: True},
        ),
    ]
    if odd_rows:
        sections.append(("Loads without a known time", ["module", "why", "loader", "file"], odd_rows, set(), {3: True}))
    if reload_rows:
        sections.append(
            (
                "Reloads",
                ["module", "time ms", "added", "removed", "rebound", "error"],
                reload_rows,
                {1},
                {2: False, 3: False, 4: False, 5: False},
            )
        )
    return sections


def _exclusive(trace: Trace) -> dict[int, int]:
    """Event id -> its own time: its duration less the time of the events that ran within it on its
    thread, so that the times of all events add up to the time spent in any, nothing counted twice.
    (Nesting by time, not by ``parent``: a cache hit of ``from pkg import sub`` holds sub's load.)"""
    own: dict[int, int] = {}
    open_: dict[int, list[tuple[int, int]]] = {}  # thread -> (end, id) of the events still running
    timed = sorted((e for e in trace.events if e.duration is not None), key=lambda e: (e.start, -(e.duration or 0)))
    for e in timed:
        duration = e.duration or 0
        stack = open_.setdefault(e.thread, [])
        while stack and stack[-1][0] <= e.start:
            stack.pop()
        if stack:
            own[stack[-1][1]] -= duration
        own[e.id] = duration
        stack.append((e.start + duration, e.id))
    return {i: max(0, t) for i, t in own.items()}


def _times(trace: Trace, e: LoadEvent) -> tuple[int, int]:
    """(self, cumulative) ns of a finished load, its own search included."""
    extra = 0
    if e.search is not None:
        search = trace.event(e.search)
        if search is not None and search.duration is not None:
            extra = search.duration
    duration = e.duration or 0
    own = e.self_duration if e.self_duration is not None else duration
    return own + extra, duration + extra
