"""tree: the load hierarchy with self and cumulative time, like ``python -X importtime`` but in the
order things happened, with failures, cycles and cache hits marked.

Nodes are loads, reloads, searches that found nothing and cache hits on modules still initialising;
other cache hits are counted on the load of the module they hit ("hit x3").  An import's time
includes finding the module (its search, when the search is in the trace), as in -X importtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..filters._structure import node_children
from ..trace._anyevent import AnyEvent
from ..trace._trace import Trace
from ._describe import Facts, Parts
from ._notes import note_lines
from ._text import EXTRA, PATH, TEXT, esc, fit, heading, ms, paint, plural
from .timeline import _wrap

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .explain import Explainer

_COL = 9


def render(trace: Trace, options: dict[str, Any]) -> str:
    color: bool = options["color"]
    width: int | None = options["width"]
    facts = Facts(trace)
    hits: dict[str, int] = {}
    for e in trace.events:
        if e.kind == "hit":
            hits[e.name] = hits.get(e.name, 0) + e.count
    threads = len({e.thread for e in trace.events}) > 1
    loads = sum(1 for e in trace.events if e.kind == "load")
    aside = "times in ms; an import's time includes finding it"
    title = heading("tree", plural(loads, "load"), trace.header, trace.duration, aside, python=False)
    out = [paint(title, "bold", color)]
    explainer: Explainer | None = None
    if options.get("explain"):
        from .explain import Explainer

        explainer = Explainer(trace, facts, options.get("explained"), jargon=False)
        out.extend(_preamble(explainer, width, color))
    lines = list(_walk(trace, facts))
    if not lines:
        out.append("(no loads)")
        out.extend(note_lines(trace.notes, color))
        return "\n".join(out) + "\n"
    out.append(paint("%*s %*s  module" % (_COL, "self", _COL, "cumul"), "dim", color))
    for e, guide, inner, more in lines:
        self_ns, cumul_ns = _times(trace, e)
        status = facts.status(e)
        name = esc(e.name)
        if e.kind == "reload":
            name = "reload " + name
        if threads and not guide:
            name = "[T%d] %s" % (e.thread, name)
        word = "  " + status[0] if status else ""
        parts = _details(facts, e, hits)
        fixed = 2 * _COL + 3 + len(guide) + len(name) + len(word)
        if width is not None:
            detail = fit(parts, width - fixed - 2) if width - fixed > 7 else ""
        else:
            detail = "".join(p for p, _ in parts)
        line = [
            "%*s %*s  "
            % (_COL, ms(self_ns) if self_ns is not None else "-", _COL, ms(cumul_ns) if cumul_ns is not None else "-"),
            paint(guide, "dim", color),
            paint(name, "bold", color) if e.kind == "load" else paint(name, e.kind, color),
            paint(word, status[1], color) if status else "",
        ]
        if detail:
            line.append("  " + detail)
        out.append("".join(line).rstrip())
        if explainer is not None:
            lead = " " * (2 * _COL + 3) + inner + ("|   " if more else "    ")
            out.extend(_tree_notes(explainer, trace, e, lead, width, color))
    out.extend(note_lines(trace.notes, color))
    return "\n".join(out) + "\n"


def _preamble(explainer: Explainer, width: int | None, color: bool) -> list[str]:
    """With explain: sys.path (as the notes number it) and what the two time columns mean."""
    lines: list[str] = []
    texts = [
        *explainer.preamble(compact=True),
        "self: the time in a module's own code (and finding it); cumul: with everything it imported",
    ]
    for text in texts:
        lines.extend(paint(line, "dim", color) for line in _wrap(text, 0, width, 2))
    return lines


def _tree_notes(
    explainer: Explainer, trace: Trace, e: AnyEvent, lead: str, width: int | None, color: bool
) -> list[str]:
    """The notes of a node, under it: a load's with its search's first."""
    notes = []
    if e.kind == "load" and e.search is not None:
        search = trace.event(e.search)
        if search is not None:
            notes.extend(explainer.notes([search]))
    notes.extend(explainer.notes([e]))
    lines: list[str] = []
    for note in notes:
        wrapped = [
            lead + line for line in _wrap(("! " if note.warn else "- ") + note.text, 0, width and width - len(lead), 2)
        ]
        lines.extend(paint(line, "warn" if note.warn else "dim", color) for line in wrapped)
    return lines


def _walk(trace: Trace, facts: Facts) -> Iterator[tuple[AnyEvent, str, str, bool]]:
    """Pre-order (the order things began): each node with the guide drawn before its name, the lead of
    the lines below it, and whether nodes follow under it."""

    def is_node(e: AnyEvent) -> bool:
        kind = e.kind
        if kind in ("load", "reload"):
            return True
        if kind == "search":
            return e.failed
        return e.kind == "hit" and (e.waited or facts.cycle(e) is not None)

    stack: list[tuple[list[AnyEvent], int, str]] = [(node_children(trace, None, is_node), 0, "")]
    while stack:
        nodes, i, lead = stack.pop()
        if i >= len(nodes):
            continue
        stack.append((nodes, i + 1, lead))
        e = nodes[i]
        top = len(stack) == 1
        last = i == len(nodes) - 1
        inner = "" if top else lead + ("    " if last else "|   ")
        below = node_children(trace, e, is_node) if e.kind in ("load", "reload") else []
        yield e, "" if top else lead + ("`-- " if last else "+-- "), inner, bool(below)
        if below:
            stack.append((below, 0, inner))


def _times(trace: Trace, e: AnyEvent) -> tuple[int | None, int | None]:
    """(self, cumulative) nanoseconds of a node; a load's own search counts in both."""
    if e.kind == "hit":
        return None, None
    if e.kind == "search":
        return e.duration, e.duration
    if e.duration is None:
        return None, None
    extra = 0
    if e.kind == "load" and e.search is not None:
        search = trace.event(e.search)
        if search is not None and search.duration is not None:
            extra = search.duration
    own = e.self_duration if e.self_duration is not None else e.duration
    return own + extra, e.duration + extra


def _details(facts: Facts, e: AnyEvent, hits: dict[str, int]) -> Parts:
    if e.kind == "hit":
        return [("cache hit: ", TEXT), *facts.details(e)]
    if e.kind != "load":
        return facts.details(e)
    parts: Parts = []
    if not e.observed:
        return facts.details(e)
    if e.error is not None:
        parts.append((facts.error(e) + "; ", TEXT))
    parts.append((esc(e.module_type or "unknown"), TEXT))
    if e.name in hits:
        parts.append((", %d cache hit%s" % (hits[e.name], "" if hits[e.name] == 1 else "s"), TEXT))
    if e.lazy:
        parts.append((", lazy", TEXT))
    if e.origin and e.origin not in ("built-in", "frozen"):
        parts.append(("  ", EXTRA))
        parts.append((facts.path(e.origin), PATH))
    return parts
