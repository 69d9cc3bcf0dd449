"""story: the trace told statement by statement, for learners and slides.

Each import statement (or call) gets a heading, its place and the statement as written
(``main.py line 3: import shop.cart``), then what Python did for it in plain words (importtrace.renderers.explain),
what it bound last.  The statements a module ran while it loaded come indented under that load.  A
concept is explained in full the first time it comes up, then in a few words; warnings are marked
``!`` (and coloured when colour is on).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..trace._anyevent import AnyEvent
from ..trace._event import LoadEvent
from ..trace._trace import Trace
from ._describe import Facts, counts
from ._notes import note_lines
from ._text import esc, ms, paint
from .explain import Explainer, Note
from .timeline import _same_place, _wrap

_STEP = 2  # columns a nested statement moves right
Step = tuple[str, Any, int]  # ("group", events, column), ("heading", text, column) or ("notes", notes, column)


def render(trace: Trace, options: dict[str, Any]) -> str:
    color: bool = options["color"]
    width: int | None = options["width"]
    facts = Facts(trace)
    explainer = Explainer(trace, facts, options.get("explained"), jargon=False)
    out = [paint(_title(trace), "bold", color)]
    for text in explainer.preamble(compact=True):
        body = text.lstrip(" ")
        column = len(text) - len(body)
        out.extend(paint(line, "dim", color) for line in _wrap(body, column, width, 4 if column else 2))
    if not trace.events:
        out.append("(no imports)")
        out.extend(note_lines(trace.notes, color))
        return "\n".join(out) + "\n"
    teller = _Teller(trace, facts, explainer, width, color)
    teller.tell(_groups(trace.children(None)))
    out.extend(teller.lines)
    footer = "-- " + counts(trace, facts.cycles)
    out.extend(paint(line, "dim", color) for line in _wrap(footer, 0, width, 3))
    out.extend(note_lines(trace.notes, color))
    return "\n".join(out) + "\n"


class _Teller:
    """Writes the groups of statements, depth first, in the order they began."""

    def __init__(self, trace: Trace, facts: Facts, explainer: Explainer, width: int | None, color: bool) -> None:
        self.trace = trace
        self.facts = facts
        self.explainer = explainer
        self.width = width
        self.color = color
        self.lines: list[str] = []

    def tell(self, groups: list[list[AnyEvent]]) -> None:
        """Every group and the groups nested in its loads, depth first: iteratively, so that a trace nested
        deeper than the recursion limit is told too."""
        stack: list[Iterator[Step]] = [iter([("group", g, 0) for g in groups])]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
            elif step[0] == "group":
                stack.append(self.steps(step[1], step[2]))
            elif step[0] == "heading":
                self.heading(step[1], step[2])
            else:
                self.notes(step[1], step[2])

    def steps(self, group: list[AnyEvent], column: int) -> Iterator[Step]:
        """What to write for one statement, in order: its heading, the notes of each event (a load's
        nested statements right after its notes), what it bound.  A generator: the notes are made in
        the order they are written, so a concept is explained in full where it first shows."""
        first = group[0]
        if first.kind == "load" and first.name == "__main__" and len(group) == 1:
            yield "heading", self.main_heading(first), column
            yield "notes", self.explainer.notes([first]), column + _STEP
            for inner in _groups(self.trace.children(first)):
                yield "group", inner, column
            return
        yield "heading", self.statement_heading(group), column
        bindings: list[Note] = []
        i = 0
        while i < len(group):
            e = group[i]
            line: list[AnyEvent] = [e]
            if e.kind == "hit":
                while i + len(line) < len(group):
                    other = group[i + len(line)]
                    if other.kind != "hit" or not _same_place(e, other):
                        break
                    line.append(other)
            i += len(line)
            children = self.trace.children(e) if e.kind in ("load", "reload") else []
            search = self.trace.event(e.search) if e.kind == "reload" and e.search is not None else None
            if search is not None and search in children:  # a reload's own search: told as part of it
                children = [c for c in children if c is not search]
                yield "notes", self.explainer.notes([search]), column + _STEP
            if e.kind == "hit" and e.via == "__import__" and any(map(_is_probe, group)):
                notes = [Note("find_spec imports the parent package first: %s, already in sys.modules" % esc(e.name))]
            else:
                notes = self.explainer.notes(line)
            bindings.extend(n for n in notes if n.binding)
            yield "notes", [n for n in notes if not n.binding], column + _STEP
            for inner in _groups(children):
                yield "group", inner, column + 2 * _STEP
        yield "notes", list(dict.fromkeys(bindings)), column + _STEP

    def main_heading(self, e: LoadEvent) -> str:
        program = self.trace.header.get("program")
        mode = program.get("mode") if isinstance(program, dict) else None
        target = program.get("target") if isinstance(program, dict) else None
        if mode == "module" and isinstance(target, str):
            return "python -m %s" % esc(target)
        if mode == "code":
            return "python -c CODE"
        if e.origin and e.origin not in ("built-in", "frozen"):
            return self.facts.path(e.origin)
        return "__main__"

    def statement_heading(self, group: list[AnyEvent]) -> str:
        first = group[0]
        if first.importer == "runpy":
            place = "runpy, which runs python -m"
        else:
            place = self.facts.place(first.where) if first.where else "Python's import system itself"
        said = next((s for s in map(_said, group) if s), None)
        if said is not None:
            return "%s: %s" % (place, esc(said))
        probe = next(filter(_is_probe, group), None)
        if probe is not None:
            return "%s: importlib.util.find_spec(%s)" % (place, esc(repr(probe.name)))
        hits = [e for e in group if e.kind == "hit"]
        if hits:
            return "%s: %s" % (place, self.facts.statement(hits[:1]))
        names = list(dict.fromkeys(e.name for e in group if e.kind in ("search", "load", "reload")))
        if any(e.kind == "reload" for e in group):
            return "%s: importlib.reload(%s)" % (place, esc(names[0]))
        what = "an import of %s" % esc(names[-1]) if names else "an import"
        return "%s: %s" % (place, what)

    def heading(self, text: str, column: int) -> None:
        self.lines.extend(paint(line, "bold", self.color) for line in _wrap(text, column, self.width, 4))

    def notes(self, notes: list[Note], column: int) -> None:
        for note in notes:
            mark = "! " if note.warn else "- "
            wrapped = _wrap(mark + note.text, column, self.width, 2)
            if self.color:
                wrapped = [paint(line, "warn" if note.warn else "dim", True) for line in wrapped]
            self.lines.extend(wrapped)


def _groups(events: list[AnyEvent]) -> list[list[AnyEvent]]:
    """Consecutive events that one statement caused: the same place, importer and thread.  Events that no
    code of the program asked for (the import system's own) each stand alone."""
    groups: list[list[AnyEvent]] = []
    for e in events:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and e.where is not None
            and last.where == e.where
            and last.importer == e.importer
            and last.thread == e.thread
            and not (e.kind == "load" and e.name == "__main__")
            and not _new_statement(groups[-1], e)
        ):
            groups[-1].append(e)
        else:
            groups.append([e])
    return groups


def _said(e: AnyEvent) -> str | None:
    """The statement's text as the program wrote it, recorded on searches and hits (--explain)."""
    return e.statement if e.kind == "search" or e.kind == "hit" else None


def _is_probe(e: AnyEvent) -> bool:
    """A search importlib.util.find_spec made (no import statement)."""
    return e.kind == "search" and e.reason == "probe"


def _new_statement(group: list[AnyEvent], e: AnyEvent) -> bool:
    """Whether e, at the same place as group, begins another statement there (a loop running the same
    line again, or two statements on one line): a second recorded statement text, or a second hit."""
    said, own = next((s for s in map(_said, group) if s), None), _said(e)
    if own and said and own != said:
        return True
    if e.kind == "reload" or any(x.kind == "reload" for x in group):
        return True  # importlib.reload() is a statement of its own
    if e.kind == "search" and any(x.kind == "search" and x.name == e.name and x.reason == e.reason for x in group):
        return True  # the same search again: the line ran again
    return e.kind == "hit" and any(x.kind == "hit" and not _same_place(x, e) for x in group)


def _title(trace: Trace) -> str:
    header = trace.header
    program = header.get("program")
    what = ""
    if isinstance(program, dict):
        mode, target = program.get("mode"), program.get("target")
        if mode == "module" and isinstance(target, str):
            what = " of python -m %s" % esc(target)
        elif mode == "code":
            what = " of python -c"
        elif isinstance(target, str):
            what = " of %s" % esc(target)
    bits = ["importtrace story%s" % what]
    details = []
    if header.get("python"):
        details.append("Python %s" % esc(str(header["python"])))
    details.append("%s ms" % ms(trace.duration))
    return "%s (%s)" % (bits[0], ", ".join(details))
