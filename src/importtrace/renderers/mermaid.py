"""mermaid: a Mermaid sequence diagram of who asked for which module, for docs and slides.

Participants are modules; arrows go from the importer to the module: ``-)`` a search, ``-x`` a search
that found nothing, ``->>`` a load (the module stays active while its code runs, and answers when it
is done or failed), ``-->>`` a cache hit, ``->>`` a reload.  GitHub renders it in a ```mermaid block
or a .mmd file.  Text that Mermaid would read as syntax is written as entity codes (``#59;``).
Large traces make diagrams too big to render: filter them (include, depth, kinds) first.
"""

from __future__ import annotations

import re
from typing import Any

from ..filters._structure import walk
from ..trace._anyevent import AnyEvent
from ..trace._event import HitEvent, SearchEvent
from ..trace._trace import Trace
from ._describe import cycles
from ._text import esc, plural, took

_LIMIT = 50_000  # Mermaid's default maxTextSize: longer diagrams do not render
_UNSAFE = re.compile(r"[^A-Za-z0-9 _.,:()/'!?=+*\[\]@-]")


def _text(text: str) -> str:
    """Escape what breaks Mermaid syntax (or is read as markup) as #code; entities."""
    return _UNSAFE.sub(lambda m: "#%d;" % ord(m.group()), esc(text))


def render(trace: Trace, options: dict[str, Any]) -> str:
    ids: dict[str, str] = {}
    declared: list[str] = []
    body: list[str] = []

    def actor(name: str) -> str:
        pid = ids.get(name)
        if pid is None:
            pid = ids[name] = "m%d" % len(ids)
            declared.append("    participant %s as %s" % (pid, _text(name) or "#32;"))
        return pid

    loops = cycles(trace)
    for entering, e, _level in walk(trace, lambda e: True):
        kind = e.kind
        unobserved = e.kind == "load" and not e.observed
        src = "" if unobserved else actor(_asker(trace, e))
        dst = actor(e.name)
        if entering:
            if e.kind == "search":
                arrow = "-x" if e.failed else "-)"
                body.append("    %s%s%s: %s" % (src, arrow, dst, _text(_search_label(e))))
            elif e.kind == "hit":
                body.append("    %s-->>%s: %s" % (src, dst, _text(_hit_label(e, loops.get((e.where, e.name))))))
            elif unobserved:
                body.append("    Note over %s: %s" % (dst, _text("loaded out of the tracer's sight (unobserved)")))
            else:
                body.append(
                    "    %s->>%s: %s"
                    % (src, dst, _text("load (%s)" % (e.module_type or "?") if e.kind == "load" else kind))
                )
                body.append("    activate %s" % dst)
        elif kind == "reload" or (e.kind == "load" and e.observed):
            if e.error is not None:
                label = "FAILED: %s" % (e.error.get("type") or "error")
                body.append("    %s--x%s: %s" % (dst, src, _text(label)))
            elif e.duration is None:
                body.append("    Note over %s: UNFINISHED when the trace stopped" % dst)
            else:
                body.append("    %s-->>%s: %s" % (dst, src, _text("done in %s" % took(e.duration))))
            body.append("    deactivate %s" % dst)
    lines = ["sequenceDiagram"]
    lines.append("    %%%% importtrace: %s" % plural(len(trace.events), "event"))
    lines.extend(declared)
    lines.extend(body)
    text = "\n".join(lines) + "\n"
    if len(text) > _LIMIT:
        warning = "    %%%% %d characters: over Mermaid's default limit (50000); filter the trace to render it\n" % len(
            text
        )
        text = lines[0] + "\n" + warning + text[len(lines[0]) + 1 :]
    return text


def _asker(trace: Trace, e: AnyEvent) -> str:
    """Who the arrow starts from: the importing module, else the module whose load it happened in,
    else the interpreter (``python``), which runs the program's ``__main__``."""
    if e.importer:
        return e.importer
    parent = trace.parent(e)
    return parent.name if parent is not None else "python"


def _search_label(e: SearchEvent) -> str:
    if e.error is not None:
        return "search FAILED: %s" % (e.error.get("type") or "error")
    if e.found is False:
        return "search: NOT FOUND"
    label = "search: found by %s" % (e.finder or "?")
    return label + (" (%s)" % e.reason if e.reason and e.reason != "import" else "")


def _hit_label(e: HitEvent, cycle: str | None) -> str:
    label = "hit" + (" x%d" % e.count if e.count > 1 else "")
    if cycle is not None:
        label += " CYCLE (%s still initialising)" % cycle
    elif e.waited:
        label += " (waited for another thread)"
    return label
