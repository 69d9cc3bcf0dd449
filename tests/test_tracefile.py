"""Trace.save / importtrace.load: a documented JSON Lines file that round-trips and is never executed."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Callable

import pytest

import importtrace
from importtrace import Trace, TraceFileError
from importtrace.trace import _file
from importtrace.trace import _write as writer

from .conftest import Project


@pytest.fixture
def sample(project: Project, fake_clock: Callable[[], int]) -> Trace:
    project.write(
        {
            "ft/__init__.py": "from . import a\n",
            "ft/a.py": "import json\ntry:\n    import ft_missing\nexcept ImportError:\n    pass\n",
            "ft/bad.py": "raise ValueError('\\x1b[31m red \\u2603')\n",
        }
    )
    with importtrace.trace(clock=fake_clock) as t:
        import ft
        import ft.a

        try:
            import ft.bad  # noqa: F401
        except ValueError:
            pass
    return t.trace


def test_round_trip_is_exact(sample: Trace, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    sample.save(path)
    loaded = importtrace.load(path)
    assert loaded == sample
    assert [e.to_dict() for e in loaded.events] == [e.to_dict() for e in sample.events]
    assert loaded.header == {**sample.header, "format": "importtrace", "version": 3}
    assert loaded.why("ft.a") == sample.why("ft.a")
    assert loaded.failed() == sample.failed() and len(loaded.failed()) == 2


def test_from_records_rebuilds_a_trace_and_leaves_the_header_alone(sample: Trace) -> None:
    header = dict(sample.header, t0=sample.t0)
    records = sample.records()
    assert records
    again = Trace.from_records(header, records, segments=sample.segments())
    assert again == sample and again.t0 == sample.t0
    assert [e.start for e in again.events] == [e.start for e in sample.events]
    assert header == dict(sample.header, t0=sample.t0) and again.header is not header


def test_the_writer_of_records_writes_what_events_would(project: Project, fake_clock: Callable[[], int]) -> None:
    """Trace.save writes a recorded trace straight from its records; every kind and field must come out
    exactly as Event.to_dict would have it (a reload, a circular from-import with missing names, a
    refused import, an alias, the --explain facts)."""
    import importlib
    import sys

    project.write(
        {
            "wr_conf.py": "import os\nX = 1\n",
            "wr_a.py": "import wr_b\nA = 1\n",
            "wr_b.py": "try:\n    from wr_a import A\nexcept ImportError:\n    pass\n",
        }
    )
    with importtrace.trace(clock=fake_clock, explain=True) as t:
        import wr_a  # noqa: F401
        import wr_conf

        importlib.reload(wr_conf)
        sys.modules["wr_blocked"] = None  # type: ignore[assignment]
        try:
            import wr_blocked  # noqa: F401
        except ImportError:
            pass
        del sys.modules["wr_blocked"]
        sys.modules["wr_alias"] = wr_conf
    del sys.modules["wr_alias"]
    trace = t.trace
    records = trace.records()
    assert records is not None and {r[0] for r in records} == {"search", "load", "hit", "reload"}
    lines = writer._lines(records, trace.t0, trace.pid)
    assert lines == [writer._ENCODER.encode(e.to_dict()) + "\n" for e in trace.events]
    assert any(e.alias for e in trace.events) and any(e.kind == "hit" and e.error for e in trace.events)


def test_file_layout_is_header_events_end(sample: Trace, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    sample.save(path)
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "importtrace" and header["version"] == 3 and "preloaded" in header
    events = [json.loads(line) for line in lines[1:-1]]
    assert [e["id"] for e in events] == [e.id for e in sample.events]
    crc = zlib.crc32("".join(line + "\n" for line in lines[1:-1]).encode("ascii"))
    assert json.loads(lines[-1]) == {"end": True, "events": len(events), "crc32": crc}
    assert all(line.isascii() for line in lines)  # escapes keep odd names and messages intact


def test_a_file_written_here_is_trusted_and_an_edited_one_checked(sample: Trace, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    sample.save(path)
    data = path.read_bytes()
    assert _file._written_here(data)  # its events are not checked field by field again
    lines = data.split(b"\n")
    lines[1] = lines[1].replace(b'"thread":1', b'"thread":"one"')
    edited = b"\n".join(lines)
    assert edited != data and not _file._written_here(edited)
    path.write_bytes(edited)
    with pytest.raises(importtrace.TraceFileError, match=r"t\.jsonl:2: bad event: field 'thread' must be an integer"):
        importtrace.load(path)


def test_empty_trace_round_trips(tmp_path: Path) -> None:
    with importtrace.trace() as t:
        pass
    t.save(tmp_path / "e.jsonl")
    assert importtrace.load(tmp_path / "e.jsonl").events == []


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    return path


HEADER = '{"format":"importtrace","version":1}\n'
EVENT = '{"id":1,"kind":"hit","name":"os","start":0,"duration":1,"thread":1,"parent":null}\n'
END = '{"end":true,"events":1}\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("not json\n", ":1: not valid JSON"),
        ('{"format":"other"}\n', ":1: not an importtrace trace"),
        ('{"format":"importtrace","version":99}\n' + END, ":1: trace format version 99 is newer"),
        (HEADER + "{oops\n" + END, ":2: not valid JSON"),
        (HEADER + EVENT + '{"id":2,"kind":"hit"', ":3: truncated line"),
        (HEADER + EVENT, "truncated: no end record"),
        (HEADER + EVENT + '{"end":true,"events":5}\n', ":3: end record counts 5 events but the file holds 1"),
        (HEADER + EVENT + EVENT + END, ":3: event id 1 appears twice"),
        (HEADER + EVENT.replace('"id":1', '"id":"1"') + END, ":2: bad event: field 'id' must be an integer"),
        (HEADER + EVENT.replace('"hit"', '"exec"') + END, ":2: bad event: unknown event kind 'exec'"),
        (HEADER + EVENT.replace('"parent":null', '"fromlist":["a",2]') + END, "field 'fromlist' must be a list of"),
        (
            HEADER + EVENT.replace('"parent":null', '"level":"1"') + END,
            ":2: bad event: field 'level' must be an integer",
        ),
        (HEADER + EVENT.replace('"parent":null', '"via":3') + END, ":2: bad event: field 'via' must be a string"),
        (HEADER + EVENT.replace('"name":"os"', '"name":null') + END, ":2: bad event: event without a module name"),
        (
            HEADER + EVENT.replace('"hit"', '"load"').replace('"parent":null', '"error":{"type":1}') + END,
            "'error' must",
        ),
        (HEADER + EVENT.replace('"start":0', '"start":0.5') + END, ":2: bad event: field 'start' must be an integer"),
        (HEADER + EVENT.replace('"parent":null', '"parent":1') + END, ":2: bad event: its parent 1 is not an earlier"),
        (HEADER + EVENT.replace('"parent":null', '"parent":7') + END, ":2: bad event: its parent 7 is not an earlier"),
        (HEADER + "[1, 2]\n" + END, ":2: expected a JSON object"),
        (HEADER + EVENT + END + EVENT, ":4: data after the end record"),
        (HEADER.encode().decode() + "\udcff\n", ":2: not UTF-8"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(TraceFileError) as info:
        importtrace.load(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_null_and_missing_fields_load_as_their_defaults(tmp_path: Path) -> None:
    event = EVENT.replace('"parent":null', '"fromlist":null,"count":null,"origin":"x.py"')
    hit = importtrace.load(_write(tmp_path, HEADER + event + END)).events[0]
    assert (hit.fromlist, hit.count, hit.level, hit.partial, hit.importer) == ([], 1, 0, False, None)
    assert hit.origin is None  # a search and load field: not a hit's, whatever the file says


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TraceFileError, match="cannot read"):
        importtrace.load(tmp_path / "nope.jsonl")


def test_nothing_in_a_trace_file_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = "__import__('pathlib').Path(%r).touch()" % str(marker)
    event = {
        "id": 1,
        "kind": "load",
        "name": payload,
        "start": 0,
        "duration": 1,
        "thread": 1,
        "parent": None,
        "importer": payload,
        "where": payload + ":1",
        "origin": payload,
    }
    path = _write(tmp_path, HEADER + json.dumps(event) + "\n" + END)
    trace = importtrace.load(path)
    assert trace.events[0].name == payload and not marker.exists()


def test_stream_files_tolerate_a_missing_end_and_a_cut_last_line(tmp_path: Path) -> None:
    stream_header = '{"format":"importtrace","version":1,"stream":true}\n'
    opened = '{"id":1,"kind":"load","name":"slow","start":0,"duration":null,"thread":1,"parent":null}\n'
    closed = '{"id":1,"kind":"load","name":"slow","start":0,"duration":5,"thread":1,"parent":null}\n'
    trace = importtrace.load(_write(tmp_path, stream_header + opened + closed + '{"id":2,"ki'))
    assert trace.header["complete"] is False and [e.duration for e in trace.events] == [5]
    trace = importtrace.load(_write(tmp_path, stream_header + opened))
    assert trace.events[0].duration is None
