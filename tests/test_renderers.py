"""The formatters, on real traces of packages built in tmp_path with a fake clock, on hostile names,
on an empty trace and on a 100,000-event trace.

Golden files live in tests/golden; set IMPORTTRACE_UPDATE_GOLDEN=1 to rewrite them after a deliberate change.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

import importtrace
from importtrace import Event, Trace
from importtrace.filters._filters import filter_trace, is_noise, stdlib_test
from importtrace.renderers import FORMATS, RenderError, render, want_color
from importtrace.renderers._describe import cycles
from importtrace.trace._event import KIND_FIELDS
from importtrace.trace._write import dumps

from .conftest import Project, golden

TEXT_FORMATS = ("timeline", "tree", "table", "importtime", "mermaid")
NEWER_FIELDS = ("bytecode", "stale", "unchanged")
ROW = re.compile(r"^import time: +(\d+) \| +(\d+) \| ( *)(\S.*)$")

APP = {
    "runner.py": """
        import app
        try:
            import broken
        except RuntimeError:
            pass
        import cyc_a
        import chatty
        for _ in range(3):
            import app.util
        """,
    "app/__init__.py": "from . import models\nfrom .util import helper\nimport sys\n",
    "app/models.py": """
        import app.util
        try:
            import not_there
        except ImportError:
            pass
        """,
    "app/util.py": "import sys\n\n\ndef helper():\n    pass\n",
    "broken.py": "import app\nraise RuntimeError('nope')\n",
    "cyc_a.py": "import cyc_b\n",
    "cyc_b.py": "from cyc_a import *\nimport cyc_a\n",
    "chatty.py": "import sys\nimport sys\nimport sys\n",
}


def record_app(project: Project, fake_clock: Callable[[], int]) -> Trace:
    """The trace of importing APP's runner, then reloading app.util after adding a name to it."""
    project.write(APP)
    with importtrace.trace(clock=fake_clock) as t:
        import runner  # noqa: F401

        project.write({"app/util.py": "import sys\n\n\ndef helper():\n    pass\n\n\nEXTRA = 1\n"})
        importlib.reload(sys.modules["app.util"])
    return stable(t.trace, project.root)


def stable(trace: Trace, root: Path) -> Trace:
    """trace with what differs between machines and runs replaced: the header, and this file's path."""
    header, events = trace.to_dicts()
    for d in events:
        if d["where"] and d["where"].startswith(__file__):
            d["where"] = "<test>:1"
        for field in NEWER_FIELDS:  # recorded by work in progress; tested on their own below
            d.pop(field, None)
    keep = {"duration": header["duration"], "threads": header.get("threads"), "notes": header.get("notes")}
    return Trace.from_dicts({**keep, "python": "3.x", "cwd": str(root), "argv": ["runner"]}, events)


@pytest.fixture
def app_trace(project: Project, fake_clock: Callable[[], int]) -> Trace:
    return record_app(project, fake_clock)


def ev(id: int, kind: str, name: str, start: int = 0, duration: int | None = 1000, **fields: Any) -> Event:
    fields.setdefault("thread", 1)
    return Event(id=id, kind=kind, name=name, start=start, duration=duration, **fields)


# --- golden output of every human format on a real trace ---------------------------------------------------


@pytest.mark.parametrize(
    "fmt, options, name",
    [
        ("timeline", {}, "app.timeline.txt"),
        ("timeline", {"width": 72}, "app.timeline-72.txt"),
        ("timeline", {"color": True, "width": 100}, "app.timeline-color.txt"),
        ("tree", {}, "app.tree.txt"),
        ("table", {}, "app.table.txt"),
        ("importtime", {}, "app.importtime.txt"),
        ("mermaid", {}, "app.mermaid.txt"),
    ],
)
def test_golden(app_trace: Trace, fmt: str, options: dict[str, Any], name: str) -> None:
    golden(name, render(app_trace, fmt, **options))


def test_the_app_trace_has_what_the_golden_files_claim(app_trace: Trace) -> None:
    """Guards the scenario itself: every kind of story the formats must tell is in it."""
    assert {"search", "load", "hit", "reload"} <= {e.kind for e in app_trace}
    assert [e.name for e in app_trace.failed()] == ["not_there", "broken"]
    assert set(cycles(app_trace).values()) == {"cyc_a"}
    assert any(e.kind == "hit" and e.count == 3 for e in app_trace)
    reload = app_trace.of_kind("reload")[0]
    assert reload.added == ["EXTRA"]


# --- timeline ---------------------------------------------------------------------------------------------


def test_timeline_tells_the_fact_of_each_kind(app_trace: Trace) -> None:
    lines = render(app_trace, "timeline").splitlines()

    def line(kind: str, name: str, n: int = 0) -> str:
        found = [x for x in lines if re.search(r"\s%s\s+%s(\s|$)" % (kind, re.escape(name)), x)]
        return found[n]

    assert "found by PathFinder: app/models.py" in line("search", "app.models")
    assert "(package)" in line("search", "app")
    assert "NOT FOUND  asked by app.models at app/models.py:3" in line("search", "not_there")
    assert "FAILED  RuntimeError: nope" in line("load", "broken")
    assert "from . import models by app at app/__init__.py:1" in line("hit", "app")
    assert "from .util import helper by app at app/__init__.py:2" in line("hit", "app.util")
    assert "CYCLE  from cyc_a import * by cyc_b at cyc_b.py:1" in line("hit", "cyc_a")
    assert "CYCLE  import cyc_a by cyc_b at cyc_b.py:2" in line("hit", "cyc_a", 1)  # one line per statement
    assert "added EXTRA; rebound helper; reloaded by tests.test_renderers at <test>:1" in line("reload", "app.util")
    assert re.search(r"load\s+app\s+source, self \S+$", line("load", "app"))
    # times: the first search starts at the fake clock's second reading
    assert lines[2].split()[:3] == ["0.001", "1.0us", "search"]


def test_timeline_folds_repeated_hits_with_a_count(app_trace: Trace) -> None:
    text = render(app_trace, "timeline")
    assert re.search(r"hit\s+sys x3  import sys by chatty at chatty.py:1,2,3$", text, re.M)  # three lines, one story
    assert re.search(r"hit\s+app.util x3  import app.util by runner at runner.py:9$", text, re.M)  # one line, 3 times
    raw = [e for e in app_trace if e.kind == "hit" and e.importer == "chatty"]
    assert len(raw) == 3 and all(e.count == 1 for e in raw)


def test_timeline_indents_by_nesting(app_trace: Trace) -> None:
    lines = render(app_trace, "timeline").splitlines()
    start = lines[1].index("module")

    def indent(kind: str, name: str) -> int:
        x = next(x for x in lines if re.search(r"\s%s\s+%s(\s|$)" % (kind, re.escape(name)), x))
        return len(x[start:]) - len(x[start:].lstrip())

    assert indent("load", "runner") == 0
    assert indent("load", "app") == 2
    assert indent("load", "app.models") == 4
    assert indent("load", "app.util") == 6
    assert indent("search", "not_there") == 6


def test_cycle_marks_follow_the_trace_s_own_verdict(project: Project, fake_clock: Callable[[], int]) -> None:
    """A package importing its own parts hits itself while initialising; whether that counts as a
    circular import is Trace.cycles()' call, and every format follows it."""
    project.write(
        {"pk/__init__.py": "from . import part\n", "pk/part.py": "from pk import sibling\n", "pk/sibling.py": ""}
    )
    with importtrace.trace(clock=fake_clock) as t:
        import pk  # noqa: F401
    trace = stable(t.trace, project.root)
    hits = [e for e in trace if e.kind == "hit" and e.partial]
    assert hits
    loops = cycles(trace)
    timeline = render(trace, "timeline")
    for e in hits:
        where = (e.where or "").replace(str(project.root) + os.sep, "")
        line = next(x for x in timeline.splitlines() if " by %s at %s" % (e.importer, where) in x)
        assert ("CYCLE" in line) == ((e.where, e.name) in loops), line
        if (e.where, e.name) not in loops:
            assert line.endswith("pk was still initialising (a package importing its own parts)")
    assert ("CYCLE" in render(trace, "tree")) == bool(loops)
    assert ("Circular imports" in render(trace, "table")) and (("(none)" in render(trace, "table")) or bool(loops))


def test_timeline_marks_unfinished_and_unobserved_loads() -> None:
    trace = Trace(
        [
            ev(1, "load", "stuck", 1000, None, module_type="source", unfinished=True, importer="__main__"),
            ev(2, "load", "ghost", 5000, None, observed=False, loader="Sneaky", origin="/x/ghost.py"),
            ev(3, "search", "half", 6000, None, reason="import", found=None),
        ],
        {"duration": 9000},
    )
    lines = render(trace, "timeline").splitlines()
    assert re.search(r"-  load\s+stuck  UNFINISHED  still running when the trace stopped", lines[2])
    assert re.search(r"-  load\s+ghost  UNOBSERVED  in sys.modules .* \(Sneaky\): /x/ghost.py$", lines[3])
    assert "half  UNFINISHED" in lines[4]
    assert lines[-1].startswith("-- 1 search, 2 loads (1 unfinished, 1 unobserved)")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_events_whose_parents_form_a_loop_still_render(fmt: str) -> None:
    """A Trace built by hand may hold nonsense the file reader refuses: formats must not crash on it."""
    trace = Trace(
        [
            ev(1, "load", "a", 0, 50, parent=2, module_type="source"),
            ev(2, "load", "b", 10, 30, parent=1, module_type="source"),
            ev(3, "load", "c", 20, 10, parent=3, module_type="source"),
        ],
        {"duration": 100},
    )
    out = render(trace, fmt)  # the tree formats may leave out what hangs from nothing; none may fail
    if fmt == "timeline":
        assert [line.split()[3] for line in out.splitlines()[2:5]] == ["a", "b", "c"]


@pytest.mark.parametrize("width", [60, 72, 100, 140])
def test_timeline_fits_the_width_and_never_hides_a_name(app_trace: Trace, width: int) -> None:
    lines = render(app_trace, "timeline", width=width).splitlines()
    assert all(len(x) <= width for x in lines[1:]), [x for x in lines if len(x) > width]
    names = [e.name for e in app_trace]
    body = [x for x in lines if re.match(r"^ *\d+\.\d{3} ", x)]
    assert len(body) >= 25
    # folded hits make fewer lines than events; each line still names its module in full
    for x in body:
        assert any(re.search(r"\s%s( |$)" % re.escape(n), x) for n in names), x


def test_timeline_cuts_paths_from_the_head_first() -> None:
    where = "/very/long/directory/that/goes/on/and/on/for/ever/and/ever/package/module.py:12"
    trace = Trace([ev(1, "hit", "json", importer="package.module", where=where)], {"duration": 2000})
    line = render(trace, "timeline", width=80).splitlines()[2]
    assert len(line) <= 80 and line.endswith("module.py:12") and "..." in line
    assert where in render(trace, "timeline").splitlines()[2]  # no width: nothing cut


def test_timeline_shortens_a_name_only_when_nothing_else_is_left_and_keeps_its_tail() -> None:
    name = ".".join("segment%d" % i for i in range(12))
    trace = Trace([ev(1, "load", name, module_type="source")], {"duration": 2000})
    line = render(trace, "timeline", width=60).splitlines()[2]
    assert line.endswith("segment10.segment11") and "..." in line
    assert len(line) <= 60
    assert name in render(trace, "timeline", width=200)


def test_timeline_shows_threads_only_when_there_are_several() -> None:
    events = [ev(1, "load", "a", 0, module_type="source"), ev(2, "load", "b", 10, module_type="source", thread=2)]
    assert "T2" in render(Trace(events, {}), "timeline")
    assert "T1" not in render(Trace(events[:1], {}), "timeline")


def test_timeline_colour_only_when_asked(app_trace: Trace) -> None:
    assert "\x1b[" not in render(app_trace, "timeline")
    coloured = render(app_trace, "timeline", color=True)
    assert "\x1b[1;31mFAILED" in coloured.replace("  FAILED", "FAILED").replace("\x1b[1;31m  ", "\x1b[1;31m")
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render(app_trace, "timeline")


@pytest.mark.skipif("stale" not in KIND_FIELDS["reload"], reason="this recorder does not record stale references")
def test_timeline_tells_stale_references_and_bytecode() -> None:
    trace = Trace(
        [
            ev(1, "load", "m", module_type="source", bytecode="stale"),
            ev(2, "reload", "m", 5000, stale=["app.helper", "b.f"], rebound=["f"]),
        ],
        {},
    )
    lines = render(trace, "timeline").splitlines()
    assert lines[2].endswith("load    m  source, __pycache__ out of date, recompiled")
    assert lines[3].endswith("reload  m  rebound f; old objects still bound in app.helper, b.f")


def test_timeline_notes_are_shown() -> None:
    trace = Trace([], {"notes": [{"at": 0, "code": "shadowed", "message": "X was ahead"}]})
    assert "note [shadowed]: X was ahead" in render(trace, "timeline")


# --- tree ------------------------------------------------------------------------------------------------


def test_tree_times_add_up(app_trace: Trace) -> None:
    """cumulative = self + the cumulative of every node inside (searches and loads: timed imports)."""
    lines = render(app_trace, "tree").splitlines()[2:]
    rows = []
    for x in lines:
        m = re.match(r"^ +(\S+) +(\S+)  ([ |+`-]*)(\S+)", x)
        assert m, x
        rows.append((m.group(1), m.group(2), len(m.group(3)), m.group(4)))
    checked = 0
    for i, (own, cumul, depth, _name) in enumerate(rows):
        if own == "-":
            continue
        inside = 0.0
        for _, cumul2, depth2, _ in rows[i + 1 :]:
            if depth2 <= depth:
                break
            if depth2 == depth + 4 and cumul2 != "-":
                inside += float(cumul2)
        if inside:
            assert math.isclose(float(own) + inside, float(cumul), abs_tol=1e-9), rows[i]
            checked += 1
    assert checked >= 3


def test_tree_marks_failures_cycles_and_hits(app_trace: Trace) -> None:
    text = render(app_trace, "tree")
    assert re.search(r"`-- not_there  NOT FOUND", text)
    assert re.search(r"broken  FAILED  RuntimeError: nope", text)
    assert re.search(r"cyc_a  CYCLE  cache hit: from cyc_a import \*", text)
    assert re.search(r"app\.util  source, 4 cache hits", text)  # from .util import helper, then 3 by runner
    assert re.search(r"reload app\.util  added EXTRA", text)


# --- importtime ------------------------------------------------------------------------------------------


def parse_importtime(text: str) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, level, name) of each row; fails on any line not in the format."""
    lines = text.splitlines()
    assert lines[0] == "import time: self [us] | cumulative | imported package"
    rows = []
    for x in lines[1:]:
        m = ROW.match(x)
        assert m, x
        indent = len(m.group(3))
        assert indent % 2 == 0, x
        rows.append((int(m.group(1)), int(m.group(2)), indent // 2, m.group(4)))
    return rows


def test_importtime_rows_match_the_trace_field_by_field(app_trace: Trace) -> None:
    rows = parse_importtime(render(app_trace, "importtime"))
    expected = {}
    for e in app_trace:
        if e.kind == "load" and e.duration is not None:
            search = app_trace.event(e.search) if e.search is not None else None
            find = search.duration if search is not None and search.duration else 0
            assert e.self_duration is not None
            expected[e.id] = (math.ceil((e.self_duration + find) / 1000), math.ceil((e.duration + find) / 1000), e.name)
        elif e.kind == "search" and e.found is False:
            assert e.duration is not None
            expected[e.id] = (math.ceil(e.duration / 1000),) * 2 + (e.name,)  # type: ignore[assignment]
    assert sorted((s, c, n) for s, c, _, n in rows) == sorted(expected.values())
    # post-order: rebuild the tree the way tuna does and compare it with the trace's nesting
    pending: dict[int, list[str]] = {}
    parents = {}
    for _own, _cumul, level, name in rows:
        for child in pending.pop(level + 1, []):
            parents[child] = name
        pending.setdefault(level, []).append(name)
    assert parents["app.util"] == "app.models" and parents["app.models"] == "app" and parents["app"] == "runner"
    assert parents["not_there"] == "app.models" and parents["cyc_b"] == "cyc_a"
    assert set(pending) == {0}  # every row found its parent; the rest are top level
    assert pending[0] == ["runner"]  # a reload is not a timed import in -X importtime


def test_importtime_rows_use_cpythons_widths() -> None:
    trace = Trace([ev(1, "load", "big", 0, 123_456_001, module_type="source"), ev(2, "load", "a.b", 0, 1)], {})
    text = render(trace, "importtime")
    assert "import time:    123457 |     123457 | big\n" in text  # rounded up, %9ld | %10ld
    assert "import time:         1 |          1 | a.b\n" in text


def test_importtime_leaves_out_the_programs_main_like_cpython(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("import colorsys\n")
    (tmp_path / "colorsys.py").write_text("import wave\n")  # a local module, imported by the script
    plain = subprocess.run(
        [sys.executable, "-X", "importtime", "prog.py"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    traced = subprocess.run(
        [sys.executable, "-m", "importtrace", "--format", "importtime", "prog.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    ours = [(level, name) for _s, _c, level, name in parse_importtime(traced.stderr) if name in ("colorsys", "wave")]
    theirs = [(level, name) for _s, _c, level, name in parse_importtime(plain.stderr) if name in ("colorsys", "wave")]
    assert ours == theirs == [(1, "wave"), (0, "colorsys")]
    assert "__main__" not in traced.stderr


def test_importtime_rows_keep_three_columns_whatever_the_name() -> None:
    trace = Trace([ev(1, "load", "a | b\n|c", 0, 2000, module_type="source")], {})
    rows = render(trace, "importtime").splitlines()[1:]
    assert rows == ["import time:         2 |          2 | a \\x7c b\\n\\x7cc"]
    assert len(rows[0][len("import time: ") :].split(" | ")) == 3  # how tuna reads a row


# --- chrome ----------------------------------------------------------------------------------------------


def check_chrome(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    rows = data["traceEvents"]
    for r in rows:
        assert {"ph", "pid", "tid", "name"} <= set(r), r
        assert isinstance(r["name"], str) and r["ph"] in ("X", "i", "M")
        if r["ph"] != "M":
            assert isinstance(r["ts"], (int, float)) and r["ts"] >= 0
        if r["ph"] == "X":
            assert isinstance(r["dur"], (int, float)) and r["dur"] >= 0
        if r["ph"] == "i":
            assert r["s"] in ("t", "g")
    return rows  # type: ignore[no-any-return]


def test_chrome_slices_nest_per_thread(app_trace: Trace) -> None:
    rows = check_chrome(render(app_trace, "chrome"))
    slices = [r for r in rows if r["ph"] == "X"]
    assert {r["cat"] for r in slices} == {"search", "load"}
    by_id = {r["args"]["id"]: r for r in rows if "args" in r and "id" in r["args"]}
    for r in slices:
        parent = by_id.get(r["args"].get("parent"))
        if parent is not None and parent["ph"] == "X":
            assert parent["tid"] == r["tid"]
            assert parent["ts"] <= r["ts"] and r["ts"] + r["dur"] <= parent["ts"] + parent["dur"]
    hits = [r for r in rows if r.get("cat") == "hit"]
    assert hits and all(r["ph"] == "i" for r in hits)
    cycle = next(r for r in hits if r["args"].get("partial") and r["name"] == "hit cyc_a")
    assert cycle["args"]["importer"] == "cyc_b" and cycle["args"]["fromlist"] == ["*"]
    reload = next(r for r in rows if r.get("cat") == "reload")
    assert reload["ph"] == "i" and reload["args"]["added"] == ["EXTRA"] and reload["args"]["duration_us"] > 0
    failed = by_id[next(e.id for e in app_trace if e.name == "broken" and e.kind == "load")]
    assert failed["args"]["error"] == {"type": "RuntimeError", "message": "nope"}
    assert any(r["ph"] == "M" and r["name"] == "thread_name" for r in rows)


def test_chrome_draws_unfinished_loads_to_the_end() -> None:
    trace = Trace(
        [ev(1, "load", "stuck", 1000, None), ev(2, "load", "ghost", 9000, None, observed=False)], {"duration": 9000}
    )
    rows = check_chrome(render(trace, "chrome"))
    stuck = next(r for r in rows if r["name"] == "stuck")
    assert stuck["ph"] == "X" and stuck["dur"] == 8.0 and stuck["args"]["unfinished"] is True
    assert next(r for r in rows if r["name"] == "ghost")["ph"] == "i"


# --- mermaid ---------------------------------------------------------------------------------------------

_MTEXT = r"(?:[^\n;#<>&\"%]|#\d+;)+"  # text, with what Mermaid reads as syntax written as #code; entities
MERMAID_LINE = re.compile(
    r"^(sequenceDiagram|    %%.*|    participant m\d+ as " + _MTEXT + r"|    (de)?activate m\d+|"
    r"    Note over m\d+: " + _MTEXT + r"|    m\d+(-\)|-x|->>|-->>|--x)m\d+: " + _MTEXT + r")$"
)


def check_mermaid(text: str) -> None:
    """Every line is one of the statements we emit, with no raw character Mermaid reads as syntax, and
    activations balance (Mermaid refuses to deactivate an inactive participant)."""
    active: dict[str, int] = {}
    for line in text.splitlines():
        assert MERMAID_LINE.match(line), line
        m = re.match(r"    (de)?activate (m\d+)$", line)
        if m:
            active[m.group(2)] = active.get(m.group(2), 0) + (-1 if m.group(1) else 1)
            assert active[m.group(2)] >= 0, line
    assert not any(active.values())


def test_mermaid_arrows(app_trace: Trace) -> None:
    text = render(app_trace, "mermaid")
    check_mermaid(text)
    ids = dict(re.findall(r"participant (m\d+) as (\S+)", text))
    name = {v: k for k, v in ids.items()}
    assert f"{name['app.models']}-x{name['not_there']}: search: NOT FOUND" in text
    assert f"{name['runner']}->>{name['broken']}: load (source)" in text
    assert f"{name['broken']}--x{name['runner']}: FAILED: RuntimeError" in text
    assert f"{name['cyc_b']}-->>{name['cyc_a']}: hit CYCLE (cyc_a still initialising)" in text
    assert f"{name['tests.test_renderers']}->>{name['app.util']}: reload" in text


# --- html ------------------------------------------------------------------------------------------------


def html_data(text: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    assert m
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def test_html_is_self_contained(app_trace: Trace) -> None:
    text = render(app_trace, "html")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert not re.search(r"(src|href)\s*=", text, re.I)  # nothing fetched: no external script, style or image
    assert "http://" not in text and "https://" not in text
    assert "default-src 'none'" in text
    data = html_data(text)
    assert len(data["events"]) == len(app_trace.events)
    assert [row[2] for row in data["events"]] == [e.name for e in app_trace]


# --- hostile names, paths and messages --------------------------------------------------------------------

EVIL_NAME = "evil\x1b[2J\x1b]0;pwned\x07<script>alert(1)</script>\u202e;#%%\u2028line\u2029para"
EVIL_PATH = "/tmp/\"quoted'/<img src=x onerror=alert(2)>\r\n/mod.py"
EVIL_MESSAGE = "</script><script>alert(3)</script>\x1b[31m\nsecond line"


def hostile_trace() -> Trace:
    return Trace(
        [
            ev(
                1,
                "search",
                EVIL_NAME,
                0,
                1000,
                reason="import",
                finder="PathFinder",
                found=True,
                origin=EVIL_PATH,
                importer=EVIL_NAME,
                where=EVIL_PATH + ":3",
            ),
            ev(
                2,
                "load",
                EVIL_NAME,
                2000,
                5000,
                search=1,
                origin=EVIL_PATH,
                module_type="source",
                importer="x\x1b[1mx",
                where=EVIL_PATH + ":3",
                error={"type": "Err\x1b[0m", "message": EVIL_MESSAGE},
            ),
            ev(
                3,
                "hit",
                "ok",
                3000,
                1000,
                parent=2,
                importer=EVIL_NAME,
                where=EVIL_PATH + ":4",
                fromlist=["a\x1b[5m"],
                partial=True,
                missing=["<b>"],
            ),
            ev(4, "reload", EVIL_NAME, 8000, 500, added=["\x1b[7m"], error={"type": "E", "message": EVIL_MESSAGE}),
            ev(5, "search", "<&>\n", 9000, 100, reason="import", found=False, path=[EVIL_PATH]),
        ],
        {
            "duration": 10_000,
            "argv": [EVIL_NAME],
            "cwd": EVIL_PATH,
            "python": "3\x1b[31m",
            "notes": [{"at": 1, "code": "x\x1b", "message": EVIL_MESSAGE}],
        },
    )


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("color", [False, True])
def test_no_format_lets_a_control_character_through(fmt: str, color: bool) -> None:
    for width in (100, None):
        text = render(hostile_trace(), fmt, color=color, width=width)
        colored = ("auto", "summary", "timeline", "tree", "table", "story")
        ours = re.sub(r"\x1b\[[0-9;]*m", "", text) if color and fmt in colored else text
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2028\u2029]", ours), repr(
            [x for x in ours.split("\n") if re.search("[\x00-\x09\x0b-\x1f\x7f\u202e\u2028\u2029]", x)]
        )
    if fmt in ("timeline", "tree", "importtime", "table", "story"):
        assert "\\x1b[2J\\x1b]0;pwned\\x07" in ours  # shown, spelled out
    if fmt in ("timeline", "tree", "table"):
        assert "\\x1b[31m\\nsecond line" in ours  # a message's newline does not start a line of its own


HIDDEN = "pkg\u061c\u200b\ufeff\U000e0041\xa0mod"  # a bidi mark, zero-width and tag characters, a no-break space


def test_one_escaper_spells_a_name_the_same_in_every_text() -> None:
    """The formats and the why text share one escaper: a name prints the same in each, with every character
    that could hide or reorder text spelled out."""
    from importtrace.renderers._why import why_text

    search = ev(1, "search", HIDDEN, 0, 1000, reason="import", found=False, importer="main", where="main.py:1")
    trace = Trace([search], {"duration": 2000})
    texts = {fmt: render(trace, fmt) for fmt in ("timeline", "story")}
    texts["explained"] = render(trace, "timeline", explain=True)
    texts["why"] = why_text(trace, HIDDEN)
    for name, text in texts.items():
        assert "pkg\\u061c\\u200b\\ufeff\\U000e0041\\xa0mod" in text, (name, text)
        assert all(line.isprintable() for line in text.splitlines()), (name, text)


def test_the_timeline_and_the_tree_head_a_trace_alike() -> None:
    load = ev(1, "load", "m", 0, 1000, module_type="source", origin="m.py")
    trace = Trace([load], {"duration": 2000, "python": "3.x", "complete": False})
    timeline, tree = (render(trace, fmt).splitlines()[0] for fmt in ("timeline", "tree"))
    unfinished = " (incomplete: the program ended while the trace was being written)"
    assert timeline == "importtrace timeline: 1 event in 0.002 ms, Python 3.x" + unfinished
    assert (
        tree == "importtrace tree: 1 load in 0.002 ms (times in ms; an import's time includes finding it)" + unfinished
    )


def formatted_durations(path: Path) -> list[str]:
    """Where a module's code writes a duration as text itself: a '%f' or f-string field whose value
    divides by 1e3, 1e6 or 1e9 (nanoseconds made into us, ms or s)."""
    import ast

    def divides(node: ast.AST) -> bool:
        return any(
            isinstance(n, ast.BinOp)
            and isinstance(n.op, ast.Div)
            and isinstance(n.right, ast.Constant)
            and n.right.value in (1e3, 1e6, 1e9)
            for n in ast.walk(node)
        )

    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        printf = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)
        if (printf and divides(node.right)) or (isinstance(node, ast.FormattedValue) and divides(node.value)):
            found.append("%s:%d" % (path.name, node.lineno))
    return found


def test_durations_and_escapes_are_written_by_one_function_each() -> None:
    """trace._units formats every duration and renderers._text.esc escapes every text for a terminal: a
    second formatter or escaper would print the same duration or name differently somewhere."""
    from importtrace.trace._units import ms, number, took

    source = Path(importtrace.__file__).parent
    elsewhere = [f for p in sorted(source.rglob("*.py")) if p.name != "_units.py" for f in formatted_durations(p)]
    assert elsewhere == []
    escapers = [str(p) for p in source.rglob("*.py") if p.name != "_text.py" and "unicode_escape" in p.read_text()]
    assert escapers == []
    assert (ms(1_234_567), ms(1_234_567, 2), ms(250_000_000, trim=True), number(12.50)) == (
        "1.235",
        "1.23",
        "250",
        "12.5",
    )
    assert (took(850), took(12_345), took(3_456_789), took(1_200_000_000)) == ("850ns", "12us", "3.46ms", "1.20s")


def test_timeline_lines_stay_one_per_event_with_newlines_in_names() -> None:
    lines = render(hostile_trace(), "timeline").splitlines()
    assert len(lines) == 2 + 5 + 2  # title, heading, 5 events, counts, 1 note


def test_html_escapes_everything() -> None:
    text = render(hostile_trace(), "html")
    assert text.count("<script") == 2  # the page's two: data and code
    assert text.count("</script>") == 2
    assert "<img" not in text and "<b>" not in text and "\x1b" not in text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in text  # the problems list, escaped by the server
    assert "&quot;quoted&#x27;" in text  # the cwd in the header facts
    data = html_data(text)
    escaped = EVIL_NAME.replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    assert data["events"][0][2] == escaped.replace("\u202e", "\\u202e").replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029"
    )


def test_html_placeholders_in_data_are_not_expanded() -> None:
    trace = Trace([ev(1, "load", "m", module_type="source")], {"cwd": "@DATA@ @FACTS@", "argv": ["@SUMMARY@"]})
    text = render(trace, "html")
    assert "@DATA@ @FACTS@" in text and "@SUMMARY@" in text
    assert text.count('id="data"') == 1


def test_mermaid_escapes_hostile_names() -> None:
    text = render(hostile_trace(), "mermaid")
    check_mermaid(text)
    assert "#60;script#62;" in text and "#59;" in text and "#35;" in text


# --- every format on an empty trace, a 100,000-event trace, and after a save/load round trip ------------------


def synthetic_trace(n_events: int, seed: int = 0) -> Trace:
    """A big trace of nested searches, loads, hits (some repeated), failures, two threads and an
    unobserved load, built from Event objects."""
    rng = random.Random(seed)
    events: list[Event] = []
    clock = [0]
    ids = iter(range(1, 1 << 40))
    loaded: list[str] = []

    def tick(lo: int = 200, hi: int = 4000) -> int:
        clock[0] += rng.randint(lo, hi)
        return clock[0]

    def where(importer: str) -> str:
        return "/srv/app/%s.py:%d" % (importer.replace(".", "/"), rng.randint(1, 400))

    def imp(name: str, parent: int | None, importer: str, depth: int, thread: int) -> None:
        t = tick()
        origin = "/srv/app/%s.py" % name.replace(".", "/")
        search = ev(
            next(ids),
            "search",
            name,
            t,
            None,
            thread=thread,
            parent=parent,
            importer=importer,
            where=where(importer),
            reason="import",
            finder="PathFinder",
            found=True,
            origin=origin,
            loader="SourceFileLoader",
            package=depth < 3,
        )
        events.append(search)
        search.duration = tick() - t
        load = ev(
            next(ids),
            "load",
            name,
            tick(),
            None,
            thread=thread,
            parent=parent,
            importer=importer,
            where=search.where,
            origin=origin,
            loader="SourceFileLoader",
            module_type="source",
            search=search.id,
        )
        events.append(load)
        for k in range(rng.randint(0, 4) if depth < 5 else 0):
            if len(events) >= n_events:
                break
            if loaded and rng.random() < 0.6:
                start = tick()
                events.append(
                    ev(
                        next(ids),
                        "hit",
                        rng.choice(loaded),
                        start,
                        tick(50, 300) - start,
                        thread=thread,
                        parent=load.id,
                        importer=name,
                        where=where(name),
                        fromlist=["x%d" % k] if k % 2 else [],
                        count=rng.choice([1, 1, 1, 3]),
                    )
                )
            elif rng.random() < 0.05:
                start = tick()
                events.append(
                    ev(
                        next(ids),
                        "search",
                        "%s.missing%d" % (name, k),
                        start,
                        tick() - start,
                        thread=thread,
                        parent=load.id,
                        importer=name,
                        where=where(name),
                        reason="import",
                        found=False,
                    )
                )
            else:
                imp("%s.m%d" % (name, k), load.id, name, depth + 1, thread)
        load.duration = tick() - load.start
        if rng.random() < 0.01:
            load.error = {"type": "ImportError", "message": "synthetic failure in %s" % name}
        else:
            loaded.append(name)

    top = 0
    while len(events) < n_events:
        imp("synth%d" % top, None, "__main__", 0, 2 if top % 7 == 6 else 1)
        top += 1
    events.append(ev(next(ids), "load", "unseen", clock[0], None, observed=False, origin="/srv/app/unseen.py"))
    header = {
        "duration": clock[0] + 1000,
        "python": "3.12.1",
        "cwd": "/srv/app",
        "threads": [{"thread": 1, "name": "MainThread"}, {"thread": 2, "name": "worker"}],
    }
    return Trace(events, header)


@pytest.fixture(scope="module")
def big_trace() -> Trace:
    return synthetic_trace(100_000)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_on_an_empty_trace(fmt: str) -> None:
    text = render(Trace([], {}), fmt)
    assert text.endswith("\n")
    if fmt == "importtime":
        assert parse_importtime(text) == []
    elif fmt == "chrome":
        assert [r["ph"] for r in check_chrome(text)] == ["M"]
    elif fmt == "mermaid":
        check_mermaid(text)
    elif fmt == "jsonl":
        assert importtrace.load(_write(text)) == Trace([], {})
    elif fmt == "html":
        assert html_data(text)["events"] == []
    else:
        assert "no " in text or "(none)" in text


def _write(text: str) -> Path:
    import tempfile

    fd, name = tempfile.mkstemp(suffix=".jsonl")
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)
    return Path(name)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_on_a_100000_event_trace(big_trace: Trace, fmt: str) -> None:
    assert len(big_trace) > 100_000
    text = render(big_trace, fmt, width=120)
    loads = [e for e in big_trace if e.kind == "load"]
    if fmt == "timeline":
        lines = text.splitlines()
        assert len(big_trace) * 0.8 < len(lines) <= len(big_trace) + 4
        assert all(len(x) <= 120 for x in lines[1:])
    elif fmt == "tree":
        assert sum(1 for x in text.splitlines() if re.search(r"(-- |\d  (\[T\d\] )?)synth\S*  source", x)) == sum(
            1 for e in loads if e.error is None and e.observed
        )
    elif fmt == "importtime":
        rows = parse_importtime(text)
        timed = [e for e in loads if e.duration is not None] + [e for e in big_trace if e.kind == "search" and e.failed]
        assert len(rows) == len(timed)
    elif fmt == "chrome":
        rows = check_chrome(text)
        assert sum(r["ph"] != "M" for r in rows) == len(big_trace)
    elif fmt == "mermaid":
        assert text.startswith("sequenceDiagram\n    %% ") and "over Mermaid's default limit" in text.splitlines()[1]
        check_mermaid(text)
    elif fmt == "html":
        assert len(html_data(text)["events"]) == len(big_trace)
    elif fmt == "jsonl":
        assert text == dumps(big_trace)
        path = _write(text)
        loaded = importtrace.load(path)
        path.unlink()
        assert loaded.to_dicts()[1] == big_trace.to_dicts()[1]  # every event survives the writer's slices
    elif fmt == "table":
        assert "Slowest modules by self time (top 15)" in text and "unseen" in text


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_saved_and_loaded_trace_renders_the_same(app_trace: Trace, tmp_path: Path, fmt: str) -> None:
    for trace in (app_trace, synthetic_trace(3000, seed=1)):
        path = tmp_path / "t.jsonl"
        trace.save(path)
        loaded = importtrace.load(path)
        for options in ({}, {"color": True, "width": 90}, {"exclude": ["app.models"], "hide_noise": True}):
            assert render(loaded, fmt, **options) == render(trace, fmt, **options)


def test_jsonl_is_the_saved_file(app_trace: Trace, tmp_path: Path) -> None:
    app_trace.save(tmp_path / "t.jsonl")
    assert render(app_trace, "jsonl") == (tmp_path / "t.jsonl").read_text(encoding="ascii")


def test_a_live_recording_renders_like_its_trace(project: Project, fake_clock: Callable[[], int]) -> None:
    project.write({"live.py": "import sys\n"})
    with importtrace.trace(clock=fake_clock) as t:
        import live  # noqa: F401
    assert importtrace.render(t.trace, "tree") == render(t.trace, "tree")
    assert render(t, "tree") == render(t.trace, "tree")  # the Recording itself will do
    assert "live" in importtrace.render(t.trace)
    with pytest.raises(RenderError, match="needs a Trace, not list"):
        render([], "tree")  # type: ignore[arg-type]


# --- the renderers never touch the import system -----------------------------------------------------------


def test_rendering_imports_none_of_the_traced_modules() -> None:
    names = ["this", "antigravity", "idlelib.idle", "tkinter"]
    assert not any(n in sys.modules for n in names)
    trace = Trace([ev(i, "load", n, i * 10, module_type="source", origin="/x.py") for i, n in enumerate(names, 1)], {})
    for fmt in FORMATS:
        for options in ({}, {"hide_stdlib": True}, {"hide_noise": True}):
            render(trace, fmt, **options)
    assert not any(n in sys.modules for n in names)


def test_only_the_table_format_imports_tabulate() -> None:
    code = (
        "import sys, importtrace\n"
        "t = importtrace.Trace([importtrace.Event(id=1, kind='load', name='m', start=0, thread=1, duration=5)])\n"
        "for f in ['timeline', 'tree', 'jsonl', 'chrome', 'importtime', 'mermaid', 'html']:\n"
        "    importtrace.render(t, f)\n"
        "print('tabulate' in sys.modules)\n"
        "importtrace.render(t, 'table')\n"
        "print('tabulate' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


# --- filters ---------------------------------------------------------------------------------------------


def names(trace: Trace, kind: str | None = None) -> list[str]:
    return [e.name for e in trace if kind is None or e.kind == kind]


def test_include_and_exclude_match_like_the_trace_queries(app_trace: Trace) -> None:
    only_app = filter_trace(app_trace, include=["app"])
    assert set(names(only_app)) == {"app", "app.models", "app.util"}
    no_cycles = filter_trace(app_trace, exclude=["cyc_*"])
    assert not any(n.startswith("cyc_") for n in names(no_cycles)) and "app" in names(no_cycles)
    assert set(names(filter_trace(app_trace, include=["app.*", "broken"]))) == {"app.models", "app.util", "broken"}


def test_filtered_out_events_hand_their_children_up_and_keep_their_time(app_trace: Trace) -> None:
    shown = filter_trace(app_trace, exclude=["app.models"])
    util = next(e for e in shown if e.kind == "load" and e.name == "app.util")
    app = next(e for e in shown if e.kind == "load" and e.name == "app")
    assert util.parent == app.id
    original_app = next(e for e in app_trace if e.kind == "load" and e.name == "app")
    assert (app.duration, app.self_duration) == (original_app.duration, original_app.self_duration)
    original_util = next(e for e in app_trace if e.kind == "load" and e.name == "app.util")
    assert original_util.parent != app.id  # the original trace is left alone
    # the tree shows app.util directly under app, and app keeps its cumulative time
    tree = render(app_trace, "tree", exclude=["app.models"])
    assert re.search(r"\+-- app\.util", tree)
    assert render(app_trace, "tree").splitlines()[3].split()[:2] == tree.splitlines()[3].split()[:2]


def test_kinds_min_duration_and_depth(app_trace: Trace) -> None:
    assert set(e.kind for e in filter_trace(app_trace, kinds=["load", "reload"])) == {"load", "reload"}
    long = filter_trace(app_trace, min_duration=5000)
    assert long.events and all(e.duration is None or e.duration >= 5000 for e in long)
    top = filter_trace(app_trace, depth=1)
    assert all(e.parent is None for e in top) and "runner" in names(top) and "app" not in names(top)
    two = filter_trace(app_trace, depth=2)
    assert "app" in names(two) and "app.models" not in names(two)
    assert filter_trace(app_trace) is app_trace


def test_stdlib_is_told_by_name_type_and_place() -> None:
    trace = Trace(
        [
            ev(1, "load", "json", origin="/usr/lib/python3.12/json/__init__.py"),
            ev(2, "load", "colorsys", origin="/home/me/proj/colorsys.py"),  # shadows the standard module
            ev(3, "load", "typing", origin="/venv/lib/python3.12/site-packages/typing.py"),  # a backport
            ev(4, "load", "myembedded", module_type="builtin", origin="built-in"),
            ev(5, "hit", "os.path"),
            ev(6, "load", "requests", origin="/venv/lib/python3.12/site-packages/requests/__init__.py"),
            ev(7, "load", "xml.dom", origin="/usr/lib/python3.12/xml/dom/__init__.py"),
        ],
        {"cwd": "/home/me/proj"},
    )
    test = stdlib_test(trace)
    assert [test(n) for n in names(trace)] == [True, False, False, True, True, False, True]
    assert names(filter_trace(trace, hide_stdlib=True)) == ["colorsys", "typing", "requests"]


def test_stdlib_under_the_working_directory_is_still_stdlib() -> None:
    """Running from a CPython checkout: the standard library itself lives under cwd."""
    trace = Trace(
        [ev(i, "load", n, origin="/src/cpython/Lib/%s.py" % n) for i, n in enumerate(["json", "re", "enum"], 1)],
        {"cwd": "/src/cpython"},
    )
    assert names(filter_trace(trace, hide_stdlib=True)) == []


def test_hide_stdlib_on_a_real_trace(project: Project, fake_clock: Callable[[], int]) -> None:
    project.write({"uses_stdlib.py": "import sys\nimport colorsys\n", "colorsys.py": "SHADOW = True\n"})
    sys.modules.pop("colorsys", None)
    with importtrace.trace(clock=fake_clock) as t:
        import uses_stdlib  # noqa: F401
    trace = stable(t.trace, project.root)
    shown = filter_trace(trace, hide_stdlib=True)
    assert "sys" not in names(shown) and "colorsys" in names(shown, "load")  # the shadowing file stays visible


def test_noise() -> None:
    events = [
        ev(1, "search", "pkg.__main__", reason="probe", found=True),
        ev(2, "load", "importtrace.run._cli"),
        ev(3, "hit", "os", importer="runpy"),
        ev(4, "hit", "json", importer="importtrace.renderers"),
        ev(5, "load", "app", importer="__main__"),
        ev(6, "search", "app", reason="import", found=True),
    ]
    assert [is_noise(e) for e in events] == [True, True, True, True, False, False]
    assert names(filter_trace(Trace(events, {}), hide_noise=True)) == ["app", "app"]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"kinds": ["load", "bogus"]}, "unknown event kind 'bogus'"),
        ({"depth": 0}, "depth must be a whole number >= 1"),
        ({"depth": True}, "depth must be a whole number >= 1"),
        ({"min_duration": -1}, "min_duration must be"),
        ({"min_duration": 1.5}, "min_duration must be"),
        ({"include": [1]}, "include must be a list of strings"),
        ({"exclude": [""]}, "exclude: empty module pattern"),
        ({"hide_stdlib": "yes"}, "hide_stdlib must be True or False"),
        ({"color": "yes"}, "color must be True or False"),
        ({"width": 0}, "width must be a whole number of columns"),
        ({"width": "80"}, "width must be a whole number of columns"),
        ({"top": 0}, "top must be a whole number"),
        ({"colour": True}, "unknown option 'colour'"),
    ],
)
def test_bad_options_are_one_clear_line(options: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(Trace([], {}), "timeline", **options)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_bad_format_and_style() -> None:
    with pytest.raises(RenderError, match=r"unknown format 'svg' \(choose from auto, summary, timeline, tree, table"):
        render(Trace([], {}), "svg")
    with pytest.raises(RenderError, match="unknown table style 'fancy'"):
        render(Trace([], {}), "table", style="fancy")
    with pytest.raises(RenderError, match="unknown table style 'unsafehtml'"):  # it would not escape names
        render(Trace([], {}), "table", style="unsafehtml")


def test_rendering_leaves_the_garbage_collector_as_it_found_it(app_trace: Trace) -> None:
    import gc

    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            render(app_trace, "timeline")
            assert gc.isenabled() is enabled
            with pytest.raises(RenderError):
                render(app_trace, "table", style="fancy")  # fails inside the renderer
            with pytest.raises(RenderError):
                render(app_trace, "timeline", min_duration=-1)  # fails in the filters
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_none_means_the_default(app_trace: Trace) -> None:
    defaults = {"color": None, "width": None, "style": None, "top": None, "include": None, "exclude": None}
    assert render(app_trace, "table", **defaults, kinds=None, depth=None) == render(app_trace, "table")


def test_table_styles_and_top(app_trace: Trace) -> None:
    github = render(app_trace, "table", style="github", top=2)
    assert "| module" in github and "|--" in github
    section = github.split("Slowest modules by cumulative time (top 2)\n")[1].split("\n\n")[0]
    assert len(section.splitlines()) == 4  # header, rule, 2 rows
    wide = render(app_trace, "table", style="grid").split("Most requested modules (top 15)\n")[1].split("\n\n")[0]
    grid = render(app_trace, "table", style="grid", width=70).split("Most requested modules (top 15)\n")[1]
    narrow = grid.split("\n\n")[0]
    assert max(len(x) for x in wide.splitlines()) > 70 >= max(len(x) for x in narrow.splitlines())
    assert "| app.util   |" in narrow  # module names are not cut


# --- colour decision for the command line -------------------------------------------------------------------


class Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    "env, tty, expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # set but empty: ignored
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": ""}, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ],
)
def test_want_color(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, expected: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert want_color(Stream(tty)) is expected


def test_want_color_modes_and_odd_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert want_color(Stream(False), "always") is True
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert want_color(Stream(True), "never") is False
    assert want_color(object()) is False
    with pytest.raises(RenderError, match="colour mode must be auto, always or never"):
        want_color(Stream(True), "sometimes")
