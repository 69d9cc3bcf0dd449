"""The reports people read on a real application: why start-up is slow, who imported X, which cycles
are theirs.  One multi-package program (tests/realapp.py: own code with a cycle, installed packages
with cycles of their own, an alias in sys.modules, an import through import_module), run for real."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import importtrace
from importtrace import Trace

from . import realapp
from .conftest import Project, run_cli, write_files

PROGRAM = ["-m", "mycli", "--version"]


class App:
    """The program on disk, and its trace recorded once by the command line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cwd = realapp.build(root)
        self.env = realapp.env(root)
        self.trace_file = root / "trace.jsonl"
        done = self.run(["--format", "jsonl", "-o", str(self.trace_file), *PROGRAM])
        assert done.returncode == 0 and done.stdout == "mycli 1.0\n", done.stderr
        self.trace = importtrace.load(self.trace_file)

    def run(self, args: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
        env = dict(self.env, **extra)
        cmd = [sys.executable, "-m", "importtrace", *args]
        return subprocess.run(cmd, cwd=self.cwd, env=env, capture_output=True, text=True, timeout=120)

    def show(self, *args: str) -> str:
        done = self.run(["show", str(self.trace_file), "--color", "never", *args])
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return App(tmp_path_factory.mktemp("realapp"))


@pytest.fixture
def in_process(tmp_path: Path) -> Iterator[Trace]:
    """The program's package imported in this process, traced (the import_state fixture cleans up)."""
    cwd = realapp.build(tmp_path)
    sys.path[:0] = [str(cwd), str(tmp_path / "site-packages")]
    importlib.invalidate_caches()
    with importtrace.trace() as t:
        importlib.import_module("mycli.cli")
    yield t.trace


# --- the default report: a summary for a large trace ----------------------------------------------------


def test_a_large_trace_opens_with_a_summary_read_in_ten_seconds(app: App) -> None:
    done = app.run(["--color", "never", *PROGRAM])
    assert done.returncode == 0 and done.stdout == "mycli 1.0\n"
    text = done.stderr
    lines = text.splitlines()
    assert lines[0] == "importtrace summary: -m mycli --version, Python %d.%d.%d" % sys.version_info[:3]
    stdlib = len(app.trace.loaded()) - len(realapp.OWN) - len(realapp.THIRD_PARTY)
    assert re.match(
        r"Imports took \S+ of \S+; %d modules loaded: 7 own, %d third-party, %d standard library$"
        % (len(app.trace.loaded()), len(realapp.THIRD_PARTY), stdlib),
        lines[1],
    ), lines[1]
    assert ", 1 alias in sys.modules (not counted)" in lines[2]
    slowest = lines[lines.index("Slowest imports (cumulative time, the statement that first imported each):") + 1 :]
    rows = []
    for line in slowest:
        if not line.startswith("  "):
            break
        if "of which" not in line:
            rows.append(line.split())
    # the separate subtrees, each with the statement that pulled it in: never __main__ or mycli.cli
    assert {row[3]: row[4:] for row in rows} == {
        "bigdep": ["mycli/report.py:3", "(mycli.report)"],
        "json": ["mycli/report.py:1", "(mycli.report)"],
        "netlib": ["mycli/cli.py:4", "(mycli.cli)"],
    }
    assert re.search(r"^ +of which subdep \S+$", text, re.M)  # the package inside bigdep
    assert re.search(r"^Own code: 6 modules besides __main__, \S+ of their own time; slowest: ", text, re.M)
    assert "Failed imports: 2\n  yaml_not_installed  not found  mycli/plugins.py:2 (mycli.plugins)\n" in text
    assert "(optional imports, usually): brotli_not_installed" in text
    assert (
        "Circular imports in the program's own code: 1\n"
        "  mycli.util imported mycli.config while it was still initialising, at mycli/util.py:1\n"
        "  and %d inside installed packages and the standard library (bigdep %d, netlib 1), not yours to fix\n"
        % (realapp.BIG + 2, realapp.BIG + 1)
    ) in text
    assert lines[-1].startswith("More: --format timeline (all %d events)" % len(app.trace.events))
    assert len(lines) < 30
    # the full timeline is one flag away; a trace filtered down to few events, or explained, keeps it
    timeline = app.show("--format", "timeline").splitlines()
    assert timeline[0].startswith("importtrace timeline: %d events" % len(app.trace.events))
    assert len(timeline) > len(app.trace.events) // 2
    assert len(app.trace.events) > 200  # the default is the summary (test above) because of this
    small = app.show("--include", "mycli*").splitlines()  # filtered down to few events: the timeline
    assert small[0].startswith("importtrace timeline: ") and "mycli.util" in "\n".join(small)
    assert app.show("--explain").startswith("importtrace timeline: ")  # notes are for the timeline


def test_the_summary_lists_a_failure_retried_from_one_place_once(project: Project) -> None:
    """packaging's tests import a missing module 289 times from one line: one row with a count, then the
    other failures, not ten copies of the first."""
    project.write(
        {
            "retry.py": (
                "for _ in range(12):\n"
                "    try:\n"
                "        import missing_retried\n"
                "    except ImportError:\n"
                "        pass\n"
                "try:\n"
                "    import missing_once\n"
                "except ImportError:\n"
                "    pass\n"
            )
        }
    )
    with importtrace.trace() as t:
        import retry  # noqa: F401
    text = importtrace.render(t, "summary")
    block = text[text.index("Failed imports: 13") :].splitlines()[1:3]
    assert block[0].split()[:3] == ["missing_retried", "not", "found"]
    assert block[0].endswith("retry.py:3 (retry)  (12 times)")
    assert block[1].split()[:3] == ["missing_once", "not", "found"] and block[1].endswith("retry.py:7 (retry)")


def test_a_summary_of_one_big_import_names_the_largest_imports_inside_it(app: App) -> None:
    text = app.show("--format", "summary", "--include", "bigdep", "--include", "subdep")
    rows = text[text.index("Slowest imports") :].splitlines()[1:3]
    assert rows[0].split()[3:5] == ["bigdep", "mycli/report.py:3"]
    assert re.fullmatch(r" +of which bigdep\.core \S+", rows[1]), rows[1]  # not subdep: it is inside core


def test_import_time_counts_what_ran_within_a_search_once() -> None:
    """A finder that imports in find_spec (setuptools' _distutils_hack does): those loads are siblings
    of the search they ran within.  Import time counted them twice, and exceeded the run."""
    events = [
        {"id": 1, "kind": "load", "name": "__main__", "start": 0, "duration": 100, "thread": 1},
        {"id": 2, "kind": "search", "name": "pip", "start": 10, "duration": 50, "thread": 1, "parent": 1},
        {"id": 3, "kind": "load", "name": "traceback", "start": 20, "duration": 30, "thread": 1, "parent": 1},
        {"id": 4, "kind": "load", "name": "pip", "start": 70, "duration": 20, "thread": 1, "parent": 1, "search": 2},
    ]
    trace = Trace.from_dicts({"duration": 100}, events)
    from importtrace.rules._check import import_time

    assert import_time(trace) == 70
    assert "Imports took 70ns of 100ns;" in importtrace.render(trace, "summary")


# --- aliases are not loads ---------------------------------------------------------------------------------


def test_an_alias_in_sys_modules_is_not_a_loaded_module(app: App, in_process: Trace) -> None:
    for trace in (app.trace, in_process):
        (alias,) = [e for e in trace.events if e.kind == "load" and e.alias is not None]
        assert (alias.name, alias.alias) == ("bigdep.compat", "bigdep.core")
        assert "bigdep.compat" not in trace.loaded() and "bigdep.core" in trace.loaded()
    timeline = app.show("--format", "timeline", "--include", "bigdep.compat")
    assert "bigdep.compat  another name for bigdep.core in sys.modules" in timeline
    assert "UNOBSERVED" not in timeline and "1 load (1 alias)" in timeline


# --- check: the largest separate subtrees, cycles by scope ----------------------------------------------


def test_max_modules_names_the_largest_separate_subtrees(app: App) -> None:
    done = app.run(["check", "--max-modules", "10", *PROGRAM])
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    n = len(app.trace.loaded())  # the alias is not counted
    stdlib = n - len(realapp.OWN) - len(realapp.THIRD_PARTY)
    assert lines[1] == (
        "FAILED max-modules 10: %d modules were loaded (7 own, %d third-party, %d standard library), "
        "more than the budget of 10; the largest separate imports" % (n, len(realapp.THIRD_PARTY), stdlib)
    )
    assert lines[2].startswith("    bigdep and its imports, ")
    assert lines[3:6] == [
        "        mycli/__main__.py:1 imported mycli.cli",
        "        mycli/cli.py:7 imported mycli.report",
        "        mycli/report.py:3 imported bigdep",
    ]
    titles = [line.strip() for line in lines if line.startswith("    ") and not line.startswith("     ")]
    assert any(t.startswith("netlib and its imports, 3 modules") for t in titles)
    assert not any(t.startswith(("__main__", "mycli")) for t in titles), titles
    assert "unknown place" not in done.stderr


def test_no_cycles_counts_the_programs_own_and_a_pattern_scopes_it(app: App) -> None:
    own = app.run(["check", "--no-cycles", *PROGRAM])
    assert own.returncode == 1
    assert own.stderr.splitlines()[1:3] == [
        "FAILED no-cycles: 1 circular import in the program's own code",
        "    mycli.util imported mycli.config while mycli.config was still initialising "
        "(names not defined yet: config)",
    ]
    assert "runpy (python -m) imported mycli" in own.stderr
    assert "(%d more elsewhere are not counted: --no-cycles PATTERN counts those" % (realapp.BIG + 2) in own.stderr
    scoped = app.run(["check", "--no-cycles", "netlib*", *PROGRAM])
    assert scoped.returncode == 1
    assert scoped.stderr.splitlines()[1:3] == [
        "FAILED no-cycles netlib*: 1 circular import",
        "    netlib.wire imported netlib.proto while netlib.proto was still initialising "
        "(names not defined yet: proto)",
    ]
    (app.cwd / "pyproject.toml").write_text('[tool.importtrace]\nno-cycles = ["bigdep*"]\n')
    try:
        configured = app.run(["check", *PROGRAM])
    finally:
        (app.cwd / "pyproject.toml").unlink()
    assert configured.returncode == 1
    assert "FAILED no-cycles bigdep*: %d circular imports" % (realapp.BIG + 1) in configured.stderr
    assert "mycli.util" not in configured.stderr


def test_no_cycles_before_a_script_takes_the_script_as_the_program(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("import json\n")
    done = subprocess.run(
        [sys.executable, "-m", "importtrace", "check", "--no-cycles", "prog.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "passed (no-cycles;" in done.stderr, done.stderr


def test_assert_no_cycles_separates_the_programs_own_from_installed_packages(in_process: Trace) -> None:
    with pytest.raises(AssertionError) as info:
        importtrace.assert_no_cycles(in_process)
    assert str(info.value).splitlines()[0].startswith("circular import: mycli.util imported mycli.config")
    assert "bigdep" not in str(info.value) and "netlib" not in str(info.value)
    with pytest.raises(AssertionError) as info:
        importtrace.assert_no_cycles(in_process, "netlib*")
    assert str(info.value).startswith("circular import: netlib.wire imported netlib.proto")
    assert "mycli.util" not in str(info.value) and "bigdep" not in str(info.value)
    with pytest.raises(AssertionError) as info:
        importtrace.assert_no_cycles(in_process, third_party=True)
    assert "bigdep" in str(info.value) and "mycli.util" in str(info.value)


# --- the other formats on the real program ------------------------------------------------------------------


def test_table_events_by_kind_adds_self_times(app: App) -> None:
    text = app.show("--format", "table")
    lines = text.splitlines()
    start = lines.index("Events by kind")
    assert lines[start + 1].split() == ["kind", "events", "times", "failed", "self", "ms"]
    total = sum(float(line.split()[-1]) for line in lines[start + 3 : start + 7])
    assert total <= app.trace.duration / 1e6 + 0.01  # nothing counted twice


def importtime_rows(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        if line.startswith("import time:") and "|" in line and "imported package" not in line:
            name = line.rsplit("|", 1)[1].strip()
            if name.partition(".")[0] in ("mycli", "netlib", "bigdep", "subdep", "missing_pkg", "yaml_not_installed"):
                names.append(name)
    return sorted(names)


def test_importtime_matches_python_x_importtime_but_for_the_documented_differences(tmp_path: Path) -> None:
    cwd = realapp.build(tmp_path)
    plugins = cwd / "mycli" / "plugins.py"
    plugins.write_text(plugins.read_text() + "try:\n    import missing_pkg.sub.mod\nexcept ImportError:\n    pass\n")
    env = realapp.env(tmp_path)
    theirs = subprocess.run(
        [sys.executable, "-X", "importtime", *PROGRAM], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    ours = subprocess.run(
        [sys.executable, "-m", "importtrace", "--format", "importtime", *PROGRAM],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert theirs.returncode == ours.returncode == 0
    expected = importtime_rows(theirs.stderr)
    # docs/formats.md: an import_module() load has a row (mycli.plugins); a dotted import that failed has
    # one row, for the first name no finder found (missing_pkg), not one per level
    assert "mycli.plugins" not in expected and {"missing_pkg.sub", "missing_pkg.sub.mod"} <= set(expected)
    expected = sorted([n for n in expected if not n.startswith("missing_pkg.")] + ["mycli.plugins"])
    assert importtime_rows(ours.stderr) == expected


def test_chrome_times_are_microseconds_and_metadata_has_a_category(app: App) -> None:
    data = json.loads(app.show("--format", "chrome"))
    meta = [row for row in data["traceEvents"] if row["ph"] == "M"]
    assert meta and all(row["cat"] == "__metadata" for row in meta)
    load = next(e for e in app.trace.events if e.kind == "load" and e.name == "bigdep.core")
    (row,) = [r for r in data["traceEvents"] if r.get("cat") == "load" and r["name"] == "bigdep.core"]
    assert row["args"]["self_duration"] == load.self_duration / 1000 and row["dur"] == load.duration / 1000


def test_mermaid_starts_from_the_interpreter(app: App) -> None:
    text = app.show("--format", "mermaid", "--depth", "1")
    assert text.splitlines()[2] == "    participant m0 as python" and "(unknown)" not in text


# --- the command line's small things ------------------------------------------------------------------------


def test_why_follows_the_output_file_for_text_and_stays_out_of_a_file_for_tools(app: App) -> None:
    report = app.root / "report.txt"
    done = app.run(["-o", str(report), "--why", "subdep", *PROGRAM])
    assert done.returncode == 0 and done.stderr == ""
    text = report.read_text()
    assert text.startswith("importtrace summary:") and "subdep was first loaded by this chain of imports:" in text
    data = app.root / "t.jsonl"
    done = app.run(["--format", "jsonl", "-o", str(data), "--why", "subdep", *PROGRAM])
    assert "subdep was first loaded by this chain" in done.stderr
    assert importtrace.load(data).loaded() == app.trace.loaded()  # still a valid trace file
    shown = app.show("--why", "subdep", "--include", "subdep*")
    assert shown.startswith("importtrace timeline: ") and "subdep was first loaded by this chain" in shown


def test_who_imported_x_lists_ten_requests_then_counts_the_rest_by_package(app: App) -> None:
    done = app.run(["why", str(app.trace_file), "bigdep"])
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[0] == "bigdep was first loaded by this chain of imports:"
    assert lines[1].split()[:2] == ["__main__", "mycli/__main__.py:1"]  # paths relative to where it ran
    assert lines[3].split()[:2] == ["mycli.report", "mycli/report.py:3"] and lines[3].endswith("import bigdep")
    requests = lines[lines.index("Every request for bigdep:") + 1 :]
    assert len(requests) == 11 and requests[0].startswith("  search (import) by mycli.report at mycli/report.py:3")
    assert all(r.startswith("  hit by bigdep") for r in requests[1:10])
    assert re.fullmatch(
        r"  \.\.\. and (\d+) more, from bigdep \1 \(the timeline shows them: --format timeline --include bigdep\)",
        requests[10],
    ), requests[10]


def test_show_and_why_describe_themselves(app: App) -> None:
    show = app.run(["show", "--help"]).stdout
    assert "Show a saved trace" in show and "--why MODULE" in show and "Run a Python program" not in show
    assert "the program's own" not in show
    why = app.run(["why", "--help"]).stdout
    assert "from a saved trace" in why and "1  MODULE is not in the trace" in why and "Run a Python" not in why


def test_counts_are_singular_for_one(tmp_path: Path) -> None:
    one = Trace.from_dicts(
        {"duration": 10},
        [{"id": 1, "kind": "load", "name": "a", "start": 0, "duration": 5, "thread": 1, "module_type": "source"}],
    )
    assert importtrace.render(one, "timeline").startswith("importtrace timeline: 1 event in ")
    assert importtrace.render(one, "tree").startswith("importtrace tree: 1 load in ")
    assert "%% importtrace: 1 event\n" in importtrace.render(one, "mermaid")


def test_version_says_which_hooks_are_in_use(app: App) -> None:
    from importtrace import record

    done = app.run(["--version"])
    expected = "compiled hooks" if record.compiled else "pure-Python hooks"
    assert done.returncode == 0 and done.stdout.startswith("importtrace %s (%s" % (importtrace.__version__, expected))
    pure = app.run(["--version"], IMPORTTRACE_PURE="1")
    assert pure.stdout.strip().endswith("(pure-Python hooks: IMPORTTRACE_PURE is set)")


# --- the HTML page, in a real browser -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PROBE = Path(__file__).with_name("browser") / "probe.js"


def test_html_page_header_and_problems(app: App) -> None:
    page = app.show("--format", "html")
    assert "<dt>Command</dt><dd>-m mycli --version</dd>" in page
    problems = page[page.index("<h2>Problems</h2>") :].split("</ul>")[0].split("<li>")[1:]
    assert [item.split(":")[0] for item in problems] == [
        "<strong>hit</strong> mycli CYCLE",
        "<strong>search</strong> brotli_not_installed",
        "<strong>search</strong> yaml_not_installed",
        "and %d circular imports inside installed packages and the standard library, not listed</li>"
        % (realapp.BIG + 2),
    ]
    assert '<input id="stdlib" type="checkbox" checked> standard library' in page
    assert '<div id="view" tabindex="0" role="listbox"' in page


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_html_page_in_chromium_searches_status_words_filters_and_moves_by_keyboard(app: App, tmp_path: Path) -> None:
    page = app.show("--format", "html")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", "<script>\n%s</script>\n</body>" % PROBE.read_text()))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
    flags += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
    flags += ["--user-data-dir=%s" % (tmp_path / "profile"), "--window-size=500,900", "--virtual-time-budget=3000"]
    done = subprocess.run(
        [str(CHROMIUM), *flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120
    )
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout)
    assert found, done.stderr[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"'))
    total = len(app.trace.events)
    cycles = len(app.trace.cycles())
    assert result["cycle"] == "%d of %d events" % (cycles, total)  # status words are searchable
    assert result["notfound"] == "2 of %d events" % total
    from importtrace.filters._kinds import ModuleKinds

    stdlib = ModuleKinds(app.trace).stdlib
    assert result["nostdlib"] == "%d of %d events" % (sum(1 for e in app.trace.events if not stdlib(e.name)), total)
    assert result["problems"] == "3 of %d events" % total  # 2 not found, mycli's own cycle: not bigdep's
    assert result["focused"] and result["details"].startswith("search mycli") and result["active"] == "ev3"
    last = app.trace.events[-1]
    assert result["end"].startswith("%s %s" % (last.kind, last.name))
    assert result["depth"] >= 8 and result["minchars"] >= 10  # 500 px: deep names keep their room


# --- installing -------------------------------------------------------------------------------------------------


def test_a_build_without_a_compiler_says_the_pure_python_hooks_were_installed(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    root = Path(__file__).resolve().parent.parent
    args = ["build_ext", "--build-lib", str(tmp_path / "lib"), "--build-temp", str(tmp_path / "tmp")]
    env = dict(realapp.env(tmp_path), CC="false", IMPORTTRACE_STRICT_BUILD="")
    done = subprocess.run(
        [sys.executable, "setup.py", "-q", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "importtrace: the compiled import hooks were not built (" in done.stderr
    assert "the pure-Python hooks are installed, which record the same events" in done.stderr
    assert not list(tmp_path.glob("lib/**/*.so"))


def test_the_default_format_is_prepared_while_the_program_runs() -> None:
    """The command line imports what rendering needs while the program runs: with the default format,
    both reports the trace's size may choose."""
    from importtrace.run import _output

    for name in ("importtrace.renderers.summary", "importtrace.renderers.timeline"):
        sys.modules.pop(name, None)
    _output.prepare("auto")
    assert "importtrace.renderers.summary" in sys.modules and "importtrace.renderers.timeline" in sys.modules


def test_the_summary_groups_every_count_by_thousands(tmp_path: Path) -> None:
    """'2,013 modules loaded: 2013 own' read as two numbers: every count is written the same way."""
    files = {"many/__init__.py": "".join("from . import m%d\n" % i for i in range(1001)), "main.py": "import many\n"}
    files.update({"many/m%d.py" % i: "" for i in range(1001)})
    write_files(tmp_path, files)
    result = run_cli(["--format", "summary", "main.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"; 1,00\d modules loaded: 1,00\d own, 0 third-party, \d+ standard library$", result.stderr, re.M)
