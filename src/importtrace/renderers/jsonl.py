"""jsonl: the documented trace file format, the same bytes Trace.save writes."""

from __future__ import annotations

from typing import Any

from .._trace import Trace
from .._tracefile import dumps


def render(trace: Trace, options: dict[str, Any]) -> str:
    return dumps(trace)
