"""jsonl: the documented trace file format, the same bytes Trace.save writes."""

from __future__ import annotations

from typing import Any

from ..trace._trace import Trace
from ..trace._write import dumps


def render(trace: Trace, options: dict[str, Any]) -> str:
    return dumps(trace)
