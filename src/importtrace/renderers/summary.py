"""summary: what a real program's start-up is made of, read in ten seconds.

Total import time; modules loaded (the program's own, third-party, standard library); the slowest
separate subtrees by cumulative time, each with the statement (file:line) that first imported it and
the largest other packages inside it; the program's own code; failed imports; circular imports in the
program's own code (those inside installed packages are counted by package); the trace's notes (what
the tracer could not see); then how to see more.
The command line shows it instead of the timeline when a trace has more than ``AUTO_LIMIT`` events.
"""

from __future__ import annotations

from typing import Any

from ..filters._kinds import OWN, STDLIB, THIRD_PARTY
from ..filters._subtrees import StartUp
from ..rules._assertions import import_time
from ..trace._anyevent import AnyEvent
from ..trace._event import HitEvent
from ..trace._trace import Trace
from ._describe import Facts
from ._notes import note_text
from ._text import esc, keep_head, paint, plural, took

#: traces with more events than this get the summary by default on the command line (format "auto")
AUTO_LIMIT = 200
_SLOWEST = 8  # separate subtrees listed
_INSIDE = 3  # packages named inside each of the slowest
_LISTED = 10  # failed imports and own cycles listed before "... and N more"


def render(trace: Trace, options: dict[str, Any]) -> str:
    color: bool = options["color"]
    width: int | None = options["width"]
    facts = Facts(trace)
    start = StartUp(trace)
    out = Lines(width, color)
    out.add(_title(trace), "bold")
    if not trace.events:
        out.add("(no events)")
        return out.text()
    _totals(out, trace, start)
    _slowest(out, start, facts)
    _own_code(out, start)
    _failed(out, trace, start, facts)
    _cycles(out, trace, start, facts)
    _notes(out, trace)
    _more(out, trace)
    return out.text()


class Lines:
    """The report's lines, wrapped to the width (None: as long as they are), or cut (wrap=False)."""

    def __init__(self, width: int | None, color: bool) -> None:
        self.width = width
        self.color = color
        self.lines: list[str] = []

    def add(self, text: str = "", style: str | None = None, wrap: bool = True) -> None:
        if self.width is not None and len(text) > self.width:
            if wrap:
                from textwrap import wrap as wrapped

                lead = " " * (len(text) - len(text.lstrip(" ")) + 2)
                for line in wrapped(text, max(self.width, 20), subsequent_indent=lead, break_on_hyphens=False):
                    self.lines.append(paint(line, style, self.color))
                return
            text = keep_head(text, self.width)
        self.lines.append(paint(text, style, self.color))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _title(trace: Trace) -> str:
    header = trace.header
    bits = ["importtrace summary"]
    command = _command(header)
    if command:
        bits.append(": " + esc(command))
    if header.get("python"):
        bits.append(", Python %s" % esc(str(header["python"])))
    return "".join(bits)


def _command(header: dict[str, Any]) -> str | None:
    from ..rules._diff import describe_program

    return describe_program(header)


def _totals(out: Lines, trace: Trace, start: StartUp) -> None:
    counts = start.by_kind()
    total = len(start.modules)
    spent = import_time(trace)
    out.add(
        "Imports took %s of %s; %s loaded: %s own, %s third-party, %s standard library"
        % (
            took(spent),
            took(trace.duration),
            plural(total, "module"),
            f"{counts[OWN]:,}",
            f"{counts[THIRD_PARTY]:,}",
            f"{counts[STDLIB]:,}",
        )
    )
    hits = sum(e.count for e in trace.events if e.kind == "hit")
    aliases = start.aliases()
    extra = [plural(hits, "cache hit")]
    if aliases:
        extra.append("%s in sys.modules (not counted)" % plural(aliases, "alias", "aliases"))
    out.add("  " + ", ".join(extra))


def _slowest(out: Lines, start: StartUp, facts: Facts) -> None:
    subtrees = sorted(start.separate(), key=lambda s: -(s.time or 0))[:_SLOWEST]
    out.add()
    if not subtrees:
        out.add("Slowest imports: none outside the program's own code")
        return
    out.add("Slowest imports (cumulative time, the statement that first imported each):", "bold")
    time_w = max(len(took(s.time)) for s in subtrees)
    count_w = max(len(plural(s.modules, "module")) for s in subtrees)
    name_w = min(30, max(len(esc(s.name)) for s in subtrees))
    for i, sub in enumerate(subtrees):
        out.add(
            "  %*s  %-*s  %-*s  %s"
            % (
                time_w,
                took(sub.time),
                count_w,
                plural(sub.modules, "module"),
                name_w,
                esc(sub.name),
                _asked(sub.root, facts),
            ),
            wrap=False,
        )
        if i < 3:
            # with few rows, the largest imports inside each (pandas.core.api), else other packages (numpy)
            parts = start.children(sub) if len(subtrees) < 3 else start.inside(sub)
            inside = [s for s in parts if s.time and sub.time and s.time * 20 >= sub.time]
            inside.sort(key=lambda s: -(s.time or 0))
            if inside:
                room = _INSIDE if len(subtrees) >= 3 else 2 * _INSIDE
                named = ", ".join("%s %s" % (esc(s.name), took(s.time)) for s in inside[:room])
                more = " (+%d more)" % (len(inside) - room) if len(inside) > room else ""
                out.add("  %*s  of which %s%s" % (time_w, "", named, more), "dim")


def _asked(e: AnyEvent, facts: Facts) -> str:
    """'mycli/cli.py:4 (mycli.cli)': where the load was asked for, and by which module (a file of an
    installed package from its package directory on: 'requests/adapters.py:63')."""
    where = _installed_tail(facts.path(e.where)) if e.where else ""
    who = esc(e.importer) if e.importer else ""
    if where and who:
        return "%s (%s)" % (where, who)
    return where or who or "(no statement seen)"


def _installed_tail(path: str) -> str:
    for marker in ("/site-packages/", "/dist-packages/", "\\site-packages\\"):
        cut = path.rfind(marker)
        if cut >= 0:
            return path[cut + len(marker) :]
    return path


def _own_code(out: Lines, start: StartUp) -> None:
    """The program's own modules (besides __main__), the time their own code took, the slowest."""
    names = [n for n in start.modules if n != "__main__" and start.kinds.own(n)]
    loads = start.own_loads()
    if not names:
        return
    spent = sum(e.self_duration or 0 for e in loads)
    text = "Own code: %s besides __main__, %s of their own time" % (plural(len(names), "module"), took(spent))
    unseen = len(names) - len({e.name for e in loads})
    if unseen > 0:
        text += " (%d loaded out of the tracer's sight, untimed)" % unseen
    slowest = sorted(loads, key=lambda e: -(e.self_duration or 0))[:3]
    if slowest:
        text += "; slowest: " + ", ".join("%s %s" % (esc(e.name), took(e.self_duration)) for e in slowest)
    out.add(text)


def _failed(out: Lines, trace: Trace, start: StartUp, facts: Facts) -> None:
    failed = [
        e
        for e in trace.events
        if (e.kind in ("load", "reload") and e.error is not None)
        or (e.kind == "search" and e.failed and e.reason != "probe" and e.error is None)
    ]
    if not failed:
        return
    kinds = start.kinds
    mine = [e for e in failed if kinds.own(e.name) or (e.importer is not None and kinds.own(e.importer))]
    chosen = {id(e) for e in mine}
    others = [e for e in failed if id(e) not in chosen]
    out.add()
    out.add("Failed imports: %s" % f"{len(failed):,}", "bold" if mine else None)
    rows: dict[str, int] = {}  # the same failure asked from the same place (a test that retries it) once
    for e in mine:
        what = facts.error(e) if e.error is not None else "not found"
        row = "  %s  %s  %s" % (esc(e.name), what, _asked(e, facts))
        rows[row] = rows.get(row, 0) + 1
    for row, times in list(rows.items())[:_LISTED]:
        out.add(row + ("  (%s times)" % f"{times:,}" if times > 1 else ""))
    if len(rows) > _LISTED:
        out.add("  ... and %s more" % f"{len(rows) - _LISTED:,}")
    if others:
        names = list(dict.fromkeys(esc(e.name) for e in others))
        listed = ", ".join(names[:_LISTED]) + (" (+%d more)" % (len(names) - _LISTED) if len(names) > _LISTED else "")
        out.add(
            "  %s inside installed packages and the standard library (optional imports, usually): %s"
            % (f"{len(others):,}", listed),
            "dim",
        )


def _cycles(out: Lines, trace: Trace, start: StartUp, facts: Facts) -> None:
    mine: list[tuple[HitEvent, str]] = []
    theirs: dict[str, int] = {}
    for hit, target in trace.cycles():
        scope = start.cycle_scope(hit, target)
        if scope == OWN:
            mine.append((hit, target))
        else:
            top = target.partition(".")[0]
            theirs[top] = theirs.get(top, 0) + 1
    if not mine and not theirs:
        return
    out.add()
    out.add("Circular imports in the program's own code: %d" % len(mine), "bold" if mine else None)
    for hit, target in mine[:_LISTED]:
        out.add(
            "  %s imported %s while it was still initialising, at %s"
            % (esc(hit.importer or "?"), esc(target), facts.path(hit.where) if hit.where else "?")
        )
    if len(mine) > _LISTED:
        out.add("  ... and %d more" % (len(mine) - _LISTED))
    if theirs:
        total = sum(theirs.values())
        packages = sorted(theirs.items(), key=lambda kv: (-kv[1], kv[0]))
        listed = ", ".join("%s %d" % (esc(name), n) for name, n in packages[:5])
        if len(packages) > 5:
            listed += ", ..."
        out.add(
            "  and %d inside installed packages and the standard library (%s), not yours to fix" % (total, listed),
            "dim",
        )


def _notes(out: Lines, trace: Trace) -> None:
    if trace.notes:
        out.add()
    for note in trace.notes:
        out.add("note [%s]: %s" % (esc(str(note.get("code", ""))), esc(note_text(note))), "warn")


def _more(out: Lines, trace: Trace) -> None:
    out.add()
    out.add(
        "More: --format timeline (all %s), --format tree, --format table, --why MODULE (who imported it), "
        "--format html -o trace.html" % plural(len(trace.events), "event"),
        "dim",
    )
