"""--explain: the plain-language notes, on real traces of modules built in tmp_path (fake clock), on
hand-made events for what a library trace cannot show (__main__, built-in modules), and through the
command line (run and show).

The golden file tests/golden/learn.timeline-explain.txt shows every kind of note at once; set
IMPORTTRACE_UPDATE_GOLDEN=1 to rewrite it after a deliberate change.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

import importtrace
from importtrace import Event, Trace
from importtrace._explain import Explainer, explain
from importtrace.renderers import RenderError, render

from .conftest import Project

GOLDEN = Path(__file__).parent / "golden"
STD = os.path.join(os.sep, "opt", "python", "lib", "python3.x")  # a made-up standard library for stable headers
SITE = os.path.join(os.sep, "opt", "venv", "site-packages")

LEARN = {
    "runner.py": """
        import greet
        import greet
        from greet import hello, NAME
        import colorsys
        import shop.cart
        from shop import *
        try:
            import not_installed
        except ImportError:
            pass
        try:
            import broken
        except ZeroDivisionError:
            pass
        import eggs
        for _ in range(3):
            import greet
        """,
    "greet.py": "NAME = 'world'\n\n\ndef hello():\n    return NAME\n",
    "colorsys.py": "SHADOW = True\n",
    "shop/__init__.py": "__all__ = ['cart']\nfrom . import prices\n",
    "shop/prices.py": "EURO = 1\n",
    "shop/cart.py": "from .prices import EURO\nfrom .util.money import fmt\n",
    "shop/util/__init__.py": "",
    "shop/util/money.py": "from ..prices import EURO\n\n\ndef fmt(x):\n    return x\n",
    "broken.py": "RATE = 1 / 0\n",
    "eggs.py": "import ham\nSPAM = 1\n",
    "ham.py": "import eggs\ntry:\n    from eggs import SPAM\nexcept ImportError:\n    pass\n",
    "conf.py": "import os\nCOLOR = 'red'\n\n\ndef shout():\n    return COLOR\n\n\ndef old():\n    return 1\n",
    "user.py": "from conf import COLOR, shout\n",
}
CONF_V2 = "import os\nCOLOR = 'blue'\nBORDER = 2\n\n\ndef shout():\n    return COLOR.upper()\n"


def record_learn(project: Project, fake_clock: Callable[[], int], monkeypatch: pytest.MonkeyPatch) -> Trace:
    """A trace with every kind of note: searches (found, shadowing, failed), loads (module, package,
    submodule, failed), hits (import, from, *, relative, circular, repeated) and a reload with survivors
    and stale bindings.  No bytecode is written, so every load is 'compiled'."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    sys.modules.pop("colorsys", None)
    project.write(LEARN)
    with importtrace.trace(clock=fake_clock, explain=True) as t:
        import runner  # noqa: F401
        import user  # noqa: F401

        project.write({"conf.py": CONF_V2})
        importlib.reload(sys.modules["conf"])
    return stable(t.trace, project.root)


def stable(trace: Trace, root: Path, **header: Any) -> Trace:
    """trace with a header that is the same on every machine (sys.path: the project, then a made-up
    standard library and site-packages), and this file's lines as <test>."""
    _, events = trace.to_dicts()
    for d in events:
        if d["where"] and d["where"].startswith(__file__):
            d["where"] = "<test>:1"
    base = {
        "python": "3.x",
        "cwd": str(root),
        "argv": ["runner"],
        "duration": trace.duration,
        "path": [str(root), STD, os.path.join(STD, "lib-dynload"), SITE],
        "stdlib": STD,
        "site_packages": [SITE],
        "dont_write_bytecode": True,
        "explain": True,
        "preloaded": ["os", "sys"],
    }
    base.update(header)
    return Trace.from_dicts(base, events)


@pytest.fixture
def learn(project: Project, fake_clock: Callable[[], int], monkeypatch: pytest.MonkeyPatch) -> Trace:
    return record_learn(project, fake_clock, monkeypatch)


def notes_of(trace: Trace, kind: str, name: str, nth: int = 0) -> list[str]:
    """The notes of the nth event of kind about module name."""
    events = [e for e in trace.events if e.kind == kind and e.name == name]
    assert len(events) > nth, f"no {kind} event #{nth} for {name}: {events}"
    return [n.text for n in Explainer(trace).notes([events[nth]])]


def joined(notes: list[str]) -> str:
    return "\n".join(notes)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("IMPORTTRACE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with IMPORTTRACE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


# --- the whole timeline ----------------------------------------------------------------------------


def test_golden_explained_timeline(learn: Trace) -> None:
    golden("learn.timeline-explain.txt", render(learn, "timeline", explain=True))


def test_the_scenario_has_what_the_golden_file_shows(learn: Trace) -> None:
    kinds = {(e.kind, e.name) for e in learn}
    assert {("search", "colorsys"), ("load", "shop.util.money"), ("reload", "conf")} <= kinds
    assert [e.name for e in learn.failed()] == ["not_installed", "broken"]
    assert {target for _, target in learn.cycles()} == {"eggs"}
    reload = learn.of_kind("reload")[0]
    assert reload.added == ["BORDER"] and "old" in reload.unchanged and "os" in reload.unchanged
    assert sorted(reload.stale) == ["user.COLOR", "user.shout"]


def test_explain_off_is_the_plain_timeline_byte_for_byte(learn: Trace) -> None:
    plain = render(learn, "timeline")
    assert render(learn, "timeline", explain=False) == plain
    assert render(learn, "timeline", explain=None) == plain
    explained = render(learn, "timeline", explain=True)
    assert explained != plain
    # the same event lines, in the same order, with notes between them
    rows = [line for line in explained.splitlines() if re.match(r"^\d+\.\d{3} ", line)]
    assert rows == [line for line in plain.splitlines() if re.match(r"^\d+\.\d{3} ", line)]


def test_every_event_line_has_notes_under_it(learn: Trace) -> None:
    lines = render(learn, "timeline", explain=True).splitlines()
    rows = [i for i, line in enumerate(lines) if re.match(r"^\d+\.\d{3} ", line)]
    for i in rows:
        assert lines[i + 1].lstrip().startswith("- "), lines[i]


def test_the_preamble_numbers_sys_path_as_the_notes_do(learn: Trace) -> None:
    text = render(learn, "timeline", explain=True)
    head = text.split(" time ")[0]
    assert "sys.path: where Python looks for a top-level module, in this order" in head
    assert "  [1] . (the current folder)" in head  # the trace's working directory is the project
    assert "  [2] %s (the standard library)" % STD in head
    assert "  [3] %s (the standard library's compiled modules)" % os.path.join(STD, "lib-dynload") in head
    assert "  [4] %s (installed packages)" % SITE in head
    assert "recorded without --explain" not in head


# --- searches --------------------------------------------------------------------------------------


def test_search_says_where_python_looked_and_what_matched(learn: Trace) -> None:
    notes = notes_of(learn, "search", "greet")
    assert notes == [
        "Python looks through sys.path in order and stops at the first place that has greet: found in [1] "
        "the current folder: greet.py"
    ]


def test_search_in_a_later_place_names_the_places_before_it(project: Project, fake_clock: Callable[[], int]) -> None:
    extra = project.root / "lib"
    project.write({"lib/later.py": "X = 1\n"})
    sys.path.insert(1, str(extra))
    with importtrace.trace(clock=fake_clock) as t:
        import later  # noqa: F401
    trace = stable(t.trace, project.root, path=[str(project.root), str(extra), STD])
    assert notes_of(trace, "search", "later") == [
        "Python looks through sys.path in order and stops at the first place that has later: "
        "not in [1] the current folder; found in [2] lib: later.py"
    ]


def test_a_submodule_is_searched_in_its_package_path_only(learn: Trace) -> None:
    (note,) = notes_of(learn, "search", "shop.cart")
    assert note.startswith("shop.cart is in the package shop, so Python looks only in shop.__path__: found in [1] ")
    assert note.endswith("shop: cart.py")


def test_a_local_file_with_a_standard_library_name_is_a_shadowing_warning(learn: Trace) -> None:
    notes = Explainer(learn).notes([e for e in learn if e.kind == "search" and e.name == "colorsys"])
    assert [n.warn for n in notes] == [False, True]
    assert notes[1].text.startswith("shadowing: colorsys is also the name of a standard-library module, but [1] ")
    assert "every `import colorsys` in this program gets this file instead" in notes[1].text


def test_no_shadowing_warning_for_the_standard_library_itself_or_other_names(learn: Trace) -> None:
    header, events = learn.to_dicts()
    search = next(d for d in events if d["kind"] == "search" and d["name"] == "colorsys")
    search["origin"] = os.path.join(STD, "colorsys.py")
    in_stdlib = Trace.from_dicts(header, [search])
    assert not any("shadowing" in n for n in notes_of(in_stdlib, "search", "colorsys"))
    assert "found in [2] the standard library: colorsys.py" in notes_of(in_stdlib, "search", "colorsys")[0]
    assert not any("shadowing" in n for n in notes_of(learn, "search", "greet"))
    # a standard-library name found *after* the standard library: the standard library did not have it
    local = os.path.join(learn.header["path"][0], "colorsys.py")
    late = Trace.from_dicts(dict(header, path=[STD, learn.header["path"][0]]), [dict(search, origin=local)])
    notes = notes_of(late, "search", "colorsys")
    assert "not in [1] the standard library; found in [2] the current folder: colorsys.py" in notes[0]
    assert not any("shadowing" in n for n in notes)


def test_a_local_file_hiding_an_installed_package_is_a_shadowing_warning(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    (site / "toolkit").mkdir(parents=True)
    (site / "toolkit" / "__init__.py").write_text("INSTALLED = True\n")
    (site / "lonely.py").write_text("")
    project.write({"toolkit.py": "LOCAL = True\n", "plain.py": "import toolkit\n"})
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    with importtrace.trace(explain=True) as t:
        import plain  # noqa: F401
    with importtrace.trace() as quiet:
        importlib.reload(sys.modules["plain"])
        import lonely  # noqa: F401
    search = next(e for e in t.events if e.kind == "search" and e.name == "toolkit")
    assert search.shadows == [str(site / "toolkit" / "__init__.py")]
    assert next(e for e in t.events if e.kind == "search" and e.name == "plain").shadows is None
    notes = notes_of(t.trace, "search", "toolkit")
    index = sys.path.index(str(site)) + 1
    assert notes[1].startswith(
        "shadowing: there is another toolkit in [%d] installed packages: toolkit/__init__.py, but [1] " % index
    )
    assert notes[1].endswith(
        "comes first on sys.path, so every `import toolkit` in this program gets this file instead. "
        "Rename the file, unless that is what you want"
    )
    # without explain nothing is listed (a directory listing per sys.path entry is --explain's price)
    assert all(e.shadows is None for e in quiet.events)
    assert Trace.from_dicts(*t.trace.to_dicts()).events[0].shadows == t.events[0].shadows


def test_a_failed_search_says_none_of_the_places_had_it(learn: Trace) -> None:
    notes = notes_of(learn, "search", "not_installed")
    assert notes[0].startswith(
        "not found: not_installed is not built in or frozen, and none of the 4 places on sys.path ([1] "
    )
    assert "[2] the standard library, [3] the standard library's compiled modules, [4] installed packages)" in notes[0]
    assert notes[0].endswith("has not_installed.py, a not_installed folder or a compiled not_installed module")
    assert notes[1].startswith("so the import raises ModuleNotFoundError: No module named 'not_installed'")


def test_built_in_and_frozen_modules_are_answered_before_sys_path() -> None:
    trace = Trace(
        [
            Event(
                id=1,
                kind="search",
                name="itertools",
                start=0,
                duration=1,
                thread=1,
                found=True,
                finder="BuiltinImporter",
                origin="built-in",
                reason="import",
            ),
            Event(
                id=2,
                kind="load",
                name="itertools",
                start=1,
                duration=1,
                thread=1,
                module_type="builtin",
                origin="built-in",
                search=1,
            ),
            Event(
                id=3,
                kind="search",
                name="zipimport",
                start=2,
                duration=1,
                thread=1,
                found=True,
                finder="FrozenImporter",
                origin="frozen",
                reason="import",
            ),
        ],
        {"path": ["/here", STD], "stdlib": STD},
    )
    assert notes_of(trace, "search", "itertools") == [
        "itertools is built into the interpreter. Python asks for built-in modules before it looks at sys.path, "
        "so no folder is searched and no itertools.py can replace it"
    ]
    assert notes_of(trace, "load", "itertools")[0].startswith("first import: a built-in module")
    assert "frozen modules before it looks at sys.path" in notes_of(trace, "search", "zipimport")[0]


# --- loads -----------------------------------------------------------------------------------------


def test_a_load_runs_the_module_code_once_and_says_how_long(learn: Trace) -> None:
    notes = notes_of(learn, "load", "greet")
    load = learn.first_load("greet")
    assert load is not None
    assert notes[0] == (
        "first import: Python makes a new module object, adds it to sys.modules and runs greet.py's "
        "top-level code, top to bottom (%s)" % importtrace.renderers._text.took(load.duration)
    )
    assert notes[1] == (
        "no __pycache__ file yet, so Python compiles greet.py to bytecode first; it does not save it, "
        "because PYTHONDONTWRITEBYTECODE (or python -B) is set"
    )


def test_a_package_runs_its_init_first(learn: Trace) -> None:
    notes = joined(notes_of(learn, "load", "shop"))
    assert "runs shop/__init__.py's top-level code" in notes
    assert "shop is a package: its __init__.py runs first, before any of its submodules" in notes
    assert "the rest in the imports nested below" in notes  # shop's __init__ imported shop.prices
    assert "a submodule: its package shop.util is imported first" in joined(notes_of(learn, "load", "shop.util.money"))


def test_a_failed_load_is_taken_out_of_sys_modules(learn: Trace) -> None:
    notes = Explainer(learn).notes([learn.first_load("broken")])  # type: ignore[list-item]
    assert notes[-1] == (
        "its code raises ZeroDivisionError: division by zero, so the import fails: Python takes broken "
        "out of sys.modules again, and a later import starts over with a new search",
        True,
    )


@pytest.mark.parametrize("dont_write", [False, True])
def test_bytecode_from_the_cache_stale_or_compiled(
    project: Project, monkeypatch: pytest.MonkeyPatch, dont_write: bool
) -> None:
    """Real imports: compiled (and saved, or not), then cached, then stale after the source changed."""
    project.write({"bc.py": "X = 1\n"})
    monkeypatch.setattr(sys, "dont_write_bytecode", dont_write)
    found: list[str] = []
    for source in ("X = 1\n", None, "X = 22\n"):
        if source is not None and found:
            project.write({"bc.py": source})
        sys.modules.pop("bc", None)
        with importtrace.trace(explain=True) as t:
            import bc  # noqa: F401
        found.append(joined(notes_of(t.trace, "load", "bc")))
    assert "no __pycache__ file yet, so Python compiles bc.py to bytecode first" in found[0]
    if dont_write:
        assert "it does not save it, because PYTHONDONTWRITEBYTECODE (or python -B) is set" in found[0]
        assert "no __pycache__ file yet" in found[1]
        assert "no __pycache__ file yet" in found[2]
    else:
        assert "and saves it in __pycache__ for the next run" in found[0]
        assert "bytecode from __pycache__ (compiled before, and still matching bc.py): nothing to compile" in found[1]
        assert "the __pycache__ file is out of date (bc.py changed since), so Python compiles bc.py again" in found[2]


def test_without_explain_recorded_there_are_no_bytecode_notes(project: Project) -> None:
    project.write({"plainbc.py": "X = 1\n"})
    with importtrace.trace() as t:
        import plainbc  # noqa: F401
    assert t.trace.header["explain"] is False
    assert "__pycache__" not in joined(notes_of(t.trace, "load", "plainbc"))
    text = render(t.trace, "timeline", explain=True)
    assert (
        "(recorded without --explain or importtrace.trace(explain=True): where each module's bytecode came from "
        "is not known)" in text
    )


# --- hits ------------------------------------------------------------------------------------------


def test_a_second_import_is_a_look_up(learn: Trace) -> None:
    load = learn.first_load("greet")
    assert load is not None
    notes = notes_of(learn, "hit", "greet")
    assert notes == [
        "already in sys.modules (first imported at %s ms, above), so nothing is searched or run: the import "
        "only looks it up" % importtrace.renderers._text.ms(load.start),
        "`import greet` binds the name greet in runner to the module",
    ]


def test_from_import_copies_names_and_says_reload_does_not_update_them(learn: Trace) -> None:
    notes = notes_of(learn, "hit", "greet", 1)
    assert notes[-1] == (
        "copies hello, NAME into runner: new names for the same objects, which a later reload of greet does not update"
    )


def test_import_star_and_import_of_a_dotted_name(learn: Trace) -> None:
    star = joined(
        notes_of(learn, "hit", "shop", [e.fromlist for e in learn if e.kind == "hit" and e.name == "shop"].index(["*"]))
    )
    assert (
        "`from shop import *` copies the public names of shop into runner: the names in its __all__ if it has one"
        in star
    )
    dotted = [e for e in learn if e.kind == "load" and e.name == "shop.cart"]
    assert dotted  # import shop.cart loaded it; its binding is the top package
    hit = Event(
        id=999,
        kind="hit",
        name="shop.cart",
        start=dotted[0].end or 0,
        duration=1,
        thread=1,
        importer="runner",
        via="import",
    )
    (binding,) = [n for n in Explainer(learn).notes([hit]) if n.text.startswith("`import")]
    assert (
        binding.text
        == "`import shop.cart` binds only the name shop (the top package) in runner; shop.cart is reached through it"
    )


def test_a_from_list_submodule_is_said_to_be_imported_only_when_it_was_not_loaded(project: Project) -> None:
    project.write({"fl/__init__.py": "", "fl/sub.py": "", "fl/other.py": ""})
    with importtrace.trace(explain=True) as t:
        import fl.sub  # noqa: F401
        from fl import other, sub  # noqa: F401
    (note,) = [n for n in notes_of(t.trace, "hit", "fl") if "the submodules" in n]
    assert "other, sub are the submodules fl.other, fl.sub (a from-list imports a submodule that is not loaded" in note
    with importtrace.trace(explain=True) as again:
        from fl import sub  # noqa: F401
    (note,) = [n for n in notes_of(again.trace, "hit", "fl") if "the submodule" in n]
    assert note.endswith("sub is the submodule fl.sub"), note


def test_relative_imports_say_what_the_dots_mean(learn: Trace) -> None:
    own = joined(notes_of(learn, "hit", "shop"))  # from . import prices, in shop/__init__.py
    assert (
        "relative import: the dots count from the importer's package. shop is itself a package "
        "(this is its __init__.py), so `.` means shop" in own
    )
    assert "prices is the submodule shop.prices" in own
    assert "shop is still running its own code (this statement is in it)" in own
    up = joined(notes_of(learn, "hit", "shop.prices", 1))  # from ..prices import EURO, in shop.util.money
    assert "shop.util.money is in the package shop.util, so `..` means shop; each extra dot goes one package up" in up


def test_a_repeated_import_in_a_loop_is_counted(learn: Trace) -> None:
    hit = [e for e in learn if e.kind == "hit" and e.name == "greet" and e.count == 3]
    assert hit, "the loop's three imports are one event counted three times"
    notes = [n.text for n in Explainer(learn).notes(hit)]
    assert "this line runs 3 times (in a loop, or a function called again): a look-up in sys.modules each time" in notes


def test_a_circular_import_names_the_loop_the_missing_names_and_a_fix(learn: Trace) -> None:
    hits = [e for e in learn if e.kind == "hit" and e.name == "eggs" and e.importer == "ham"]
    assert [h.partial for h in hits] == [True, True] and hits[1].missing == ["SPAM"]
    notes = Explainer(learn).notes(hits)
    assert notes[0] == (
        "circular import: eggs is still running its top-level code (eggs imports ham, which imports eggs again), "
        "so ham gets the unfinished module, with only the names defined so far",
        True,
    )
    assert notes[1].warn and notes[1].text.startswith(
        "not defined yet: SPAM. So `from eggs import SPAM` raises ImportError"
    )
    assert "Fix: `import eggs` and use eggs.SPAM inside a function" in notes[1].text
    assert not any("copies SPAM" in n.text for n in notes)  # nothing was copied: the statement failed


def test_a_package_importing_its_own_parts_is_not_called_circular() -> None:
    trace = Trace(
        [
            Event(
                id=1,
                kind="load",
                name="pkg",
                start=0,
                duration=10,
                thread=1,
                module_type="source",
                origin="/p/pkg/__init__.py",
            ),
            Event(
                id=2,
                kind="load",
                name="pkg.a",
                start=1,
                duration=5,
                thread=1,
                parent=1,
                importer="pkg",
                module_type="source",
                origin="/p/pkg/a.py",
            ),
            Event(
                id=3,
                kind="hit",
                name="pkg",
                start=2,
                duration=1,
                thread=1,
                parent=2,
                importer="pkg.a",
                fromlist=["b"],
                level=1,
                partial=True,
                missing=["b"],
            ),
            Event(
                id=4,
                kind="load",
                name="pkg.b",
                start=3,
                duration=1,
                thread=1,
                parent=2,
                importer="pkg.a",
                module_type="source",
                origin="/p/pkg/b.py",
            ),
        ],
        {"path": ["/p"]},
    )
    notes = Explainer(trace).notes([trace.events[2]])
    assert notes[0] == (
        "pkg is still running its __init__.py: a package importing its own submodules, which is normal and not "
        "a circular-import problem",
        False,
    )
    assert not any(n.warn for n in notes)


# --- reloads ---------------------------------------------------------------------------------------


def test_a_reload_says_what_changed_what_survived_and_what_went_stale(learn: Trace) -> None:
    notes = Explainer(learn).notes(learn.of_kind("reload"))
    texts = [n.text for n in notes]
    assert texts[0] == (
        "importlib.reload runs the code of conf again, in the same module object: no new module is made, so "
        "every `import conf` elsewhere sees the new code at once"
    )
    assert texts[1] == "what changed: new names BORDER; new objects for COLOR, shout"
    assert texts[2].startswith("still the very same objects: old. A reload never deletes names")
    assert "Certain for a function or class (def and class always make new objects)" in texts[2]
    assert texts[3] == "set again by its imports, to the same objects: os"
    assert notes[4].warn and texts[4].startswith(
        "stale: user.COLOR, user.shout still hold the old objects, because `from conf import ...` copied them"
    )
    assert texts[4].endswith("Use `import conf` and write conf.COLOR to always get the current one")


def test_a_reload_search_outside_the_recorded_sys_path_says_so(learn: Trace) -> None:
    header = dict(learn.header, path=[STD])
    trace = Trace.from_dicts(header, learn.to_dicts()[1])
    notes = notes_of(trace, "search", "conf", 1)
    assert notes[0] == "a reload first looks for the module's file again, then re-runs what it finds"
    assert notes[1].endswith(
        "in a place that was not on sys.path when the trace started (the program changed sys.path)"
    )


# --- __main__ (the command line's) ------------------------------------------------------------------


def main_trace(mode: str, origin: str | None, twin: bool = False) -> Trace:
    events = [
        Event(
            id=1,
            kind="load",
            name="__main__",
            start=0,
            duration=100,
            self_duration=40,
            thread=1,
            module_type="source" if origin else "builtin",
            origin=origin,
        ),
    ]
    if twin and origin:
        events.append(
            Event(
                id=2,
                kind="load",
                name="app",
                start=10,
                duration=5,
                thread=1,
                parent=1,
                importer="__main__",
                module_type="source",
                origin=origin,
            )
        )
    return Trace(events, {"program": {"mode": mode, "target": "x"}, "path": [os.path.dirname(origin or "/x")]})


def test_the_top_level_file_runs_as_main() -> None:
    notes = notes_of(main_trace("script", "/work/app.py"), "load", "__main__")
    assert notes[0] == (
        'the top-level file: Python runs app.py as the module __main__, not as app. So __name__ is "__main__" '
        'here and its `if __name__ == "__main__":` block runs; in an imported module __name__ is the module\'s '
        "own name and that block is skipped"
    )
    assert notes[1] == "the whole program runs in 100ns: 40ns in its own code, the rest in the imports below"
    assert (
        "started with -m, Python runs app.py as the module __main__"
        in notes_of(main_trace("module", "/work/app.py"), "load", "__main__")[0]
    )
    assert notes_of(main_trace("code", None), "load", "__main__")[0].startswith(
        "the program: the code given with -c runs as the module __main__"
    )


def test_importing_the_top_level_file_by_name_runs_it_twice() -> None:
    trace = main_trace("script", "/work/app.py", twin=True)
    note = Explainer(trace).notes([trace.events[1]])[0]
    assert note.warn
    assert note.text.startswith(
        "app.py is already running as __main__. Importing it by its file's name makes a "
        "second, separate module, app, and runs its code again"
    )


def test_the_script_folder_is_named_as_such() -> None:
    trace = main_trace("script", "/work/app.py")
    assert Explainer(trace).place(0) == "[1] /work (the script's folder)"


# --- display: width, colour, escaping ----------------------------------------------------------------


def test_notes_wrap_to_the_width_and_never_cut_a_module_name(project: Project, fake_clock: Callable[[], int]) -> None:
    long_name = "a_rather_long_module_name_for_a_narrow_terminal"
    project.write({long_name + ".py": "X = 1\n"})
    with importtrace.trace(clock=fake_clock) as t:
        importlib.import_module(long_name)
    trace = stable(t.trace, project.root)
    text = render(trace, "timeline", explain=True, width=60)
    notes = [line for line in text.splitlines() if not re.match(r"^\d+\.\d{3} ", line)]
    assert len(notes) > 10
    for line in notes:  # only an unbreakable word (the name) may make a line longer than the width
        assert len(line) <= 60 or long_name in line, line
    words = " ".join(notes).split()
    assert "has %s: found" % long_name in " ".join(words)
    assert not any(long_name[:12] in w and long_name not in w for w in words)  # never cut


def test_notes_move_left_when_the_nesting_leaves_too_little_room(learn: Trace) -> None:
    text = render(learn, "timeline", explain=True, width=50)
    indents = {len(line) - len(line.lstrip()) for line in text.splitlines() if line.lstrip().startswith("- ")}
    assert max(indents) <= 2


def test_colour_paints_warnings_and_dims_the_rest(learn: Trace) -> None:
    text = render(learn, "timeline", explain=True, color=True)
    assert "\x1b[33m" + " " * 26 + "- shadowing: colorsys" in text
    assert "\x1b[2m" + " " * 26 + "- first import:" in text
    plain = render(learn, "timeline", explain=True)
    assert "\x1b" not in plain


def test_hostile_names_are_escaped_in_notes() -> None:
    evil = "evil\x1b[2J\u202e"
    trace = Trace(
        [
            Event(id=1, kind="search", name=evil, start=0, duration=1, thread=1, found=False, reason="import"),
            Event(id=2, kind="hit", name=evil, start=2, duration=1, thread=1, importer="x\ny", fromlist=["a\x07"]),
        ],
        {"path": ["/tmp/\x1b[31m"]},
    )
    text = render(trace, "timeline", explain=True)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "evil\\x1b[2J\\u202e" in text and "x\\ny" in text and "/tmp/\\x1b[31m" in text


# --- options and entry points -----------------------------------------------------------------------


def test_explain_must_be_a_bool_and_other_formats_accept_it(learn: Trace) -> None:
    with pytest.raises(RenderError, match="explain must be True or False"):
        render(learn, "timeline", explain="yes")
    for fmt in ("tree", "table", "jsonl", "importtime", "mermaid"):
        assert render(learn, fmt, explain=True) == render(learn, fmt)


def test_explain_function_gives_every_event_its_notes(learn: Trace) -> None:
    pairs = explain(learn)
    assert [e for e, _ in pairs] == learn.events
    assert all(notes and all(isinstance(n, str) for n in notes) for _, notes in pairs)


def test_filters_apply_before_the_notes(learn: Trace) -> None:
    text = render(learn, "timeline", explain=True, include=["greet"])
    assert "colorsys" not in text.split(" time ")[1]
    assert "- first import:" in text


def test_show_explain_on_a_saved_trace(learn: Trace, tmp_path: Path) -> None:
    path = tmp_path / "learn.jsonl"
    learn.save(path)
    cmd = [sys.executable, "-m", "importtrace", "show", "--explain", "--color", "never", str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == render(learn, "timeline", explain=True)
    plain = subprocess.run(cmd[:4] + cmd[5:], capture_output=True, text=True, timeout=60)
    assert plain.stdout == render(learn, "timeline")


def test_run_explain_records_bytecode_and_notes(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("X = 1\n")
    (tmp_path / "main.py").write_text("import mod\nimport mod\n")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run(
        [sys.executable, "-m", "importtrace", "--explain", "main.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "- the top-level file: Python runs main.py as the module __main__, not as main." in out.stderr
    assert "- no __pycache__ file yet, so Python compiles mod.py to bytecode first; it does not save it" in out.stderr
    assert "  [1] . (the script's folder)" in out.stderr
