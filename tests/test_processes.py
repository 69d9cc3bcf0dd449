"""Process trees: `python -m importtrace` follows the Python processes the program starts (multiprocessing
pools of every start method, subprocess, forks, pytest-xdist workers), each in its own process record,
and they behave as untraced.  Every tree here is real, built by the test's own program."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import importtrace
from importtrace import Trace, record, render
from importtrace.renderers import RenderError
from importtrace.trace._build import _event_from_dict

from .conftest import run_cli, write_files

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="following child processes needs POSIX")


def traced(args: list[str], cwd: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], Trace]:
    """Run the program traced, its trace written as JSON Lines, and return both."""
    out = cwd / "trace.jsonl"
    result = run_cli([*options, "--format", "jsonl", "-o", str(out), *args], cwd)
    return result, importtrace.load(out)


def by_how(trace: Trace, how: str) -> list[dict[str, Any]]:
    return [p for p in trace.processes if p["how"] == how]


#: A program, a Python child started by subprocess, and a forked child.
TREE = {
    "childmod.py": "",
    "tree.py": """
        import os, subprocess, sys
        subprocess.run([sys.executable, "-c", "import childmod"])
        pid = os.fork()
        if pid == 0:
            import wave
            sys.exit(0)
        os.waitpid(pid, 0)
        import colorsys
        """,
}


def worker_module(root: Path) -> None:
    write_files(
        root,
        {
            "workmod.py": "VALUE = 7\n",
            "pool_app.py": """
                import multiprocessing as mp
                import sys

                def work(n):
                    import workmod
                    return n * workmod.VALUE

                if __name__ == "__main__":
                    ctx = mp.get_context(sys.argv[1])
                    with ctx.Pool(2) as pool:
                        print(pool.map(work, range(6)))
                    sys.exit(3)
                """,
        },
    )


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_a_pool_s_workers_are_traced_and_the_program_behaves_as_untraced(tmp_path: Path, method: str) -> None:
    worker_module(tmp_path)
    plain = run_cli(["pool_app.py", method], tmp_path, traced=False)
    result, trace = traced(["pool_app.py", method], tmp_path)
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout) == (3, "[0, 7, 14, 21, 28, 35]\n")
    main = trace.processes[0]
    assert main["how"] == "main" and main["exit"] == 3 and main["pid"] == trace.pid
    assert "workmod" not in trace.loaded(pid=trace.pid)
    workers = [p for p in trace.pids() if "workmod" in trace.loaded(pid=p)]
    assert workers and trace.pid not in workers
    entries = {p["pid"]: p for p in trace.processes}
    for pid in workers:
        assert entries[pid]["how"] == ("exec" if method == "spawn" else "fork")
    if method == "forkserver":  # the server is the program's child, the workers are forked from it
        (server,) = [p for p in by_how(trace, "exec") if "forkserver" in " ".join(p["command"])]
        assert server["parent"] == trace.pid and server["ended"] == "exit"
        assert all(entries[pid]["parent"] == server["pid"] for pid in workers)
    else:
        assert all(entries[pid]["parent"] == trace.pid for pid in workers)
    ids = [e.id for e in trace.events]
    assert len(ids) == len(set(ids))


def test_a_forked_child_records_only_its_own_events_in_its_own_record(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "before.py": "",
            "childmod.py": "",
            "parentmod.py": "",
            "forker.py": """
                import os, sys
                import before
                pid = os.fork()
                if pid == 0:
                    import childmod
                    import before
                    print("child")
                    sys.exit(4)
                os.waitpid(pid, 0)
                import parentmod
                print("parent")
                """,
        },
    )
    result, trace = traced(["forker.py"], tmp_path)
    assert result.returncode == 0 and sorted(result.stdout.split()) == ["child", "parent"]
    (child,) = by_how(trace, "fork")
    assert child["parent"] == trace.pid and child["exit"] == 4 and child["ended"] == "exit"
    mine, theirs = trace.for_process(trace.pid), trace.for_process(child["pid"])
    assert {"before", "parentmod"} <= set(mine.loaded()) and "childmod" not in mine.loaded()
    assert theirs.loaded() == ["childmod"] and theirs.hit("before") == ["before"]  # loaded before the fork
    assert all(e.pid == child["pid"] for e in theirs.events) and len(trace.events) == len(mine) + len(theirs)
    assert "before" in theirs.preloaded and "childmod" not in theirs.preloaded


def test_a_python_subprocess_starts_as_it_would_untraced(tmp_path: Path) -> None:
    """Same sys.modules at its first line (but importtrace's own), argv, path, flags and output."""
    write_files(
        tmp_path,
        {
            "submod.py": "",
            "probe.py": """
                import json, sys
                first = sorted(m for m in sys.modules if not m.startswith("importtrace"))
                import submod
                print(json.dumps({"modules": first, "argv": sys.argv, "path": sys.path, "flags": repr(sys.flags),
                                  "orig_argv": getattr(sys, "orig_argv", None), "executable": sys.executable,
                                  "main": sorted(k for k in globals() if k.startswith("__"))}))
                sys.exit(5)
                """,
            "launch.py": """
                import subprocess, sys
                for args in (["-E", "-s", "probe.py", "a"], ["-B", "-c", open("probe.py").read(), "b"]):
                    done = subprocess.run([sys.executable, *args], capture_output=True, text=True)
                    print(done.returncode, done.stdout.strip())
                """,
        },
    )
    plain = run_cli(["launch.py"], tmp_path, traced=False)
    result, trace = traced(["launch.py"], tmp_path)
    assert plain.returncode == 0 and plain.stdout.startswith("5 {")
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout)
    children = by_how(trace, "exec")
    # 3.13+: a script starts unchanged (see the next test), unless -P or -I
    expected = [["-E", "-s"], ["-B", "-c"]] if sys.version_info < (3, 13) else [["-B", "-c"]]
    assert [p["command"][1:3] for p in children] == expected
    assert all(p["exit"] == 5 and p["ended"] == "exit" for p in children)
    assert all("submod" in trace.loaded(pid=p["pid"]) for p in children)


def test_a_script_child_shadowing_a_module_fails_with_python_s_own_words(tmp_path: Path) -> None:
    """3.13 words the error by the sys.path[0] computed at start-up (CPython's test_import checks it):
    "consider renaming fractions.py", not "most likely due to a circular import"."""
    write_files(
        tmp_path,
        {
            "fractions.py": "import fractions\nfractions.Fraction\n",
            "launch.py": """
                import subprocess, sys
                done = subprocess.run([sys.executable, "fractions.py"], capture_output=True, text=True)
                print(done.returncode, done.stderr.strip().splitlines()[-1])
                """,
        },
    )
    plain = run_cli(["launch.py"], tmp_path, traced=False)
    result, trace = traced(["launch.py"], tmp_path)
    assert plain.returncode == 0 and plain.stdout.startswith("1 AttributeError")
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout)
    if sys.version_info >= (3, 13):
        assert "consider renaming" in plain.stdout and by_how(trace, "exec") == []
    else:
        assert len(by_how(trace, "exec")) == 1


def test_a_program_that_is_not_python_is_unaffected(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "shell.py": """
                import subprocess, sys
                print(subprocess.run(["sh", "-c", "echo $0 $#; true", "x", "y"], capture_output=True,
                                     text=True).stdout.strip())
                print(subprocess.run(["sh", "-c", "exit 6"]).returncode)
                print(subprocess.run([sys.executable, "--version"], capture_output=True, text=True).stdout.strip())
                """
        },
    )
    plain = run_cli(["shell.py"], tmp_path, traced=False)
    result, trace = traced(["shell.py"], tmp_path)
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout)
    assert plain.stdout.splitlines()[:2] == ["x 1", "6"]
    assert [p["how"] for p in trace.processes] == ["main"]


def test_a_child_that_calls_os_exit_or_is_killed_keeps_its_events_and_the_parent_s_trace(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "exitmod.py": "",
            "killmod.py": "",
            "ends.py": """
                import subprocess, sys
                code = "import os, signal, %s; os.%s"
                print(subprocess.run([sys.executable, "-c", code % ("exitmod", "_exit(7)")]).returncode)
                killed = code % ("killmod", "kill(os.getpid(), signal.SIGKILL)")
                print(subprocess.run([sys.executable, "-c", killed]).returncode)
                import json
                """,
        },
    )
    plain = run_cli(["ends.py"], tmp_path, traced=False)
    result, trace = traced(["ends.py"], tmp_path)
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout) == (0, "7\n-9\n")
    exited, killed = by_how(trace, "exec")
    assert (exited["exit"], exited["ended"]) == (7, "os._exit") and "exitmod" in trace.loaded(pid=exited["pid"])
    assert (killed["exit"], killed["ended"]) == (None, "killed") and "killmod" in trace.loaded(pid=killed["pid"])
    assert "json" in trace.loaded(pid=trace.pid) and trace.processes[0]["ended"] == "exit"
    assert "killed by a signal or crashed" in render(trace, "timeline")


def test_a_child_still_running_when_the_program_ends_is_reported(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "slowmod.py": "",
            "leave.py": """
                import subprocess, sys
                code = "import slowmod, sys, time; print('up', flush=True); time.sleep(60)"
                child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, start_new_session=True)
                child.stdout.readline()
                """,
        },
    )
    result, trace = traced(["leave.py"], tmp_path)
    (child,) = by_how(trace, "exec")
    try:
        assert result.returncode == 0 and child["ended"] == "running" and child["exit"] is None
        assert "slowmod" in trace.loaded(pid=child["pid"])
        assert "still running when the program ended" in render(trace, "tree")
    finally:
        os.kill(child["pid"], signal.SIGKILL)


def test_no_follow_traces_the_program_s_process_alone(tmp_path: Path) -> None:
    write_files(tmp_path, TREE)
    result, trace = traced(["tree.py"], tmp_path, "--no-follow")
    assert result.returncode == 0 and [p["how"] for p in trace.processes] == ["main"]
    assert "colorsys" in trace.loaded() and "childmod" not in trace.loaded() and "wave" not in trace.loaded()


def test_pytest_xdist_workers_are_traced(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "mylib.py": "def double(x):\n    return 2 * x\n",
            "tests/test_lib.py": """
                import mylib

                def test_ok():
                    assert mylib.double(2) == 4

                def test_fails():
                    assert mylib.double(2) == 5
                """,
        },
    )
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "tests"]
    plain = run_cli(args, tmp_path, traced=False)
    result, trace = traced(args, tmp_path)
    assert plain.returncode == result.returncode == 1
    assert "1 failed, 1 passed" in plain.stdout and "1 failed, 1 passed" in result.stdout
    workers = by_how(trace, "exec")
    assert len(workers) == 2 and all(p["ended"] == "exit" for p in workers)
    assert all("mylib" in trace.loaded(pid=p["pid"]) for p in workers)
    assert "mylib" not in trace.loaded(pid=trace.pid)


def test_a_program_with_a_process_pool_matches_its_untraced_run(tmp_path: Path) -> None:
    """A real program: concurrent.futures with the default start method, output and exit status."""
    write_files(
        tmp_path,
        {
            "pool.py": """
                import concurrent.futures, json, sys

                def stats(n):
                    import statistics, fractions
                    return str(statistics.mean(fractions.Fraction(i, n) for i in range(1, n + 1)))

                if __name__ == "__main__":
                    with concurrent.futures.ProcessPoolExecutor(max_workers=3) as pool:
                        print(json.dumps(list(pool.map(stats, range(1, 9)))))
                    print("warning", file=sys.stderr)
                    sys.exit(2)
                """
        },
    )
    plain = run_cli(["pool.py"], tmp_path, traced=False)
    result, trace = traced(["pool.py"], tmp_path)
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout) and plain.returncode == 2
    assert result.stderr == plain.stderr == "warning\n"
    assert any("statistics" in trace.loaded(pid=p) for p in trace.pids() if p != trace.pid)


def test_exec_hands_over_the_trace_before_the_process_is_replaced(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"replace.py": "import os, sys, colorsys\nos.execv('/bin/sh', ['sh', '-c', 'echo replaced; exit 3'])\n"},
    )
    plain = run_cli(["replace.py"], tmp_path, traced=False)
    result, trace = traced(["replace.py"], tmp_path)
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout) == (3, "replaced\n")
    assert "colorsys" in trace.loaded() and trace.processes[0]["ended"] == "exec"


def test_children_that_list_their_imports_are_left_untraced(tmp_path: Path) -> None:
    """-X importtime and -v print every import: through the bootstrap importtrace's would be there too."""
    write_files(
        tmp_path,
        {
            "lists.py": """
                import subprocess, sys
                done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import colorsys"],
                                      capture_output=True, text=True)
                print(sorted(line.split("|")[-1].strip() for line in done.stderr.splitlines())[-3:])
                """
        },
    )
    plain = run_cli(["lists.py"], tmp_path, traced=False)
    result, trace = traced(["lists.py"], tmp_path)
    assert result.stdout == plain.stdout and [p["how"] for p in trace.processes] == ["main"]


# --- the trace of a process tree: formats, queries, the file ------------------------------------------


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Trace:
    root = write_files(tmp_path_factory.mktemp("tree"), TREE)
    result, trace = traced(["tree.py"], root)
    assert result.returncode == 0 and len(trace.processes) == 3
    return trace


def test_every_event_names_its_process_and_queries_take_one(tree: Trace) -> None:
    main, child, fork = tree.pids()
    assert {e.pid for e in tree.events} == {main, child, fork}
    assert tree.loaded(pid=child)[-1] == "childmod" and tree.loaded(pid=fork)[0] == "wave"
    assert "colorsys" not in tree.loaded(pid=fork) and "wave" not in tree.loaded(pid=main)
    assert "childmod" in tree.loaded() and "colorsys" in tree.loaded() and "wave" in tree.loaded()
    assert [e.pid for e in tree.why("wave")] == [fork] and tree.why("wave", pid=main) == []
    assert tree.first_load("colorsys", pid=fork) is None and tree.requests("childmod", pid=main) == []
    assert tree.for_process(fork).header["pid"] == fork and tree.for_process(fork).processes[0]["how"] == "fork"


def test_the_trace_file_keeps_processes_and_reads_version_1(tree: Trace, tmp_path: Path) -> None:
    path = tmp_path / "again.jsonl"
    tree.save(path)
    again = importtrace.load(path)
    assert again == tree and again.processes == tree.processes
    header, *lines = path.read_text().splitlines()
    assert json.loads(header)["version"] == 3 and all("pid" in json.loads(line) for line in lines[:-1])
    old = tmp_path / "v1.jsonl"
    event = {k: v for k, v in tree.events[0].to_dict().items() if k != "pid"}
    old.write_text('{"format":"importtrace","version":1}\n' + json.dumps(event) + '\n{"end":true,"events":1}\n')
    assert [e.pid for e in importtrace.load(old).events] == [None]
    assert _event_from_dict(event).pid is None


def test_text_formats_show_one_section_per_process(tree: Trace) -> None:
    main, child, fork = tree.pids()
    for fmt in ("summary", "timeline", "story", "tree", "table"):
        text = render(tree, fmt)
        assert text.startswith("importtrace: 3 processes\n")
        headings = [line for line in text.splitlines() if line.startswith("== process ")]
        assert [h.split()[2] for h in headings] == [str(main), str(child), str(fork)], fmt
        assert "(the program; exit status 0)" in headings[0] and "(forked from %d; exit status 0)" % main in headings[2]
    only = render(tree, "timeline", pid=fork)
    assert "== process" not in only and "wave" in only and "colorsys" not in only


def test_chrome_has_a_track_per_process_and_importtime_the_program_s(tree: Trace) -> None:
    main, child, fork = tree.pids()
    rows = json.loads(render(tree, "chrome"))["traceEvents"]
    names = {r["pid"]: r["args"]["name"] for r in rows if r.get("name") == "process_name"}
    assert set(names) == {main, child, fork} and "fork of %d" % main in names[fork]
    assert {r["pid"] for r in rows if r["ph"] != "M"} <= {main, child, fork}
    assert any(r["pid"] == fork and r["name"] == "wave" for r in rows)
    importtime = render(tree, "importtime")
    assert "colorsys" in importtime and "wave" not in importtime and "childmod" not in importtime
    assert "wave" in render(tree, "importtime", pid=fork)
    with pytest.raises(RenderError, match="no process 1 in this trace"):
        render(tree, "importtime", pid=1)


def test_the_command_line_s_pid_option(tree: Trace, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    tree.save(path)
    fork = tree.pids()[2]
    shown = run_cli(["show", str(path), "--pid", str(fork), "--format", "importtime"], tmp_path)
    assert shown.returncode == 0 and "wave" in shown.stdout and "colorsys" not in shown.stdout
    bad = run_cli(["show", str(path), "--pid", "1"], tmp_path)
    assert bad.returncode == 2 and "no process 1" in bad.stderr


# --- the recorder's part: stand-ins that start processes, modules watched as they load ----------------


@pytest.mark.parametrize("pure", [False, True], ids=["compiled", "python"])
def test_stand_ins_rewrite_arguments_and_errors_keep_their_traceback(tmp_path: Path, pure: bool) -> None:
    if not pure and not record.compiled:
        pytest.skip("compiled hooks not built")
    code = """
        import json, os, sys, traceback
        from importtrace import record
        b = record.backend
        joined = b.redirect(os.path.join, lambda args, kwargs: ("x", *args[1:]))
        failing = b.redirect(os.stat, lambda args, kwargs: 1 / 0)
        try:
            failing("/no/such/file")
        except OSError as exc:
            frames = [f.name for f in traceback.extract_tb(exc.__traceback__)]
        record.copy_identity(failing, os.stat)
        seen = []
        with __import__("importtrace").trace():
            b.watch("colorsys", seen.append)
            import colorsys
        print(json.dumps({"joined": joined("a", "b"), "frames": frames, "repr": repr(failing) == repr(os.stat),
                          "name": failing.__name__, "seen": [m.__name__ for m in seen]}))
    """
    env = {k: v for k, v in os.environ.items() if k != "IMPORTTRACE_PURE"}
    if pure:
        env["IMPORTTRACE_PURE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["joined"] == "x/b" and result["name"] == "stat" and result["seen"] == ["colorsys"]
    assert result["frames"] == (["<module>", "redirected"] if pure else ["<module>"])
    assert result["repr"] is not pure


def test_a_program_that_puts_objects_in_sys_argv_keeps_its_trace(tmp_path: Path) -> None:
    """CPython's test_import does (an object whose __del__ imports): the header holds their text."""
    write_files(
        tmp_path,
        {
            "odd.py": "import sys\nclass C:\n    pass\nsys.argv.insert(0, C())\nimport colorsys\n",
            "runs_odd.py": "import subprocess, sys\n"
            "print(subprocess.run([sys.executable, '-c', open('odd.py').read()]).returncode)\n",
        },
    )
    result, trace = traced(["runs_odd.py"], tmp_path)
    assert result.returncode == 0 and result.stdout == "0\n"
    (child,) = by_how(trace, "exec")
    assert child["ended"] == "exit" and child["argv"][0].startswith("<__main__.C object")
    assert "colorsys" in trace.loaded(pid=child["pid"])
    result, trace = traced(["odd.py"], tmp_path)
    assert result.returncode == 0 and "colorsys" in trace.loaded()
