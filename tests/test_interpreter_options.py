"""`python OPTIONS -m importtrace prog.py` runs the program with exactly the interpreter options of
`python OPTIONS prog.py`, also those sys.flags does not show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import importtrace
from importtrace.run._interpreter import split_options

SRC = str(Path(importtrace.__file__).resolve().parent.parent)

# Everything the options can change that the program can see.
PROBE = """\
import _imp, json, os, sys
def stream(s):
    return [getattr(s, "write_through", None), s.line_buffering, s.encoding, s.errors]
env_seed = "PYTHONHASHSEED" in os.environ and not sys.flags.ignore_environment
print(json.dumps({
    "flags": repr(sys.flags), "warnoptions": sys.warnoptions, "xoptions": sys._xoptions,
    "stdout": stream(sys.stdout), "stderr": stream(sys.stderr),
    "dont_write_bytecode": sys.dont_write_bytecode, "pycache_prefix": sys.pycache_prefix,
    "check_hash_based_pycs": _imp.check_hash_based_pycs,
    "int_max_str_digits": getattr(sys, "get_int_max_str_digits", lambda: None)(),
    "hash": hash("importtrace") if env_seed or not sys.flags.hash_randomization else None,
    "site": "site" in sys.modules, "docstrings": stream.__doc__ is None and json.__doc__ is not None,
    "orig_argv": getattr(sys, "orig_argv", None), "argv": sys.argv, "executable": sys.executable,
    "path0": sys.path[0], "file": __file__,
}, sort_keys=True))
"""

V = sys.version_info
CASES: list[tuple[list[str], dict[str, str]]] = [
    (["-u"], {}),
    (["-B"], {}),
    (["-b"], {}),
    (["-bb"], {}),
    (["-O"], {}),
    (["-OO"], {}),
    (["-E"], {"PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "7"}),
    (["-s"], {}),
    (["-I"], {"PYTHONHASHSEED": "7"}),
    (["-S"], {"PYTHONPATH": SRC}),
    (["-q"], {}),
    (["-d"], {}),
    (["-v"], {}),
    (["-R"], {}),
    ([], {"PYTHONHASHSEED": "123"}),
    (["-i"], {}),
    (["-x"], {}),
    (["-Wdefault"], {}),
    (["-W", "error::DeprecationWarning", "-W", "ignore::UserWarning"], {"PYTHONWARNINGS": "always::ImportWarning"}),
    (["-X", "dev"], {}),
    (["-X", "dev", "-W", "error"], {}),
    (["-bb", "-W", "default::BytesWarning"], {}),
    (["-Xutf8"], {}),
    (["-X", "utf8=0"], {"PYTHONUTF8": "1"}),
    (["--check-hash-based-pycs", "always"], {}),
    (["-X", "pycache_prefix=PYCACHE"], {}),
    (["-X", "importtime"], {}),
    (["-X", "faulthandler", "-X", "tracemalloc=3"], {}),
    (["-uBbO", "-sEWignore", "-Xdev", "--check-hash-based-pycs", "never"], {}),
    *([(["-X", "int_max_str_digits=1000"], {})] if hasattr(sys, "get_int_max_str_digits") else []),
    *([(["-X", "warn_default_encoding"], {})] if V >= (3, 10) else []),
    *([(["-P"], {}), (["-X", "frozen_modules=off"], {}), (["-X", "no_debug_ranges"], {})] if V >= (3, 11) else []),
]


@pytest.mark.parametrize(("options", "env"), CASES, ids=[" ".join(o) + " " + " ".join(e) for o, e in CASES])
def test_the_program_sees_the_interpreter_options_python_gives_it(
    tmp_path: Path, options: list[str], env: dict[str, str]
) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(("this first line is not Python: -x skips it\n" if "-x" in options else "") + PROBE)
    options = [opt.replace("PYCACHE", str(tmp_path / "pyc")) for opt in options]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    environ.update(env)

    def run(traced: list[str]) -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, *options, *traced, "prog.py", "arg"],
            cwd=tmp_path,
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.splitlines()[0])  # type: ignore[no-any-return]

    plain = run([])
    traced = run(["-m", "importtrace", "--format", "jsonl", "-o", "t.jsonl"])
    assert traced == plain
    assert "prog.py" in importtrace.load(tmp_path / "t.jsonl").header["program"]["target"]


def test_python_i_opens_the_programs_prompt_and_no_other(tmp_path: Path) -> None:
    """python -i: after the program, its interactive prompt, in its namespace; importtrace's own
    process must not open a second one."""
    (tmp_path / "prog.py").write_text("x = 42\n")
    session = "print('prompt sees', x)\nimport sys; sys.exit(4)\n"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    runs = [
        subprocess.run(
            [sys.executable, "-i", *traced, "prog.py"],
            cwd=tmp_path,
            env=environ,
            input=session,
            capture_output=True,
            text=True,
            timeout=120,
        )
        for traced in ([], ["-m", "importtrace", "--format", "jsonl", "-o", os.devnull])
    ]
    plain, traced = runs
    assert plain.returncode == traced.returncode == 4
    assert plain.stdout == traced.stdout == "prompt sees 42\n"
    assert traced.stderr == plain.stderr  # one prompt's output, no SystemExit traceback from importtrace


@pytest.mark.parametrize(
    ("argv", "options", "letters"),
    [
        (["python", "-m", "importtrace", "prog.py"], [], ""),
        (["python", "-u", "-m", "importtrace"], ["-u"], "u"),
        (["python", "-uBm", "importtrace"], ["-uB"], "uB"),
        (["python", "-uBmimporttrace"], ["-uB"], "uB"),
        (
            ["python", "-W", "error", "-Wdefault", "-X", "dev", "-Xutf8", "-c", "pass"],
            ["-W", "error", "-Wdefault", "-X", "dev", "-Xutf8"],
            "",
        ),
        (["python", "-bWerror", "-x", "script.py", "-u"], ["-bWerror", "-x"], "bx"),
        (
            ["python", "--check-hash-based-pycs", "always", "-OO", "script.py"],
            ["--check-hash-based-pycs", "always", "-OO"],
            "OO",
        ),
        (["python", "-E", "--", "-script.py"], ["-E"], "E"),
        (["python", "-I", "-", "arg"], ["-I"], "I"),
        (["/venv/bin/python", "/venv/bin/importtrace", "-m", "x"], [], ""),
        (["/usr/bin/python3", "-sE", "/usr/bin/importtrace"], ["-sE"], "sE"),
    ],
)
def test_split_options_reads_a_command_line_as_cpython_does(argv: list[str], options: list[str], letters: str) -> None:
    assert split_options(argv) == (options, letters)


def test_without_a_command_line_the_options_sys_flags_shows_are_rebuilt(tmp_path: Path) -> None:
    """3.9 without /proc: sys.flags, sys.warnoptions and sys._xoptions, less what they imply."""
    code = "import json; from importtrace.run._interpreter import _from_flags; print(json.dumps(_from_flags()))"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    environ["PYTHONWARNINGS"] = "ignore::ImportWarning"
    options = ["-B", "-bb", "-OO", "-s", "-W", "error::UserWarning", "-X", "dev", "-X", "tracemalloc=2"]
    done = subprocess.run(
        [sys.executable, *options, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    rebuilt = json.loads(done.stdout)
    assert rebuilt == ["-B", "-bb", "-OO", "-s", "-Werror::UserWarning", "-X", "dev", "-X", "tracemalloc=2"]
