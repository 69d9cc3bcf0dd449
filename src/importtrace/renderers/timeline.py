"""timeline (placeholder until the formatter issue lands): one line per event, in order."""

from __future__ import annotations

from typing import Any

from .._trace import Trace


def render(trace: Trace, options: dict[str, Any]) -> str:
    lines = []
    for e in trace.events:
        dur = "" if e.duration is None else " %.3fms" % (e.duration / 1e6)
        lines.append("%10.3fms %-6s %s%s" % (e.start / 1e6, e.kind, e.name, dur))
    return "\n".join(lines) + ("\n" if lines else "")
