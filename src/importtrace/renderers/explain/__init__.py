"""Plain-language notes for each event of a trace, for learners (``--explain``, ``explain=True``, the story).

Everything here is computed from the Trace alone: its header (``path``, ``stdlib``, ``site_packages``,
``cwd``, ``explain``, ``program``, ``cells``) and its events.  Nothing here imports, looks at this
process's sys.modules or sys.path, or reads the traced program's files, so a saved trace is explained
the same way on any machine.  Every string returned is already escaped with ``esc``.

A note states what this trace shows Python did, never what usually happens: where a fact was not
recorded (a trace recorded without explain), the note says less rather than guess.  A concept is
explained in full the first time it comes up (``seen`` remembers which, across the cells of a notebook
too), then in a few words.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...trace._anyevent import AnyEvent
from ...trace._trace import Trace
from ._core import Note
from ._hit import HitNotes
from ._load import LoadNotes
from ._reload import ReloadNotes
from ._search import SearchNotes

__all__ = ["Explainer", "Note", "explain"]


class Explainer(SearchNotes, LoadNotes, HitNotes, ReloadNotes):
    """Notes for one trace: ``preamble()`` once, then ``notes(events)`` for each timeline line (one
    event, or several cache hits from one place told as one), in the order of the trace.

    ``seen`` holds the concepts already explained in full (pass the same set to explain several traces
    as one session: a notebook's cells); ``jargon`` adds what the timeline's own words mean."""

    def notes(self, events: Sequence[AnyEvent]) -> list[Note]:
        """The notes for one timeline line: an event, or consecutive cache hits from one place."""
        if not events:
            return []
        e = events[0]
        if e.kind == "search":
            return self._search(e)
        if e.kind == "load":
            return self._main(e) if e.name == "__main__" else self._load(e)
        if e.kind == "hit":
            return self._hits([h for h in events if h.kind == "hit"])
        if e.kind == "reload":
            return self._reload(e)
        return []


def explain(trace: Trace) -> list[tuple[AnyEvent, list[str]]]:
    """Every event of trace with its notes as plain text, for tools that want the notes without a timeline."""
    explainer = Explainer(trace)
    return [(e, [n.text for n in explainer.notes([e])]) for e in trace.events]
