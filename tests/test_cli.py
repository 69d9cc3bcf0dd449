"""`python -m importtrace`: the real command in subprocesses, on real scripts and packages."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

import importtrace

from .conftest import run_cli, write_files
from .test_fidelity import BROAD as FIDELITY_SAMPLE

PROBE = """\
import json, sys
g = dict(globals())
print(json.dumps({
    "argv": sys.argv, "path0": sys.path[0], "name": __name__,
    "keys": sorted(k for k in g if k.startswith("__")),
    "file": g.get("__file__"), "cached": g.get("__cached__", "MISSING"), "package": g.get("__package__", "MISSING"),
    "loader": getattr(g.get("__loader__"), "__name__", type(g.get("__loader__")).__name__),
    "spec": None if g.get("__spec__") is None else g["__spec__"].name,
    "cache_has_script": any(k.endswith(".py") for k in sys.path_importer_cache),
    "orig_argv": getattr(sys, "orig_argv", None), "executable": sys.executable,
}))
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = write_files(
        tmp_path / "app",
        {
            "sub/probe.py": PROBE,
            "pkgm/__init__.py": "",
            "pkgm/__main__.py": PROBE,
            "pkgm/mod.py": PROBE,
        },
    )
    with zipfile.ZipFile(root / "bundle.zip", "w") as z:
        z.writestr("__main__.py", PROBE)
    (root / "link.py").symlink_to(root / "sub" / "probe.py")
    return root


# --- the program runs as under plain python --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["sub/probe.py", "a", "--flag"],
        ["-m", "pkgm.mod", "x"],
        ["-m", "pkgm", "y"],
        ["pkgm", "z"],
        ["bundle.zip", "q"],
        ["link.py"],
        ["./sub/probe.py"],
        ["sub/../sub/probe.py"],
        ["./pkgm/"],
        ["./bundle.zip"],
        ["-c", PROBE, "c"],
        ["-mpkgm.mod"],
    ],
)
def test_each_invocation_form_matches_plain_python(app: Path, args: list[str]) -> None:
    """Also sys.orig_argv (3.10+): the program's own command line, not importtrace's."""
    plain = run_cli(args, app, traced=False)
    traced = run_cli(["--format", "jsonl", "-o", os.devnull, *args], app)
    assert plain.returncode == traced.returncode == 0, traced.stderr
    expected = json.loads(plain.stdout)
    if args[0].startswith("-m") and len(args[0]) > 2 and expected["orig_argv"]:
        expected["orig_argv"][1:2] = ["-m", args[0][2:]]  # -mmodule is shown as -m module
    assert json.loads(traced.stdout) == expected


def test_options_before_the_program_only(app: Path) -> None:
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", "sub/probe.py", "-o", "--format"], app)
    assert json.loads(traced.stdout)["argv"] == ["sub/probe.py", "-o", "--format"]
    assert (app / "t.jsonl").exists()


def test_report_goes_to_stderr_and_stdout_stays_the_programs(app: Path) -> None:
    traced = run_cli(["sub/probe.py"], app)
    assert json.loads(traced.stdout)["name"] == "__main__"
    assert "json" in traced.stderr and "__main__" in traced.stderr


def test_stdin_is_the_programs(tmp_path: Path) -> None:
    write_files(tmp_path, {"echo.py": "import sys\nprint(sys.stdin.read().upper())\n"})
    traced = run_cli(["--format", "jsonl", "-o", os.devnull, "echo.py"], tmp_path, input="hello")
    assert traced.stdout == "HELLO\n"


def test_relative_output_path_is_relative_to_where_importtrace_started(tmp_path: Path) -> None:
    write_files(tmp_path, {"mover.py": "import os\nos.chdir(os.path.dirname(os.getcwd()))\nimport colorsys\n"})
    (tmp_path / "run").mkdir()
    traced = run_cli(["--format", "jsonl", "-o", "out.jsonl", str(tmp_path / "mover.py")], tmp_path / "run")
    assert traced.returncode == 0, traced.stderr
    assert "colorsys" in importtrace.load(tmp_path / "run" / "out.jsonl").loaded()


def test_main_appears_as_a_load_and_imports_nest_under_it(tmp_path: Path) -> None:
    write_files(tmp_path, {"top.py": "import colorsys\n"})
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", "top.py"], tmp_path)
    trace = importtrace.load(tmp_path / "t.jsonl")
    main = trace.first_load("__main__")
    assert main is not None and main.origin == str(tmp_path / "top.py") and main.loader == "SourceFileLoader"
    assert trace.first_load("colorsys").parent == main.id  # type: ignore[union-attr]
    assert trace.header["program"]["mode"] == "script" and traced.returncode == 0


# --- every way a program ends: same status, trace kept ------------------------------------------------

ENDINGS = {
    "normal": ("import colorsys\n", 0),
    "exit3": ("import colorsys, sys\nsys.exit(3)\n", 3),
    "exitmsg": ("import colorsys, sys\nsys.exit('goodbye now')\n", 1),
    "exception": ("import colorsys\ndef f():\n    raise ValueError('boom')\nf()\n", 1),
    "failing_import": ("import colorsys\ndef g():\n    import broken\ng()\n", 1),
    "keyboard": ("import colorsys\nraise KeyboardInterrupt\n", -signal.SIGINT),
    "sigint": (
        "import colorsys, os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(10)\n",
        -signal.SIGINT,
    ),
    "atexit": ("import atexit\ndef late():\n    import colorsys\natexit.register(late)\n", 0),
    "thread": (
        "import threading\ndef work():\n    import time; time.sleep(0.2); import colorsys\n"
        "threading.Thread(target=work).start()\n",
        0,
    ),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_every_ending_keeps_status_output_and_trace(tmp_path: Path, ending: str) -> None:
    source, status = ENDINGS[ending]
    write_files(tmp_path, {"prog.py": source, "broken.py": "import json\nraise RuntimeError('broken module')\n"})
    plain = run_cli(["prog.py"], tmp_path, traced=False)
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", "prog.py"], tmp_path)
    assert plain.returncode == traced.returncode == status
    assert traced.stdout == plain.stdout and traced.stderr == plain.stderr  # tracebacks included
    trace = importtrace.load(tmp_path / "t.jsonl")
    assert "colorsys" in trace.loaded()
    if ending == "failing_import":
        assert trace.first_load("broken").error == {"type": "RuntimeError", "message": "broken module"}  # type: ignore[union-attr]


def test_os_exit_without_stream_says_how_to_keep_the_trace(tmp_path: Path) -> None:
    write_files(tmp_path, {"quit.py": "import colorsys, os\nos._exit(7)\n"})
    traced = run_cli(["--format", "jsonl", "-o", os.devnull, "quit.py"], tmp_path)
    assert traced.returncode == 7
    assert traced.stderr.count("\n") == 1 and "--stream FILE" in traced.stderr


def test_stream_keeps_events_through_os_exit(tmp_path: Path) -> None:
    write_files(tmp_path, {"quit.py": "import colorsys, os\nimport json\nos._exit(7)\n"})
    traced = run_cli(["--stream", "s.jsonl", "--format", "jsonl", "-o", "t.jsonl", "quit.py"], tmp_path)
    assert traced.returncode == 7 and "recovered from the stream file" in traced.stderr
    streamed = importtrace.load(tmp_path / "s.jsonl")
    assert streamed.header["complete"] is False and {"colorsys", "json"} <= set(streamed.loaded())
    assert importtrace.load(tmp_path / "t.jsonl").loaded() == streamed.loaded()


def test_stream_of_a_normal_run_is_complete(tmp_path: Path) -> None:
    write_files(tmp_path, {"ok.py": "import colorsys\nfor _ in range(5):\n    import colorsys\n"})
    traced = run_cli(["--stream", "s.jsonl", "--format", "jsonl", "-o", "t.jsonl", "ok.py"], tmp_path)
    assert traced.returncode == 0
    streamed, final = importtrace.load(tmp_path / "s.jsonl"), importtrace.load(tmp_path / "t.jsonl")
    assert streamed.header.get("complete", True) is True
    assert [e.to_dict() for e in streamed.events] == [e.to_dict() for e in final.events]


def test_a_crash_loses_at_most_the_event_in_flight(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"crash.py": "import colorsys\nimport crasher\n", "crasher.py": "import ctypes\nctypes.string_at(0)\n"},
    )
    traced = run_cli(["--stream", "s.jsonl", "--format", "jsonl", "-o", os.devnull, "crash.py"], tmp_path)
    assert traced.returncode == -signal.SIGSEGV
    streamed = importtrace.load(tmp_path / "s.jsonl")
    crasher = streamed.first_load("crasher")
    assert crasher is not None and crasher.duration is None  # in flight when the process died
    assert "colorsys" in streamed.loaded()


def test_sigterm_to_importtrace_reaches_the_program(tmp_path: Path) -> None:
    write_files(tmp_path, {"wait.py": "import sys, time\nprint('ready', flush=True)\ntime.sleep(30)\n"})
    cmd = [sys.executable, "-m", "importtrace", "--format", "jsonl", "-o", os.devnull, "wait.py"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM
    proc.stdout.close()
    proc.stderr.close()  # type: ignore[union-attr]


# --- bad input: one line on stderr, status 2, nothing run ----------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "can't open file 'missing.py'"),
        (["emptydir"], "can't find '__main__' module in 'emptydir'"),
        (["-m", "no_such_module_q"], "No module named 'no_such_module_q'"),
        (["--bogus", "prog.py"], "unrecognized arguments: --bogus"),
        (["--format", "nope", "prog.py"], "unknown format 'nope'"),
        (["--kind", "loads", "prog.py"], "unknown event kind 'loads'"),
        (["-o", "nodir/x/out.txt", "prog.py"], "cannot write the report to"),
        (["--stream", "emptydir", "prog.py"], "is a directory"),
        ([], "no program given"),
        (["-m"], "expected one argument"),
    ],
)
def test_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    write_files(tmp_path, {"prog.py": "open('ran', 'w').close()\n"})
    (tmp_path / "emptydir").mkdir()
    traced = run_cli(args, tmp_path)
    assert traced.returncode == 2
    lines = traced.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("importtrace: error: ") and message in lines[0], traced.stderr
    assert "Traceback" not in traced.stderr and not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ('{"format":"importtrace","version":1}\n{"id":1,', "truncated line"),
        ('{"format":"importtrace","version":1}\n', "no end record"),
        ("garbage\n", "not valid JSON"),
    ],
)
def test_show_and_why_on_bad_trace_files(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "t.jsonl").write_text(content)
    for args in (["show", "t.jsonl"], ["why", "t.jsonl", "json"]):
        traced = run_cli(args, tmp_path)
        assert traced.returncode == 2 and traced.stderr.count("\n") == 1 and message in traced.stderr


def test_show_why_and_empty_traces(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "import json\n", "empty.py": "x = 1\n"})
    assert run_cli(["--format", "jsonl", "-o", "t.jsonl", "prog.py"], tmp_path).returncode == 0
    shown = run_cli(["show", "t.jsonl", "--format", "jsonl"], tmp_path)
    assert shown.returncode == 0 and shown.stdout == (tmp_path / "t.jsonl").read_text()
    why = run_cli(["why", "t.jsonl", "json.scanner"], tmp_path)
    assert why.returncode == 0
    assert "prog.py:1" in why.stdout and "import json" in why.stdout and "json/decoder.py" in why.stdout
    missing = run_cli(["why", "t.jsonl", "pandas"], tmp_path)
    assert missing.returncode == 1 and "pandas was not imported" in missing.stdout
    assert run_cli(["--format", "jsonl", "-o", "e.jsonl", "empty.py"], tmp_path).returncode == 0
    empty = run_cli(["show", "e.jsonl"], tmp_path)
    assert empty.returncode == 0 and "Traceback" not in empty.stderr


def test_why_option_on_a_run(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "import json\nfrom json import decoder\n"})
    traced = run_cli(["--format", "jsonl", "-o", os.devnull, "--why", "json.decoder", "prog.py"], tmp_path)
    assert "json.decoder was first loaded by this chain of imports" in traced.stderr
    assert re.search(r"hit \(from json import decoder\) by __main__ at \S*prog.py:2", traced.stderr)  # a request too


def test_why_says_a_module_loaded_before_the_trace_began_was_already_loaded(tmp_path: Path) -> None:
    """os and sys are in sys.modules before the program's first line: every import of them is a hit."""
    write_files(tmp_path, {"prog.py": "import os\nimport colorsys\n"})
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", "--why", "os", "--why", "sys", "prog.py"], tmp_path)
    assert traced.returncode == 0, traced.stderr
    assert "os was already loaded when the trace started" in traced.stderr
    assert "sys was not imported in this trace; it was already loaded when the trace started" in traced.stderr
    assert "never loaded" not in traced.stderr
    why_os = run_cli(["why", "t.jsonl", "os"], tmp_path)
    assert why_os.returncode == 0 and why_os.stdout.startswith("os was already loaded when the trace started")
    assert re.search(r"hit by __main__ at \S*prog.py:1", why_os.stdout), why_os.stdout
    why_sys = run_cli(["why", "t.jsonl", "sys"], tmp_path)
    assert why_sys.returncode == 1 and "already loaded when the trace started" in why_sys.stdout
    never = run_cli(["why", "t.jsonl", "colorsys"], tmp_path)
    assert never.returncode == 0 and "first loaded by this chain" in never.stdout


def test_why_tells_a_circular_import_from_a_package_importing_its_parts(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": "import ring.a\n",
            "ring/__init__.py": "from . import base\n",
            "ring/base.py": "from . import helper\n",
            "ring/helper.py": "",
            "ring/a.py": "from . import b\n",
            "ring/b.py": "from . import a\n",
        },
    )
    assert run_cli(["--format", "jsonl", "-o", "t.jsonl", "prog.py"], tmp_path).returncode == 0
    ring_a = run_cli(["why", "t.jsonl", "ring.a"], tmp_path).stdout
    assert re.search(r"hit \(from ring import a\) by ring.b at \S*ring/b.py:1 \(circular import\)", ring_a), ring_a
    ring = run_cli(["why", "t.jsonl", "ring"], tmp_path).stdout
    assert re.search(
        r"by ring.base at \S*base.py:1 \(ring still initialising: a package importing its own parts\)", ring
    )
    assert "circular import" not in ring.split("by ring.b at")[0], ring


def test_the_command_line_leaves_atexit_work_and_profilers_their_exit(tmp_path: Path) -> None:
    """show ends with os._exit to skip freeing a large trace, but not when coverage or cProfile still
    have work at exit."""
    write_files(tmp_path, {"prog.py": "import colorsys\n"})
    assert run_cli(["--format", "jsonl", "-o", "t.jsonl", "prog.py"], tmp_path).returncode == 0
    code = (
        "import atexit, sys; atexit.register(lambda: print('atexit ran')); "
        "sys.argv = ['importtrace', 'show', '-o', 'out.txt', 't.jsonl']; "
        "from importtrace.run._cli import main; sys.exit(main())"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "atexit ran\n", done.stderr
    profiled = subprocess.run(
        [sys.executable, "-m", "cProfile", "-m", "importtrace", "show", "-o", "out.txt", "t.jsonl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert profiled.returncode == 0 and "function calls" in profiled.stdout, profiled.stderr
    assert "colorsys" in (tmp_path / "out.txt").read_text()


def test_hide_noise_leaves_out_probes(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "import importlib.util\nimportlib.util.find_spec('colorsys')\nimport wave\n"})
    plain = run_cli(["--color", "never", "--include", "colorsys", "--include", "wave", "prog.py"], tmp_path).stderr
    quiet = run_cli(
        ["--color", "never", "--include", "colorsys", "--include", "wave", "--hide-noise", "prog.py"], tmp_path
    )
    assert "colorsys  probe (find_spec, not an import)" in plain and "load    wave" in plain
    assert quiet.returncode == 0 and "colorsys" not in quiet.stderr and "load    wave" in quiet.stderr


def test_version_and_help(tmp_path: Path) -> None:
    version = run_cli(["--version"], tmp_path)
    assert version.returncode == 0 and importtrace.__version__ in version.stdout
    helptext = run_cli(["--help"], tmp_path)
    assert helptext.returncode == 0 and "exit codes:" in helptext.stdout and "-m module" in helptext.stdout
    assert len(helptext.stdout.splitlines()) < 60


def test_console_script(tmp_path: Path) -> None:
    script = shutil.which("importtrace", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("console script not installed in this environment")
    write_files(tmp_path, {"prog.py": "import colorsys\n"})
    done = subprocess.run(
        [script, "--format", "jsonl", "-o", "t.jsonl", "prog.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "colorsys" in importtrace.load(tmp_path / "t.jsonl").loaded()


# --- fidelity: the command line's own imports never reach the program ----------------------------------

# The stdlib sample of test_fidelity, plus a third-party package and what the CLI itself uses.
BROAD = [*FIDELITY_SAMPLE[:12], "tabulate", "subprocess", "tempfile", "shutil"]


def test_traced_program_loads_what_it_loads_untraced(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "broad.py": "import sys\nbefore = set(sys.modules)\n%s\n"
            "import json as _j\nprint(_j.dumps(sorted(set(sys.modules) - before)))\n"
            % "\n".join("import %s" % m for m in BROAD)
        },
    )
    plain = run_cli(["broad.py"], tmp_path, traced=False)
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", "broad.py"], tmp_path)
    assert json.loads(traced.stdout) == json.loads(plain.stdout)
    loaded = set(importtrace.load(tmp_path / "t.jsonl").loaded()) - {"__main__"}
    aliases = {"typing.io", "typing.re", "importlib._bootstrap", "importlib._bootstrap_external"}
    assert loaded - aliases == set(json.loads(plain.stdout)) - aliases


# --- a test suite run through importtrace -----------------------------------------------------------------


def test_pytest_with_warnings_as_errors_gives_the_same_results(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n',
            "mylib/__init__.py": "def double(x):\n    return 2 * x\n",
            "tests/test_lib.py": "import mylib\n\ndef test_ok():\n    assert mylib.double(2) == 4\n\n"
            "def test_fails():\n    assert mylib.double(2) == 5\n",
        },
    )
    env: dict[str, Any] = dict(os.environ, PYTHONPATH=str(tmp_path))
    plain = run_cli(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"], tmp_path, traced=False, env=env)
    traced = run_cli(
        ["--format", "jsonl", "-o", "t.jsonl", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        tmp_path,
        env=env,
    )
    assert plain.returncode == traced.returncode == 1
    summary = [line for line in traced.stdout.splitlines() if " passed" in line or " failed" in line]
    assert (
        summary
        and summary[-1].split(" in ")[0]
        == [line for line in plain.stdout.splitlines() if " passed" in line or " failed" in line][-1].split(" in ")[0]
    )
    assert "PytestAssertRewriteWarning" not in traced.stdout + traced.stderr
    trace = importtrace.load(tmp_path / "t.jsonl")
    assert "mylib" in trace.loaded() and any(n["code"] == "shadowed" for n in trace.notes)


def test_a_suite_that_starts_stops_and_cleans_up_traces_keeps_the_command_line_s_recording(tmp_path: Path) -> None:
    # As this repository's own conftest does: every test ends by stopping whatever is still recording.
    write_files(
        tmp_path,
        {
            "conftest.py": """
                import pytest
                from importtrace.record import _session

                @pytest.fixture(autouse=True)
                def stop_leftovers():
                    yield
                    for recording in list(_session._sessions):
                        recording.stop()
                    _session._global = None
            """,
            "mod_a.py": "",
            "mod_b.py": "",
            "test_traces.py": """
                import pytest
                import importtrace

                def test_start_and_stop():
                    importtrace.start()
                    assert importtrace.stop().loaded() == []

                def test_stop_without_start_is_the_program_s_error():
                    with pytest.raises(importtrace.TraceError):
                        importtrace.stop()

                def test_a_nested_trace():
                    with importtrace.trace() as t:
                        import mod_a
                    assert t.loaded() == ["mod_a"]

                def test_left_running():
                    importtrace.start()
                    importtrace.trace().start()

                def test_after_the_clean_up():
                    import mod_b
            """,
        },
    )
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_traces.py"]
    plain = run_cli(args, tmp_path, traced=False)
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", *args], tmp_path)
    assert plain.returncode == traced.returncode == 0, traced.stdout + traced.stderr
    assert "5 passed" in plain.stdout and "5 passed" in traced.stdout
    assert traced.stderr == ""
    trace = importtrace.load(tmp_path / "t.jsonl")
    assert {"mod_a", "mod_b"} <= set(trace.loaded()) and trace.header["program"]["status"] == 0


def test_a_program_that_stops_the_command_line_s_recording_hands_over_what_it_had(tmp_path: Path) -> None:
    write_files(tmp_path, {"mod_a.py": "", "mod_b.py": ""})
    code = "import mod_a\nfrom importtrace.record import _session\n_session._held[0].stop()\nimport mod_b\n"
    traced = run_cli(["--format", "jsonl", "-o", "t.jsonl", "-c", code], tmp_path)
    assert traced.returncode == 0
    assert traced.stderr == "importtrace: the program stopped importtrace's recording of it: the trace ends there\n"
    trace = importtrace.load(tmp_path / "t.jsonl")
    assert "mod_a" in trace.loaded() and "mod_b" not in trace.requested()
    assert [n["code"] for n in trace.notes] == ["stopped"]


def test_dash_c_program_traceback_matches(tmp_path: Path) -> None:
    code = "x = 1\ndef f():\n    return 1/0\nf()\n"
    plain = run_cli(["-c", code], tmp_path, traced=False)
    traced = run_cli(["--format", "jsonl", "-o", os.devnull, "-c", code], tmp_path)
    assert plain.returncode == traced.returncode == 1
    assert traced.stderr == plain.stderr and "ZeroDivisionError" in traced.stderr


def test_no_site_program_loads_what_it_loads_untraced(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "nosite.py": "import sys\nbefore = set(sys.modules)\nimport os, json\n"
            "print(sorted(set(sys.modules) - before))\n"
        },
    )
    env = dict(os.environ, PYTHONPATH=str(Path(importtrace.__file__).resolve().parent.parent))
    plain = subprocess.run([sys.executable, "-S", "nosite.py"], cwd=tmp_path, capture_output=True, text=True, env=env)
    traced = subprocess.run(
        [sys.executable, "-S", "-m", "importtrace", "--format", "jsonl", "-o", "t.jsonl", "nosite.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert traced.returncode == 0, traced.stderr
    assert traced.stdout == plain.stdout and "'os'" in plain.stdout


def test_explain_on_a_run_records_bytecode_provenance(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "import helper\n", "helper.py": "X = 1\n"})
    traced = run_cli(["--explain", "--format", "jsonl", "-o", "t.jsonl", "prog.py"], tmp_path)
    assert traced.returncode == 0, traced.stderr
    trace = importtrace.load(tmp_path / "t.jsonl")
    assert trace.header["explain"] is True and trace.first_load("helper").bytecode in ("compiled", "cached")  # type: ignore[union-attr]


def test_local_modules_never_replace_the_standard_library_in_importtrace_itself(tmp_path: Path) -> None:
    """python -m puts the current directory first on sys.path: the command line's own imports
    (tempfile imports random) must not pick up the user's files."""
    for name in ("random", "tempfile", "shutil", "tabulate", "argparse"):
        (tmp_path / ("%s.py" % name)).write_text("raise RuntimeError('local %s.py imported')\n" % name)
    (tmp_path / "prog.py").write_text("print('ran')\n")
    traced = run_cli(["--format", "table", "-o", "t.txt", "prog.py"], tmp_path)
    assert traced.returncode == 0 and traced.stdout == "ran\n", traced.stderr
    shown = run_cli(["--format", "jsonl", "-o", os.devnull, "-m", "prog"], tmp_path)
    assert shown.returncode == 0 and shown.stdout == "ran\n", shown.stderr


QUICK_VALID = [
    [],
    ["--format", "jsonl", "-o", "out.jsonl"],
    ["-fjsonl", "-oout", "--explain"],
    ["--format=tree", "--color=never", "--style", "github"],
    ["--include", "a*", "--include=b", "--exclude", "c", "--kind", "load,hit", "--kind=search"],
    ["--min-duration", "0.5", "--depth", "3", "--hide-stdlib", "--hide-noise"],
    ["--min-duration=1e-3", "--depth=0", "--stream", "s.jsonl", "--why", "json", "--why=os"],
    ["--runs", "3", "-o", "dir"],
]
#: Bad values, help and anything unusual: argparse parses (or refuses) these itself.
QUICK_LEFT = [
    ["--color", "bad"],
    ["--depth", "x"],
    ["--min-duration", "-1"],
    ["--explain=yes"],
    ["--form", "jsonl"],
    ["--help"],
    ["--version"],
    ["-o"],
    ["--include"],
    ["-x"],
]


@pytest.mark.parametrize("options", QUICK_VALID, ids=lambda o: " ".join(o) or "none")
def test_quick_parse_gives_what_argparse_gives(options: list[str]) -> None:
    """The run command parses its options without argparse (several ms of start-up) when it can."""
    from importtrace.run import _options

    quick = _options.quick_parse(list(options))
    assert quick is not None
    assert vars(quick) == vars(_options.parser(None).parse_args(list(options)))


@pytest.mark.parametrize("options", QUICK_LEFT, ids=lambda o: " ".join(o))
def test_quick_parse_leaves_the_unusual_to_argparse(options: list[str]) -> None:
    from importtrace.run import _options

    assert _options.quick_parse(list(options)) is None


def test_quick_parse_knows_every_option_of_the_run_command() -> None:
    from importtrace.run import _options

    parser = _options.parser(None)
    actions = [a for a in parser._actions if a.dest not in ("help", "version")]
    assert {opt: a.dest for a in actions for opt in a.option_strings} == {k: v[0] for k, v in _options._QUICK.items()}
    assert {a.dest: a.default for a in actions} == _options._DEFAULTS


def test_before_the_program_starts_the_command_line_imports_only_what_parsing_needs(tmp_path: Path) -> None:
    """The program starts after the parent's own start-up: renderers, argparse, json and the file
    helpers are imported while it runs (the other core), not before."""
    script = tmp_path / "prog.py"
    script.write_text("print('ran')\n")
    probe = textwrap.dedent(
        """
        import sys
        import importtrace.run._spawn as spawn
        real = spawn.run
        def run(cmd, meanwhile=None):
            print(sorted(sys.modules), file=sys.stderr)
            return real(cmd, meanwhile)
        spawn.run = run
        from importtrace.run._cli import main
        sys.argv[1:] = ["--format", "jsonl", "-o", sys.argv[1], sys.argv[2]]
        main()
        """
    )
    command = [sys.executable, "-c", probe, str(tmp_path / "out.jsonl"), str(script)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "ran\n"), result.stderr
    loaded = set(ast.literal_eval(result.stderr.splitlines()[0]))
    late = {
        "argparse",
        "tempfile",
        "zipfile",
        "json",
        "typing",
        "importtrace.trace._file",
        "importtrace.filters._filters",
    }
    assert not loaded & late
    assert (tmp_path / "out.jsonl").read_text().count("\n") == 3  # header, __main__'s load, end


@pytest.mark.parametrize("options", [["-o=report.txt"], ["-fjsonl", "-o="], ["-f=jsonl"], ["-o", "x", "-f=tree"]])
def test_quick_parse_leaves_short_options_with_equals_to_argparse(options: list[str]) -> None:
    """argparse reads `-o=FILE` as FILE, not '=FILE': the quick parser must not give anything else."""
    from importtrace.run import _options

    quick = _options.quick_parse(list(options))
    assert quick is None or vars(quick) == vars(_options.parser(None).parse_args(list(options)))


def test_short_option_with_equals_writes_the_report_where_argparse_says(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "print('ran')\n"})
    result = run_cli(["-fjsonl", "-o=report.jsonl", "prog.py"], tmp_path)
    assert (result.returncode, result.stdout) == (0, "ran\n"), result.stderr
    assert (tmp_path / "report.jsonl").exists() and not (tmp_path / "=report.jsonl").exists()


def test_a_relative_tmpdir_still_gets_the_trace_of_a_program_that_changes_directory(tmp_path: Path) -> None:
    """The hand-over file's path must not depend on the working directory the program leaves behind."""
    write_files(
        tmp_path, {"prog.py": "import os\nos.chdir(os.path.dirname(os.getcwd()))\nimport colorsys\nprint('ran')\n"}
    )
    (tmp_path / "scratch").mkdir()
    env = {**os.environ, "TMPDIR": "scratch", "TEMP": "scratch", "TMP": "scratch"}
    result = run_cli(["--format", "jsonl", "-o", "out.jsonl", "prog.py"], tmp_path, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "ran\n", "")
    assert '"colorsys"' in (tmp_path / "out.jsonl").read_text()
    assert list((tmp_path / "scratch").iterdir()) == []


def test_importing_the_bootstrap_runs_nothing() -> None:
    """Tools that import every module of the package (pydoc, test collectors) must not start a child's bootstrap."""
    code = "import importtrace.run._boot, sys; print(sorted(m for m in sys.modules if m.startswith('importtrace.')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "importtrace.run._child" not in result.stdout and "importtrace.run._boot" in result.stdout
