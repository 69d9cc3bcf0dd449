"""Type checkers see each event kind's own fields: a load has no ``count``, and checking ``kind`` (or
isinstance) narrows an event to its kind.  Checked by running mypy --strict on a user's code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import importtrace

pytest.importorskip("mypy", reason="mypy checks the snippet")

USER_CODE = """\
from __future__ import annotations

import importtrace
from importtrace import AnyEvent, HitEvent, LoadEvent


def count(trace: importtrace.Trace) -> int:
    return trace.of_kind("load")[0].count  # error: a load has no count


def origins(trace: importtrace.Trace) -> list[str]:
    found = []
    for e in trace.events:
        if e.kind == "load" and e.origin:
            found.append(e.origin)
        if isinstance(e, HitEvent):
            found.extend(e.fromlist)
    return found


def origin(e: AnyEvent) -> str | None:
    return e.origin  # error: a hit or reload has no origin


def first(trace: importtrace.Trace) -> int:
    load: LoadEvent | None = trace.first_load("json")
    hits: list[HitEvent] = trace.of_kind("hit")
    return (load.self_duration or 0) + sum(h.count for h in hits) if load else 0


def cycles(recording: importtrace.Recording) -> list[str]:
    return [hit.statement or target for hit, target in recording.cycles()]
"""


def test_mypy_checks_each_kind_s_fields_and_narrows_on_kind(tmp_path: Path) -> None:
    snippet = tmp_path / "user_code.py"
    snippet.write_text(USER_CODE)
    src = Path(importtrace.__file__).resolve().parent.parent  # the importtrace under test, not another
    env = {**os.environ, "MYPYPATH": str(src)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", snippet.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    errors = sorted({int(n) for n in re.findall(r"^user_code\.py:(\d+): error:", result.stdout, re.M)})
    wanted = [n for n, line in enumerate(USER_CODE.splitlines(), start=1) if "# error:" in line]
    assert errors == wanted, result.stdout + result.stderr
