"""timeline: every event in the order it happened, one line each, for people (python -v made readable).

A line: time since start (ms), how long it took, the kind, the module indented by nesting, then the
status word that must not be missed (FAILED, NOT FOUND, CYCLE, UNFINISHED, UNOBSERVED) and the fact
that matters for the kind.  To fit a width, paths lose their heads first, then details their ends;
the module name is only ever shortened from its head, as a last resort.

With the ``explain`` option, plain-language notes for learners (importtrace.renderers.explain) follow each line,
indented under its module and wrapped to the width at spaces only (a module name is never cut), after
a preamble that lists sys.path.  Without it the output is exactly the plain timeline.
"""

from __future__ import annotations

from typing import Any

from ..filters._filters import nesting
from ..trace._anyevent import AnyEvent
from ..trace._event import HitEvent
from ..trace._trace import Trace
from ._describe import Facts, counts
from ._notes import note_lines
from ._text import esc, fit, heading, keep_tail, ms, paint, plural, took

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .explain import Explainer, Note

_TOOK = 7


def render(trace: Trace, options: dict[str, Any]) -> str:
    color: bool = options["color"]
    width: int | None = options["width"]
    facts = Facts(trace)
    events = trace.events
    out = [_title(trace, color)]
    explainer: Explainer | None = None
    if options.get("explain"):
        from .explain import Explainer

        explainer = Explainer(trace, facts, options.get("explained"))
        out.extend(_preamble(explainer, width, color))
    if not events:
        out.append("(no events)")
        out.extend(_footer(trace, facts, color, width))
        return "\n".join(out) + "\n"

    levels = nesting(trace)
    threads = len({e.thread for e in events}) > 1
    time_w = max(len("time"), len(ms(max(e.start for e in events))))
    thread_w = max(len("T%d" % e.thread) for e in events) + 2 if threads else 0
    head = "%*s  %*s  %s%-6s  %s" % (time_w, "time", _TOOK, "took", "".ljust(thread_w), "event", "module")
    out.append(paint(head, "dim", color))
    prefix_w = time_w + 2 + _TOOK + 2 + thread_w + 6 + 2

    labels: dict[str, str] = {}  # the kind column, padded and coloured
    shown_search: int | None = None  # id of the search whose origin the previous line showed
    i, n = 0, len(events)
    while i < n:
        e = events[i]
        group: list[AnyEvent] = [e]
        hits: list[HitEvent] = []  # consecutive hits from one place, told as one line
        if e.kind == "hit":
            hits.append(e)
            j = i + 1
            while j < n:
                other = events[j]
                if other.kind != "hit" or not _same_place(e, other):
                    break
                hits.append(other)
                group.append(other)
                j += 1
            i = j
        else:
            i += 1
        kind = e.kind
        status = facts.status(e)
        if len(hits) > 1:
            details = facts.hits(hits)
            durations = [h.duration for h in hits]
            duration: int | None = None if None in durations else sum(d for d in durations if d is not None)
            count = sum(h.count for h in hits)
        else:
            details = facts.details(e, origin=not (e.kind == "load" and e.search == shown_search))
            duration = e.duration
            count = e.count if e.kind == "hit" else 1
        shown_search = e.id if e.kind == "search" and e.found and e.origin else None

        level = levels[e.id]
        indent = "  " * level
        name = esc(e.name)
        tail = " x%d" % count if count > 1 else ""
        word = "  " + status[0] if status else ""
        if width is not None:
            room = width - prefix_w - len(tail) - len(word) - 2 * level - len(name)
            if room < 0:  # the name does not fit: first the indent gives way, then the name's head
                room += 2 * level + len(name)
                if level:
                    marker = "%d> " % level
                    indent = marker if len(marker) < len(indent) else indent
                if len(indent) + len(name) > room:
                    name = keep_tail(name, max(room - len(indent), min(len(name), 12)))
                room -= len(indent) + len(name)
            detail = fit(details, room - 2) if room > 5 else ""
        else:
            detail = "".join([p for p, _ in details])
        line_color = status[1] if status else kind
        label = labels.get(line_color + kind)
        if label is None:
            label = labels[line_color + kind] = paint("%-6s" % kind, line_color, color) + "  "
        if color:
            if kind == "load":
                name = paint(name, "bold", color)
            if status:
                word = paint(word, status[1], color)
        out.append(
            "%*s  %*s  %s%s%s%s%s%s%s%s"
            % (
                time_w,
                ms(e.start),
                _TOOK,
                took(duration),
                ("T%d" % e.thread).ljust(thread_w) if threads else "",
                label,
                indent,
                name,
                tail,
                word,
                "  " if detail else "",
                detail,
            )
        )
        if explainer is not None:
            out.extend(_notes(explainer.notes(group), prefix_w + len(indent), width, color))
    out.extend(_footer(trace, facts, color, width))
    return "\n".join(out) + "\n"


def _preamble(explainer: Explainer, width: int | None, color: bool) -> list[str]:
    """The lines before the table with explain: sys.path, numbered as the notes refer to it."""
    lines: list[str] = []
    for text in explainer.preamble():
        body = text.lstrip(" ")
        column = len(text) - len(body)
        lines.extend(paint(line, "dim", color) for line in _wrap(body, column, width, 4 if column else 2))
    return lines


def _notes(notes: list[Note], column: int, width: int | None, color: bool) -> list[str]:
    """Each note as '- text' starting at column, wrapped to width (moved left when it would leave too
    little room), warnings in the warning colour."""
    if width is not None and width - column < _NOTE_ROOM:
        column = max(2, width - _NOTE_ROOM)
    lines: list[str] = []
    for note in notes:
        wrapped = _wrap("- " + note.text, column, width, 2)
        if color:
            wrapped = [paint(line, "warn" if note.warn else "dim", True) for line in wrapped]
        lines.extend(wrapped)
    return lines


_NOTE_ROOM = 48  # the narrowest a note may get before it moves left


def _wrap(text: str, column: int, width: int | None, hang: int = 0) -> list[str]:
    """text at column, wrapped at spaces to width (None: one line); later lines hang by hang columns.
    Long words (a module name, a path) are never broken: such a line may exceed the width."""
    if width is None:
        return [" " * column + text]
    from textwrap import wrap

    return wrap(
        text,
        max(width, column + hang + 1),
        initial_indent=" " * column,
        subsequent_indent=" " * (column + hang),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [" " * column]


def _same_place(first: HitEvent, e: HitEvent) -> bool:
    """Whether hit e tells the same story as first: same module, asker, file, thread and nesting.
    Hits on a half-initialised module are never folded: which statement met it matters."""
    return (
        not e.partial
        and e.name == first.name
        and e.parent == first.parent
        and e.importer == first.importer
        and e.thread == first.thread
        and e.via == first.via
        and e.level == first.level
        and e.partial == first.partial
        and e.waited == first.waited
        and e.file == first.file
    )


def _title(trace: Trace, color: bool) -> str:
    title = heading("timeline", plural(len(trace.events), "event"), trace.header, trace.duration)
    return paint(title, "bold", color)


def _footer(trace: Trace, facts: Facts, color: bool, width: int | None = None) -> list[str]:
    lines: list[str] = []
    if trace.events:
        text = "-- " + counts(trace, facts.cycles)
        if width is not None and len(text) > width:
            from textwrap import wrap

            lines.extend(paint(x, "dim", color) for x in wrap(text, max(width, 20), subsequent_indent="   "))
        else:
            lines.append(paint(text, "dim", color))
    lines.extend(note_lines(trace.notes, color))
    return lines
