"""The trace's notes (what the tracer could not see or had to leave): real traces that provoke each one
keep its code and named fields, and every renderer words them with one function (renderers/_notes.py),
old trace files' messages included."""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import sys
from pathlib import Path
from typing import Any

import importtrace
from importtrace import Trace, note_text, render
from importtrace.record import backend

from .conftest import Project, run_cli, write_files
from .odd_specs import KeptLoaderFinder


class Ahead:
    """A finder inserted ahead of importtrace's, as pytest's assertion rewriter is."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        return importlib.machinery.PathFinder.find_spec(name, path, target) if name == "ahead_mod" else None


def fields(trace: Trace) -> list[dict[str, Any]]:
    """The notes without their times."""
    return [{k: v for k, v in n.items() if k != "at"} for n in trace.notes]


def footer(trace: Trace) -> list[str]:
    return [line for line in render(trace, "timeline").splitlines() if line.startswith("note [")]


def test_a_finder_ahead_is_noted_by_its_name(project: Project) -> None:
    project.write({"ahead_mod.py": ""})
    with importtrace.trace() as t:
        sys.meta_path.insert(0, Ahead())
        import ahead_mod  # noqa: F401
    assert fields(t.trace) == [{"code": "shadowed", "finder": "Ahead"}]
    assert footer(t.trace) == [
        "note [shadowed]: Ahead was inserted ahead of importtrace's finder in sys.meta_path: modules it serves "
        "are loaded without search and load events (they appear as unobserved loads)"
    ]


def test_our_finder_taken_out_is_noted_without_fields(project: Project) -> None:
    project.write({"left_mod.py": ""})
    with importtrace.trace() as t:
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ImporttraceFinder"]
        import left_mod  # noqa: F401
    assert fields(t.trace) == [{"code": "removed"}]
    assert "importtrace's finder was taken out of sys.meta_path during the trace" in footer(t.trace)[0]


def test_a_hooked_function_replaced_by_another_tool_is_noted_by_its_name() -> None:
    original = importlib.reload
    recording = importtrace.trace().start()
    ours = importlib.reload
    importlib.reload = lambda module: ours(module)
    try:
        trace = recording.stop()
    finally:
        importlib.reload = original
    assert fields(trace) == [{"code": "repatched", "function": "importlib.reload"}]
    assert footer(trace) == [
        "note [repatched]: importlib.reload was replaced by another tool during the trace; it was left in "
        "place and importtrace's wrapper now passes calls through"
    ]


def test_an_internal_failure_names_where_and_keeps_the_exception(project: Project) -> None:
    project.write({"kept_mod.py": "VALUE = 1\n"})
    with importtrace.trace() as t:
        sys.meta_path.insert(1, KeptLoaderFinder("kept_mod"))
        import kept_mod
    assert kept_mod.VALUE == 1
    error = {"type": "AttributeError", "message": "this spec keeps its loader"}
    assert fields(t.trace) == [{"code": "internal", "where": "loader proxy", "error": error}]
    assert footer(t.trace) == ["note [internal]: loader proxy: AttributeError: this spec keeps its loader"]


def test_a_failing_stream_and_process_record_are_noted(project: Project, tmp_path: Path) -> None:
    project.write({"streamed.py": "", "recorded.py": ""})
    (tmp_path / "ro").write_text("")
    fd = os.open(tmp_path / "ro", os.O_RDONLY)

    def broken(record: Any, began: bool) -> None:
        raise OSError("the pipe is gone")

    with importtrace.trace() as t:
        backend.set_sink(broken)
        try:
            import streamed  # noqa: F401
        finally:
            backend.set_sink(None)
        backend.stream_to(fd)
        try:
            import recorded  # noqa: F401
        finally:
            backend.stream_to(None)
            os.close(fd)
    error = {"type": "OSError", "message": "the pipe is gone"}
    assert {json.dumps(n) for n in fields(t.trace)} == {
        json.dumps({"code": "stream", "what": "stream", "error": error}),
        json.dumps({"code": "stream", "what": "record", "error": None}),
    }
    assert set(footer(t.trace)) == {
        "note [stream]: writing the stream failed: OSError: the pipe is gone",
        "note [stream]: writing the process record failed: later events were not written",
    }


def test_the_command_line_s_stopped_note_is_a_code_shown_again_from_the_file(tmp_path: Path) -> None:
    write_files(tmp_path, {"mod_a.py": ""})
    code = "import mod_a\nfrom importtrace.record import _session\n_session._held[0].stop()\n"
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", "-c", code], tmp_path)
    assert traced.returncode == 0, traced.stderr
    trace = importtrace.load(tmp_path / "t.jsonl")
    assert fields(trace) == [{"code": "stopped"}] and trace.header["version"] == 3
    shown = run_cli(["show", "t.jsonl", "--format", "timeline"], tmp_path)
    assert "note [stopped]: the program stopped importtrace's recording of it: the trace ends there" in shown.stdout


OLD_AND_NEW = [
    {"at": 0, "code": "shadowed", "message": "Old was ahead (written by an earlier importtrace)"},
    {"at": 1, "code": "shadowed", "finder": "New"},
    {"at": 2, "code": "future", "reason": "unknown to this version", "error": {"type": "E", "message": "m"}},
    {"at": 3, "code": "bare"},
]


def test_every_renderer_words_notes_old_new_and_unknown_alike(tmp_path: Path) -> None:
    old = tmp_path / "v2.jsonl"
    header = {"format": "importtrace", "version": 2, "notes": OLD_AND_NEW}
    event = {"id": 1, "kind": "hit", "name": "os", "start": 0, "duration": 1, "thread": 1, "parent": None}
    old.write_text("\n".join(map(json.dumps, (header, event, {"end": True, "events": 1}))) + "\n")
    trace = importtrace.load(old)
    texts = [note_text(n) for n in trace.notes]
    assert texts[0] == "Old was ahead (written by an earlier importtrace)"
    assert texts[1].startswith("New was inserted ahead of importtrace's finder")
    assert texts[2] == 'reason: unknown to this version, error: {"type": "E", "message": "m"}'
    assert texts[3] == "(no details)"
    empty = Trace([], dict(trace.header))  # a trace with notes and no events still shows them
    for fmt, shown in (("timeline", trace), ("story", trace), ("summary", trace), ("tree", trace), ("story", empty)):
        assert [line for line in render(shown, fmt).splitlines() if line.startswith("note [")] == [
            "note [%s]: %s" % (n["code"], text) for n, text in zip(OLD_AND_NEW, texts)
        ], fmt
    html = render(trace, "html")
    assert "Old was ahead" in html and "New was inserted ahead" in html and "reason: unknown" in html
    chrome = [row for row in json.loads(render(trace, "chrome"))["traceEvents"] if row.get("cat") == "note"]
    assert [row["args"]["message"] for row in chrome] == texts
    assert chrome[1]["args"]["finder"] == "New"


def test_notes_survive_a_saved_file_and_the_pytest_plugin_s_merge(project: Project, tmp_path: Path) -> None:
    project.write({"ahead_mod.py": ""})
    with importtrace.trace() as t:
        sys.meta_path.insert(0, Ahead())
        import ahead_mod  # noqa: F401
    t.trace.save(tmp_path / "t.jsonl")
    saved = importtrace.load(tmp_path / "t.jsonl")
    assert fields(saved) == [{"code": "shadowed", "finder": "Ahead"}] and footer(saved) == footer(t.trace)
    jsonl = json.loads(render(saved, "jsonl").splitlines()[0])
    assert [n["finder"] for n in jsonl["notes"]] == ["Ahead"]
    from importtrace.integrations.pytest_plugin import _join

    merged = _join([(0, saved), (saved.duration, saved)])
    assert [note_text(n) for n in merged.notes] == [note_text(saved.notes[0])] * 2
