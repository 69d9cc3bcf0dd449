"""importtime: the text of ``python -X importtime``, so tuna and the other tools that read it read our
traces (the differences, which a trace cannot tell apart, are listed in docs/formats.md).

    import time: self [us] | cumulative | imported package
    import time:       232 |        232 |       _json

One row per timed import, children before their parent (post-order), two spaces of indent per
level, microseconds rounded up.  As in CPython, an import's time includes finding the module, and a
module that was not found still gets a row.  Cache hits, reloads and loads whose time is unknown
(unfinished, unobserved) get no row of their own; what they contain moves up to their level.  Nor
does the program's ``__main__`` (a command-line trace's root), which ``-X importtime`` never lists.
Control characters and ``|`` in names are written as escapes (``\\x7c``), so each row keeps three columns.
"""

from __future__ import annotations

from typing import Any

from ..filters._structure import walk
from ..trace._anyevent import AnyEvent
from ..trace._trace import Trace
from ._text import esc

HEADER = "import time: self [us] | cumulative | imported package"


def render(trace: Trace, options: dict[str, Any]) -> str:
    out = [HEADER]
    for entering, e, level in walk(trace, _timed):
        if entering:
            continue
        extra = 0
        if e.kind == "load" and e.search is not None:
            search = trace.event(e.search)
            if search is not None and search.duration is not None:
                extra = search.duration
        duration = e.duration or 0
        own = e.self_duration if e.kind == "load" and e.self_duration is not None else duration
        out.append(
            "import time: %9d | %10d | %s%s" % (_us(own + extra), _us(duration + extra), "  " * level, _name(e.name))
        )
    return "\n".join(out) + "\n"


def _timed(e: AnyEvent) -> bool:
    if e.duration is None:
        return False
    if e.kind == "load":
        return e.observed and not (e.name == "__main__" and e.parent is None and e.importer is None)
    return e.kind == "search" and e.failed and e.reason != "probe"


def _name(name: str) -> str:
    """The name escaped, and without the column separator readers split on (tuna splits on ' | ')."""
    return esc(name).replace("|", "\\x7c")


def _us(ns: int) -> int:
    """Nanoseconds to microseconds, rounded up like CPython's _PyTime_ROUND_CEILING."""
    return -(-ns // 1000)
