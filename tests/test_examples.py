"""The teaching examples cannot rot: each examples/NN_topic/ is run through the command line, as its
README says (`python -m importtrace --format story ...`, from examples/), and checked against

* the claims in its README's hidden ``<!-- claims ... -->`` comment: the facts the prose relies on
  (which statements and events happen, what Python is said to have done, what the program prints);
* the output its README shows: every program line, statement, note (and, for a timeline, event
  line) pasted there must still be in the real output, in order, with any number (times, sizes)
  allowed to differ and ``...`` standing for text trimmed away.

Claims, one per line (``#`` starts a comment):

    env: NAME=VALUE | -NAME       for this and later runs (runs start without PYTHONDONTWRITEBYTECODE)
    cd: DIR                       the next run starts in examples/DIR instead of examples/
    run: ARGS                     a run of `python -m importtrace ARGS`; the README must show that command
    status: N                     its exit status (default 0)
    stdout: TEXT                  the program printed a line containing TEXT
    stdout-count: N TEXT          ... exactly N such lines
    stderr: TEXT                  stderr (the report, a traceback) contains TEXT
    story: TEXT                   a statement heading or a note of the story contains TEXT
    story-count: N TEXT           ... exactly N of them
    no-story: TEXT                none does
    line: KIND MODULE [| TEXT]    a timeline line for that event (containing TEXT)
    count: N KIND MODULE          exactly N timeline lines for KIND MODULE
    no-line: KIND MODULE          none
    note: KIND MODULE | TEXT      a note under some line for KIND MODULE contains TEXT

Each example runs in a copy made in tmp_path, so no __pycache__ is left in the source tree and
every first run compiles from source, as it does for a reader trying the example for the first time.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NUMBERED = sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and re.match(r"^\d\d_", p.name))
CLAIMS = re.compile(r"<!--\s*claims\b[^\n]*\n(.*?)-->", re.S)
EVENT = re.compile(r"^\s*\d+\.\d{3}\s+\S+\s+(?:T\d+\s+)?(search|load|hit|reload)\s+(\S+)(.*)$")
KINDS = ("search", "load", "hit", "reload")


@dataclass
class Row:
    """One timeline line and the notes under it."""

    kind: str
    name: str
    text: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Output:
    """A run's output, or the output a README shows: the program's lines and the timeline's rows, or the
    story's items (its headings and notes, each one line however it was wrapped)."""

    program: list[str]
    rows: list[Row]
    items: list[str] = field(default_factory=list)


@dataclass
class Run:
    args: list[str]
    cwd: str
    env: dict[str, str | None]
    claims: list[tuple[str, str]] = field(default_factory=list)


def parse_output(text: str) -> Output:
    """Split text (a terminal's view of a run, or a README's copy of one) into program lines and rows:
    a note is a line starting with '- ' under a row; lines indented under a note continue it."""
    if any(line.startswith("importtrace story") for line in text.splitlines()):
        return parse_story(text)
    program: list[str] = []
    rows: list[Row] = []
    in_report = False
    for line in text.splitlines():
        match = EVENT.match(line)
        if line.startswith("importtrace timeline:") or match:
            in_report = True
        if not in_report:
            if line.strip() and line.strip() != "...":
                program.append(line)
            continue
        if match:
            rows.append(Row(match.group(1), match.group(2), match.group(3).strip()))
        elif rows and line.lstrip().startswith("- "):
            rows[-1].notes.append(line.strip()[2:])
        elif rows and rows[-1].notes and line.startswith(" ") and line.strip() and line.strip() != "...":
            rows[-1].notes[-1] += " " + line.strip()
    return Output(program, rows)


def parse_story(text: str) -> Output:
    """A story's program lines and its items: a heading, or a note ('- ' or '! '); a line indented deeper
    than the item above it continues that item (the width wrapped it)."""
    program: list[str] = []
    items: list[str] = []
    indents: list[int] = []
    in_report = False
    for line in text.splitlines():
        if line.startswith("importtrace story"):
            in_report = True
        if not in_report:
            if line.strip() and line.strip() != "...":
                program.append(line)
            continue
        body = line.strip()
        if not body or body == "...":
            continue
        indent = len(line) - len(line.lstrip())
        if body[:2] not in ("- ", "! ") and items and indent > indents[-1]:
            items[-1] += " " + body
            continue
        items.append(body)
        indents.append(indent)
    return Output(program, [], items)


def norm(text: str) -> str:
    """text with its whitespace collapsed, every number (a time, a size, a count) as #, and the split of
    a time into self and nested time left out (whether nested imports took long enough to show varies)."""
    text = re.sub(r"\d+(?:\.\d+)*(?:ns|us|ms|s\b)?", "#", " ".join(text.split()))
    text = text.replace(", self #", "").replace(": # in its own code, the rest in the imports nested below", "")
    return text.replace(": # in its own code, the rest in the imports below", "")


def like(shown: str, real: str, prefix: bool = False) -> bool:
    """Whether the README's text matches the real text: numbers may differ, '...' stands for anything;
    prefix: the README's text may stop short (a timeline line cut to the terminal's width)."""
    pattern = ".*".join(re.escape(part) for part in re.split(r"\s*\.\.\.\s*", norm(shown)))
    return re.fullmatch(pattern + (".*" if prefix else ""), norm(real)) is not None


def read_claims(readme: str) -> list[Run]:
    match = CLAIMS.search(readme)
    assert match, "the README has no <!-- claims ... --> comment"
    runs: list[Run] = []
    env: dict[str, str | None] = {}
    cwd = ""
    for raw in match.group(1).splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "env":
            if value.startswith("-"):
                env[value[1:]] = None
            else:
                name, _, setting = value.partition("=")
                env[name] = setting
        elif key == "cd":
            cwd = value
        elif key == "run":
            runs.append(Run(shlex.split(value), cwd, dict(env)))
            cwd = ""
        else:
            assert runs, f"claim before any run: {line}"
            runs[-1].claims.append((key, value))
    assert runs, "no run: claim"
    return runs


def shown_outputs(readme: str, runs: list[Run]) -> list[Output | None]:
    """For each run, the output block the README shows after its command (None if it shows none)."""
    blocks = [(m.start(), m.group(1)) for m in re.finditer(r"```text\n(.*?)```", readme, re.S)]
    found: list[Output | None] = []
    position = 0
    for i, run in enumerate(runs):
        command = "python -m importtrace " + shlex.join(run.args)
        at = readme.find(command, position)
        assert at >= 0, f"the README does not show the command {command!r} (in order)"
        position = at + len(command)
        if i + 1 < len(runs):
            after = readme.find("python -m importtrace " + shlex.join(runs[i + 1].args), position)
            end = after if after >= 0 else len(readme)
        else:
            end = len(readme)
        block = next((text for start, text in blocks if position < start < end), None)
        found.append(parse_output(block) if block is not None else None)
    return found


def execute(example: Path, run: Run, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "NO_COLOR", "FORCE_COLOR")}
    for name, value in run.env.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    cwd = workdir / run.cwd if run.cwd else workdir
    return subprocess.run(
        [sys.executable, "-m", "importtrace", *run.args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_claims(run: Run, result: subprocess.CompletedProcess[str], real: Output) -> list[str]:
    """The claims the run breaks, each said in one line."""
    broken: list[str] = []
    status = 0
    for key, value in run.claims:
        if key == "status":
            status = int(value)
        elif key == "stdout":
            if not any(value in line for line in result.stdout.splitlines()):
                broken.append(f"stdout has no line with {value!r}")
        elif key == "stdout-count":
            n, _, text = value.partition(" ")
            got = sum(text in line for line in result.stdout.splitlines())
            if got != int(n):
                broken.append(f"stdout has {got} lines with {text!r}, not {n}")
        elif key == "stderr":
            if value not in result.stderr:
                broken.append(f"stderr does not contain {value!r}")
        elif key in ("story", "no-story", "story-count"):
            n, text = (int(value.split(" ", 1)[0]), value.split(" ", 1)[1]) if key == "story-count" else (0, value)
            got = sum(text in " ".join(item.split()) for item in real.items)
            if key == "story" and not got:
                broken.append(f"no statement or note of the story contains {text!r}")
            elif key == "no-story" and got:
                broken.append(f"the story has {got} statements or notes with {text!r}")
            elif key == "story-count" and got != n:
                broken.append(f"the story has {got} statements or notes with {text!r}, not {n}")
        elif key in ("line", "note", "count", "no-line"):
            spec, _, text = value.partition("|")
            words = spec.split()
            if key == "count":
                n, kind, name = int(words[0]), words[1], words[2]
            else:
                kind, name = words[0], words[1]
            assert kind in KINDS, f"bad event kind in claim {key}: {value}"
            rows = [r for r in real.rows if r.kind == kind and r.name == name]
            text = text.strip()
            if key == "count" and len(rows) != n:
                broken.append(f"{len(rows)} {kind} lines for {name}, not {n}")
            elif key == "no-line" and rows:
                broken.append(f"a {kind} line for {name}: {rows[0].text}")
            elif key == "line" and not any(text in r.text for r in rows):
                broken.append(f"no {kind} line for {name}" + (f" containing {text!r}" if text else ""))
            elif key == "note" and not any(text in " ".join(n.split()) for r in rows for n in r.notes):
                broken.append(f"no note under {kind} {name} containing {text!r}")
        else:
            broken.append(f"unknown claim {key!r}")
    if result.returncode != status:
        broken.append(f"exit status {result.returncode}, not {status}")
    return broken


def check_shown(shown: Output, result: subprocess.CompletedProcess[str], real: Output) -> list[str]:
    """What the README shows that the real output does not have."""
    broken: list[str] = []
    printed = result.stdout.splitlines() + result.stderr.splitlines()  # a terminal shows both
    for line in shown.program:
        if sys.version_info < (3, 11) and line.strip() and not line.strip().strip("^~"):
            continue  # a traceback's ^^^^ line: Python prints it from 3.11 on
        if not any(like(line, got) for got in printed):
            broken.append(f"program output line not printed: {line!r}")
    position = 0
    for item in shown.items:
        at = next((i for i in range(position, len(real.items)) if like(item, real.items[i])), None)
        if at is None:
            broken.append(f"story line not in the output (in this order): {item!r}")
        else:
            position = at + 1
    position = 0
    for row in shown.rows:
        for i in range(position, len(real.rows)):
            got = real.rows[i]
            if got.kind == row.kind and got.name == row.name and like(row.text, got.text, prefix=True):
                position = i + 1
                for note in row.notes:
                    if not any(like(note, n) for n in got.notes):
                        broken.append(f"note under {row.kind} {row.name} not in the output: {note!r}")
                break
        else:
            broken.append(f"event line not in the output (in this order): {row.kind} {row.name} {row.text}")
    return broken


@pytest.mark.parametrize("example", NUMBERED, ids=[p.name for p in NUMBERED])
def test_example(example: Path, tmp_path: Path) -> None:
    readme = (example / "README.md").read_text(encoding="utf-8")
    runs = read_claims(readme)
    shown = shown_outputs(readme, runs)
    workdir = tmp_path / "examples"
    shutil.copytree(example, workdir / example.name, ignore=shutil.ignore_patterns("__pycache__"))
    problems: list[str] = []
    for run, block in zip(runs, shown):
        result = execute(example, run, workdir)
        real = parse_output(result.stderr)
        where = "python -m importtrace " + shlex.join(run.args)
        problems.extend(f"{where}: {p}" for p in check_claims(run, result, real))
        if block is not None:
            problems.extend(f"{where}: README shows {p}" for p in check_shown(block, result, real))
    assert not problems, "\n".join(problems)


def test_examples_exist_and_are_all_in_the_index() -> None:
    assert len(NUMBERED) >= 18
    index = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for example in NUMBERED:
        assert f"({example.name}/)" in index, f"examples/README.md does not link {example.name}/"
        assert (example / "README.md").exists()
        runs = [example / "main.py", *example.glob("*/__main__.py")]  # a script, or a package for -m
        assert any(path.exists() for path in runs), f"{example.name} has no main.py and no package with __main__.py"


# --- the checker itself: it must catch what it is there to catch -------------------------------------------

REAL = """\
hello
importtrace timeline: 2 events in 0.500 ms, Python 3.12.1
 time     took  event   module
0.007    579us  load    __main__  source, self 304us
                        - the whole program runs in 579us: 304us in its own code
0.195     81us  search    shapes  found by PathFinder: shapes.py
                          - Python looks through sys.path in order: found in [1] the script's
                            folder: shapes.py
-- 1 search, 1 load, 0 cache hits, 0 reloads
"""


def test_the_checker_accepts_other_numbers_wrapping_and_trimming() -> None:
    real = parse_output(REAL.replace("\n                            folder", " folder"))
    result = subprocess.CompletedProcess([], 0, "hello\n", REAL)
    shown = parse_output(REAL.replace("579us", "1.2ms").replace("Python looks", "Python ... looks"))
    assert check_shown(shown, result, real) == []
    assert real.rows[1].notes == ["Python looks through sys.path in order: found in [1] the script's folder: shapes.py"]


def test_the_checker_rejects_changed_facts() -> None:
    real = parse_output(REAL)
    result = subprocess.CompletedProcess([], 0, "hello\n", REAL)
    assert check_shown(parse_output(REAL.replace("[1] the script's", "[1] the current")), result, real)
    assert check_shown(parse_output(REAL.replace("search    shapes", "search    circles")), result, real)
    assert check_shown(parse_output(REAL.replace("hello", "goodbye")), result, real)
    run = Run([], "", {}, [("note", "search shapes | found in [2]"), ("count", "2 load __main__")])
    assert len(check_claims(run, result, real)) == 2


STORY = """\
hello
importtrace story of 01_first_import/main.py (Python 3.12.1, 1.871 ms)
main.py line 4: import greet
  - found in [1] the script's folder: greet.py
  - first import: Python made a new module object, added it to sys.modules and ran greet.py in it,
    top to bottom (179us)
  ! its code raised ZeroDivisionError: division by zero
-- 1 search, 2 loads, 1 cache hit, 0 reloads
"""


def test_the_story_checker_accepts_other_numbers_wrapping_and_trimming() -> None:
    real = parse_output(STORY.replace("\n    top to bottom", " top to bottom"))
    assert real.items[3] == (
        "- first import: Python made a new module object, added it to sys.modules and ran greet.py in it, "
        "top to bottom (179us)"
    )
    result = subprocess.CompletedProcess([], 0, "hello\n", STORY)
    shown = parse_output(STORY.replace("179us", "2.1ms").replace("Python made", "Python ... made"))
    assert check_shown(shown, result, real) == []
    run = Run(
        [], "", {}, [("story", "line 4: import greet"), ("story-count", "1 ZeroDivisionError"), ("no-story", "x")]
    )
    assert check_claims(run, result, real) == []


def test_the_story_checker_rejects_changed_facts() -> None:
    real = parse_output(STORY)
    result = subprocess.CompletedProcess([], 0, "hello\n", STORY)
    assert check_shown(parse_output(STORY.replace("[1] the script's", "[1] the current")), result, real)
    assert check_shown(parse_output(STORY.replace("import greet", "import shapes")), result, real)
    assert check_shown(parse_output(STORY.replace("! its code", "- its code")), result, real)
    run = Run([], "", {}, [("story", "import shapes"), ("no-story", "greet.py"), ("story-count", "2 first import")])
    assert len(check_claims(run, result, real)) == 3
