"""--explain: the plain-language notes, on real traces of modules built in tmp_path (fake clock), on
hand-made events for what a library trace cannot show (__main__, built-in modules), and through the
command line (run and show).

The golden file tests/golden/learn.timeline-explain.txt shows every kind of note at once; set
IMPORTTRACE_UPDATE_GOLDEN=1 to rewrite it after a deliberate change.
"""

from __future__ import annotations

import importlib
import os
import py_compile
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest

import importtrace
from importtrace import Event, Trace
from importtrace.renderers import RenderError, render
from importtrace.renderers.explain import Explainer, explain

from .conftest import Project, golden

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
    path = [str(root), STD, os.path.join(STD, "lib-dynload"), SITE]
    for d in events:
        if d["where"] and d["where"].startswith(__file__):
            d["where"] = "<test>:1"
        if d.get("sys_path") is not None:
            d["sys_path"] = header.get("path", path)
    base = {
        "python": "3.x",
        "cwd": str(root),
        "argv": ["runner"],
        "duration": trace.duration,
        "path": path,
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
        "found by PathFinder: Python's finder for files, which searches sys.path's folders",
        "Python tries the built-in and frozen modules, then each sys.path folder in order, and takes the first that "
        "has greet: found in [1] the current folder: greet.py",
    ]


def test_a_concept_is_explained_in_full_once_then_in_a_few_words(learn: Trace) -> None:
    explainer = Explainer(learn)
    searches = [e for e in learn if e.kind == "search" and e.found and e.path is None]
    first, second = (explainer.notes([e])[-1].text for e in searches[:2])
    assert first.startswith("Python tries the built-in and frozen modules, then each sys.path folder in order")
    assert second == "found in [1] the current folder: %s.py" % searches[1].name
    loads = [e for e in learn if e.kind == "load" and e.name in ("greet", "colorsys")]
    texts = [[n.text for n in explainer.notes([e])] for e in loads]
    assert texts[0][0].startswith("first import: Python made a new module object, added it to sys.modules")
    assert texts[1][0].startswith("ran colorsys.py (") and "compiled, not saved: PYTHONDONTWRITEBYTECODE" in texts[1][0]
    assert len(texts[1]) < len(texts[0])


def test_jargon_of_the_timeline_is_explained_once(learn: Trace) -> None:
    text = render(learn, "timeline", explain=True)
    assert text.count("found by PathFinder: Python's finder for files") == 1
    assert text.count("self, on the line above: the time in the module's own code") == 1
    story = render(learn, "story")
    assert "Python's finder for files" not in story and "self, on the line above" not in story  # no such words there


def test_search_in_a_later_place_names_the_places_before_it(project: Project, fake_clock: Callable[[], int]) -> None:
    extra = project.root / "lib"
    project.write({"lib/later.py": "X = 1\n"})
    sys.path.insert(1, str(extra))
    with importtrace.trace(clock=fake_clock) as t:
        import later  # noqa: F401
    trace = stable(t.trace, project.root, path=[str(project.root), str(extra), STD])
    assert notes_of(trace, "search", "later")[-1].endswith(
        "takes the first that has later: not in [1] the current folder; found in [2] lib: later.py"
    )


def test_a_search_counts_the_places_of_sys_path_as_it_was_then(project: Project) -> None:
    """The program put a folder and a zip file on sys.path: the failed search names all 2 + N places."""
    project.write({"extra/x.py": ""})
    zipped = project.root / "deps.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("dep.py", "")
    start = len(sys.path)
    with importtrace.trace(explain=True) as t:
        sys.path.insert(0, str(project.root / "extra"))
        sys.path.insert(0, str(zipped))
        try:
            import not_anywhere  # noqa: F401
        except ImportError:
            pass
    search = next(e for e in t.events if e.name == "not_anywhere")
    assert search.sys_path is not None and len(search.sys_path) == start + 2
    notes = notes_of(t.trace, "search", "not_anywhere")
    assert notes[0].startswith("sys.path had changed by then (the program changed it): added [1] ")
    assert "deps.zip, [2] " in notes[0] and notes[0].endswith("extra (the other places are numbered from there on)")
    assert "none of the %d places on sys.path" % (start + 2) in notes[1]


def test_a_namespace_package_names_the_folders_of_its_path(project: Project) -> None:
    project.write({"a/nsp/one.py": "", "b/nsp/two.py": ""})
    sys.path[:0] = [str(project.root / "a"), str(project.root / "b")]
    with importtrace.trace(explain=True) as t:
        import nsp.one  # noqa: F401
    search = next(e for e in t.events if e.kind == "search" and e.name == "nsp")
    assert search.namespace_path == [str(project.root / "a" / "nsp"), str(project.root / "b" / "nsp")]
    (note,) = [n for n in notes_of(t.trace, "search", "nsp") if "namespace" in n]
    assert note.startswith("nsp is a namespace package: ")
    assert "a/nsp (in [1]" in note and "b/nsp (in [2]" in note
    assert note.endswith(
        "have no __init__.py, so there is no code to run; its __path__ is all 2 folders, and its "
        "submodules may be in any"
    )


def test_a_submodule_is_searched_in_its_package_path_only_without_sys_path_numbers(learn: Trace) -> None:
    note = notes_of(learn, "search", "shop.cart")[-1]
    assert note == "shop.cart is in the package shop, so Python looks only in shop.__path__ (shop): found cart.py"
    assert "[" not in note  # [n] numbers sys.path, and nothing else


def test_a_local_file_with_a_standard_library_name_is_a_shadowing_warning(learn: Trace) -> None:
    notes = Explainer(learn).notes([e for e in learn if e.kind == "search" and e.name == "colorsys"])
    assert [n.warn for n in notes] == [False, False, True]
    assert notes[2].text.startswith("shadowing: colorsys is also the name of a standard-library module, but [1] ")
    assert "every `import colorsys` in this program gets this file instead" in notes[2].text


def test_no_shadowing_warning_for_the_standard_library_itself_or_other_names(learn: Trace) -> None:
    header, events = learn.to_dicts()
    search = next(d for d in events if d["kind"] == "search" and d["name"] == "colorsys")
    search["origin"] = os.path.join(STD, "colorsys.py")
    in_stdlib = Trace.from_dicts(header, [search])
    assert not any("shadowing" in n for n in notes_of(in_stdlib, "search", "colorsys"))
    assert "found in [2] the standard library: colorsys.py" in notes_of(in_stdlib, "search", "colorsys")[-1]
    assert not any("shadowing" in n for n in notes_of(learn, "search", "greet"))
    # a standard-library name found *after* the standard library: the standard library did not have it
    local = os.path.join(learn.header["path"][0], "colorsys.py")
    path = [STD, learn.header["path"][0]]
    late = Trace.from_dicts(dict(header, path=path), [dict(search, origin=local, sys_path=path)])
    notes = notes_of(late, "search", "colorsys")
    assert "not in [1] the standard library; found in [2] the current folder: colorsys.py" in notes[-1]
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
    (note,) = [n for n in notes_of(t.trace, "search", "toolkit") if n.startswith("shadowing")]
    index = sys.path.index(str(site)) + 1
    assert note.startswith(
        "shadowing: there is another toolkit in [%d] installed packages: toolkit/__init__.py, but [1] " % index
    )
    assert note.endswith(
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
    assert notes[1] == "so the import raises ModuleNotFoundError: No module named 'not_installed'"


def test_a_from_list_name_that_is_no_submodule_is_not_said_to_raise_module_not_found(project: Project) -> None:
    project.write({"pk/__init__.py": "VERSION = 1\n"})
    with importtrace.trace(explain=True) as t:
        try:
            from pk import nothing  # type: ignore[attr-defined]  # noqa: F401
        except ImportError as exc:
            raised = exc
    assert type(raised) is ImportError and "cannot import name 'nothing'" in str(raised)
    notes = notes_of(t.trace, "search", "pk.nothing")
    assert not any("ModuleNotFoundError: No module named" in n for n in notes)
    assert "Python tried this because nothing is not an attribute of pk; it drops this ModuleNotFoundError" in notes[1]
    assert "so `from pk import nothing` raises ImportError (cannot import name 'nothing')" in notes[1]


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
        "first import: Python made a new module object, added it to sys.modules and ran greet.py in it, top to "
        "bottom (%s)" % importtrace.renderers._text.took(load.duration)
    )
    assert notes[1] == (
        "no __pycache__ file yet, so Python compiled greet.py to bytecode; it did not save it: "
        "sys.dont_write_bytecode is set (PYTHONDONTWRITEBYTECODE or python -B)"
    )


def test_a_package_runs_its_init_first(learn: Trace) -> None:
    notes = joined(notes_of(learn, "load", "shop"))
    assert "ran shop/__init__.py in it" in notes
    assert "shop is a package: its __init__.py runs first, before any of its submodules" in notes
    assert "of it in its own code" in notes  # shop's __init__ imported shop.prices
    assert "a submodule: its package shop.util was imported first" in joined(notes_of(learn, "load", "shop.util.money"))


def test_a_failed_load_is_taken_out_of_sys_modules(learn: Trace) -> None:
    notes = Explainer(learn).notes([learn.first_load("broken")])  # type: ignore[list-item]
    assert (
        "its code raised ZeroDivisionError: division by zero, so the import failed: Python took broken "
        "out of sys.modules again, and a later import starts over with a new search",
        True,
    ) == notes[-1][:2]


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
    assert "no __pycache__ file yet, so Python compiled bc.py to bytecode" in found[0]
    if dont_write:
        assert "it did not save it: sys.dont_write_bytecode is set (PYTHONDONTWRITEBYTECODE or python -B)" in found[0]
        assert "no __pycache__ file yet" in found[1]
        assert "no __pycache__ file yet" in found[2]
    else:
        assert "and saved it as __pycache__/bc.%s.pyc, for the next run" % sys.implementation.cache_tag in found[0]
        assert (
            "bytecode from __pycache__/bc.%s.pyc: it records bc.py's modification time and size, both still the "
            "same, so nothing was compiled" % sys.implementation.cache_tag in found[1]
        )
        assert (
            "__pycache__/bc.%s.pyc records another modification time or size for bc.py than it has now, so Python "
            "compiled bc.py again and saved it" % sys.implementation.cache_tag in found[2]
        )
        assert "changed since" not in found[2]


def _write_same_second(path: Path, text: str, cache: str) -> None:
    """Edit path to text of the same size, modified after its cache file was written but in the second the
    cache records (times set by hand, as an editor saving twice within a second would leave them)."""
    recorded = int.from_bytes(Path(cache).read_bytes()[8:12], "little")  # the source's whole seconds in the pyc
    os.utime(cache, ns=(recorded * 10**9 + 100, recorded * 10**9 + 100))
    assert len(text) == path.stat().st_size
    path.write_text(text)
    os.utime(path, ns=(recorded * 10**9 + 200, recorded * 10**9 + 200))


def test_a_reload_that_ran_the_old_bytecode_says_so(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    project.write({"conf2.py": "COLOR = 'red'\n"})
    past = (int(time.time()) - 100) * 10**9
    os.utime(project.root / "conf2.py", ns=(past, past))
    import conf2

    _write_same_second(project.root / "conf2.py", "COLOR = 'blu'\n", conf2.__cached__)
    with importtrace.trace(explain=True) as t:
        importlib.reload(conf2)
    assert conf2.COLOR == "red"  # really the old code: Python's check saw nothing to recompile
    (reload,) = t.trace.of_kind("reload")
    assert (reload.bytecode, reload.pyc_check, reload.source_newer) == ("cached", "timestamp", True)
    notes = Explainer(t.trace).notes([reload])
    warning = next(n for n in notes if "OLD bytecode" in n.text)
    assert warning.warn
    assert warning.text == (
        "Python ran the OLD bytecode in __pycache__/conf2.%s.pyc: conf2.py was modified after that file was "
        "written, but in the same second and to the same size, and Python's check compares only the "
        "modification time (in whole seconds) and the size, so it does not see the edit" % sys.implementation.cache_tag
    )
    assert not any("set to the same value again" in n.text for n in notes)


def test_a_reload_after_a_real_edit_compiles_and_says_what_changed(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    project.write({"conf3.py": "COLOR = 'red'\n"})
    import conf3

    project.write({"conf3.py": "COLOR = 'green'\n"})
    with importtrace.trace(explain=True) as t:
        importlib.reload(conf3)
    assert conf3.COLOR == "green"
    text = joined([n.text for n in Explainer(t.trace).notes(t.trace.of_kind("reload"))])
    assert "records another modification time or size for conf3.py than it has now" in text
    assert "OLD bytecode" not in text


def test_a_read_only_folder_saves_no_bytecode(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    project.write({"ro/rom.py": "X = 1\n"})
    folder = project.root / "ro"
    sys.path.insert(0, str(folder))
    folder.chmod(0o555)
    try:
        with importtrace.trace(explain=True) as t:
            import rom  # noqa: F401
    finally:
        folder.chmod(0o755)
    assert not (folder / "__pycache__").exists()
    (load,) = [e for e in t.events if e.kind == "load" and e.name == "rom"]
    assert load.pyc_write == "read-only"
    note = next(n for n in Explainer(t.trace).notes([load]) if "__pycache__" in n.text)
    assert note.warn and "but that folder is read-only, so no file was written" in note.text
    assert "saved" not in note.text


def test_a_cache_that_cannot_be_written_is_not_said_to_be_saved(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    project.write({"blocked/bm.py": "X = 1\n", "blocked/__pycache__": "a file where Python wants a folder\n"})
    sys.path.insert(0, str(project.root / "blocked"))
    with importtrace.trace(explain=True) as t:
        import bm  # noqa: F401
    (load,) = [e for e in t.events if e.kind == "load" and e.name == "bm"]
    assert (load.bytecode, load.pyc_write) == ("compiled", "failed")
    note = next(n for n in Explainer(t.trace).notes([load]) if "__pycache__" in n.text)
    assert (
        note.warn
        and "it tried to save it as __pycache__/bm.%s.pyc, but no file was written" % sys.implementation.cache_tag
        in note.text
    )


def test_pycache_prefix_saves_the_bytecode_elsewhere(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pyc"))
    project.write({"pref.py": "X = 1\n"})
    with importtrace.trace(explain=True) as t:
        import pref  # noqa: F401
    (load,) = [e for e in t.events if e.kind == "load" and e.name == "pref"]
    assert load.pyc is not None and load.pyc.startswith(str(tmp_path / "pyc")) and os.path.exists(load.pyc)
    assert not (project.root / "__pycache__").exists()
    assert t.trace.header["pycache_prefix"] == str(tmp_path / "pyc")
    note = joined(notes_of(t.trace, "load", "pref"))
    saved = "no cache file yet, so Python compiled pref.py to bytecode and saved it as %s (under sys.pycache_prefix"
    assert saved % load.pyc in note
    assert "__pycache__" not in note


def test_hash_based_pycs_say_what_is_checked(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write({"hashed1.py": "X = 1\n", "unchecked1.py": "X = 1\n"})
    for name, mode in (("hashed1", "CHECKED_HASH"), ("unchecked1", "UNCHECKED_HASH")):
        py_compile.compile(
            str(project.root / (name + ".py")), invalidation_mode=getattr(py_compile.PycInvalidationMode, mode)
        )
    with importtrace.trace(explain=True) as t:
        import hashed1  # noqa: F401
        import unchecked1  # noqa: F401
    assert "the hash of hashed1.py's text it records still matches" in joined(notes_of(t.trace, "load", "hashed1"))
    assert "used without looking at unchecked1.py (an unchecked hash-based .pyc)" in joined(
        notes_of(t.trace, "load", "unchecked1")
    )


def test_without_explain_recorded_there_are_no_bytecode_notes(project: Project) -> None:
    project.write({"plainbc.py": "X = 1\n"})
    with importtrace.trace() as t:
        import plainbc  # noqa: F401
    assert t.trace.header["explain"] is False
    assert "__pycache__" not in joined(notes_of(t.trace, "load", "plainbc"))
    text = render(t.trace, "timeline", explain=True)
    assert (
        "(recorded without --explain or importtrace.trace(explain=True): where each module's bytecode came from, "
        "and the statements as written, are not known)" in text
    )
    assert "saves it" not in text and "saved" not in text


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


def test_from_import_of_a_submodule_not_yet_an_attribute_imports_it(project: Project) -> None:
    """The package is loaded, the submodule is not an attribute of it yet: Python searches and loads it, so
    the note must not say that nothing is searched or run."""
    project.write({"shp/__init__.py": "", "shp/catalog.py": "ITEMS = []\n", "shp/prices.py": "", "shp/checkout.py": ""})
    import shp  # noqa: F401

    with importtrace.trace(explain=True) as t:
        from shp import catalog
    notes = joined(notes_of(t.trace, "hit", "shp"))
    assert "nothing is searched or run" not in notes
    assert "catalog is not an attribute of shp yet, so Python imports the submodule shp.catalog (below)" in notes
    assert [e.kind for e in t.events] == ["hit", "search", "load"]
    with importtrace.trace(explain=True) as again:
        from shp import catalog  # noqa: F401
    assert "nothing is searched or run" in joined(notes_of(again.trace, "hit", "shp"))


def test_relative_from_import_of_a_submodule_not_yet_an_attribute(project: Project) -> None:
    project.write({"rel/__init__.py": "", "rel/a.py": "from . import b\n", "rel/b.py": ""})
    import rel

    with importtrace.trace(explain=True) as t:
        import rel.a  # noqa: F401
    notes = joined(notes_of(t.trace, "hit", "rel"))
    assert "b is not an attribute of rel yet, so Python imports the submodule rel.b (below)" in notes
    assert "nothing is searched or run" not in notes


def test_star_import_of_a_package_whose_all_names_a_submodule(project: Project) -> None:
    project.write({"sp/__init__.py": "__all__ = ['sub']\n", "sp/sub.py": ""})
    import sp  # noqa: F401

    namespace: dict[str, object] = {}
    with importtrace.trace(explain=True) as t:
        exec("from sp import *", namespace)
    assert "sub" in namespace
    notes = joined(notes_of(t.trace, "hit", "sp"))
    assert "sub is not an attribute of sp yet, so Python imports the submodule sp.sub (below)" in notes
    assert "`*` copied the names listed in sp.__all__ into" in notes and ": sub" in notes


def test_star_import_on_a_first_import_says_what_it_bound(project: Project) -> None:
    project.write(
        {
            "shapes2.py": "__all__ = ['PI', 'area']\nPI = 3.14\nSECRET = 1\n\ndef area(r):\n    return PI * r * r\n",
            "plain2/__init__.py": "import math\nTAU = 6.28\n_hidden = 1\n",
            "plain2/loaded.py": "",
            "plain2/left.py": "",
            "star_user.py": "import plain2.loaded\nfrom shapes2 import *\nfrom plain2 import *\n",
        }
    )
    with importtrace.trace(explain=True) as t:
        import star_user
    assert sorted(n for n in vars(star_user) if not n.startswith("_")) == [
        "PI",
        "TAU",
        "area",
        "loaded",
        "math",
        "plain2",
    ]
    load = next(e for e in t.events if e.kind == "load" and e.name == "shapes2")
    assert (load.star, load.star_all) == (["PI", "area"], True)
    assert "`*` copied the names listed in shapes2.__all__ into star_user: PI, area" in joined(
        notes_of(t.trace, "load", "shapes2")
    )
    hit = next(e for e in t.events if e.kind == "hit" and e.name == "plain2" and e.fromlist == ["*"])
    assert hit.star_all is False and hit.star_skipped == ["left"] and "left" not in (hit.star or [])
    notes = joined(
        notes_of(t.trace, "hit", "plain2", [h for h in t.events if h.kind == "hit" and h.name == "plain2"].index(hit))
    )
    assert (
        "plain2 has no __all__, so `*` copied every name not starting with _ into star_user: math, TAU, loaded" in notes
    )
    assert "the submodule left is not loaded, so `*` left it out" in notes


def test_import_of_a_dotted_name_and_with_as(project: Project) -> None:
    project.write({"dp/__init__.py": "", "dp/mod.py": ""})
    with importtrace.trace(explain=True) as t:
        import dp.mod  # noqa: F401
        import dp.mod as alias  # noqa: F401
    dotted = joined(notes_of(t.trace, "load", "dp.mod"))
    assert (
        "`import dp.mod` binds only the name dp (the top package) in tests.test_explain; dp.mod is reached through it"
        in dotted
    )
    (hit,) = [e for e in t.events if e.kind == "hit" and e.name == "dp.mod"]
    assert hit.statement == "import dp.mod as alias"
    assert "binds the name alias in tests.test_explain to dp.mod" in joined(notes_of(t.trace, "hit", "dp.mod"))


def test_a_from_list_submodule_is_said_to_be_imported_only_when_it_was_not_loaded(project: Project) -> None:
    project.write({"fl/__init__.py": "", "fl/sub.py": "", "fl/other.py": ""})
    with importtrace.trace(explain=True) as t:
        import fl.sub  # noqa: F401
        from fl import other, sub  # noqa: F401
    notes = joined(notes_of(t.trace, "hit", "fl"))
    assert "other is not an attribute of fl yet, so Python imports the submodule fl.other" in notes
    assert "other, sub are the submodules fl.other, fl.sub" in notes
    with importtrace.trace(explain=True) as again:
        from fl import sub  # noqa: F401
    notes = joined(notes_of(again.trace, "hit", "fl"))
    assert "not an attribute" not in notes and notes.endswith("sub is the submodule fl.sub")


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


def test_a_module_importing_itself_is_not_called_a_package(project: Project) -> None:
    project.write({"selfie.py": "import selfie\nX = 1\n"})
    with importtrace.trace(explain=True) as t:
        import selfie  # noqa: F401
    notes = joined(notes_of(t.trace, "hit", "selfie"))
    assert "a module importing itself gets its own half-run module" in notes
    assert "package" not in notes


def test_a_repeated_import_in_a_loop_is_counted(learn: Trace) -> None:
    hit = [e for e in learn if e.kind == "hit" and e.name == "greet" and e.count == 3]
    assert hit, "the loop's three imports are one event counted three times"
    notes = [n.text for n in Explainer(learn).notes(hit)]
    assert (
        "this line ran 3 times (in a loop, or a function called again): each time only a look-up in sys.modules"
        in notes
    )


def test_a_circular_import_names_the_loop_the_missing_names_and_a_fix(learn: Trace) -> None:
    hits = [e for e in learn if e.kind == "hit" and e.name == "eggs" and e.importer == "ham"]
    assert [h.partial for h in hits] == [True, True] and hits[1].missing == ["SPAM"]
    notes = Explainer(learn).notes(hits)
    assert notes[0][:2] == (
        "circular import: eggs is still running its top-level code (eggs imports ham, which imports eggs again), "
        "so ham gets the unfinished module, with only the names it had defined when this import began",
        True,
    )
    assert notes[1].warn and notes[1].text.startswith(
        "not defined yet: SPAM. So `from eggs import SPAM` raises ImportError"
    )
    assert "Fix: `import eggs` and use eggs.SPAM inside a function" in notes[1].text
    assert not any("copies SPAM" in n.text for n in notes)  # nothing was copied: the statement failed
    plain = Explainer(learn).notes(hits[:1])
    assert "ham can use the names eggs had defined by then at once" in plain[1].text
    assert "not at its own top level" not in joined([n.text for n in plain])


def test_names_defined_before_a_circular_import_are_usable(project: Project) -> None:
    """What the circular-import note says, checked against Python: a name defined before the import works."""
    project.write({"early.py": "FIRST = 1\nimport late\nSECOND = 2\n", "late.py": "import early\nGOT = early.FIRST\n"})
    with importtrace.trace(explain=True) as t:
        import early  # noqa: F401
    assert sys.modules["late"].GOT == 1
    assert "can use the names early had defined by then at once" in joined(notes_of(t.trace, "hit", "early"))


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
    assert (
        "pkg is still running its __init__.py: a package importing its own submodules, which is normal and not "
        "a circular-import problem",
        False,
    ) in [n[:2] for n in notes]
    assert not any(n.warn for n in notes)


# --- reloads ---------------------------------------------------------------------------------------


def test_a_reload_says_what_changed_what_survived_and_what_went_stale(learn: Trace) -> None:
    notes = Explainer(learn).notes(learn.of_kind("reload"))
    texts = [n.text for n in notes]
    assert texts[0] == (
        "importlib.reload ran conf.py again, in the same module object: no new module is made, so "
        "every `import conf` elsewhere sees the new code at once"
    )
    assert texts[1].startswith("no __pycache__ file yet, so Python compiled conf.py")
    assert texts[2] == "what changed: new names BORDER; new objects for COLOR, shout"
    assert texts[3].startswith("still the very same objects: old. A reload never deletes names")
    assert "a function or class listed here is one the code that ran no longer defines" in texts[3]
    assert texts[4] == "set again by its imports, to the same objects: os"
    assert notes[5].warn and texts[5].startswith(
        "stale: user.COLOR, user.shout still hold the old objects, because `from conf import ...` copied them"
    )
    assert texts[5].endswith("Use `import conf` and write conf.COLOR to always get the current one")


def test_a_reload_of_a_package_does_not_run_its_submodules_again(project: Project) -> None:
    project.write({"rp/__init__.py": "from . import part\nN = 1\n", "rp/part.py": "print('part runs')\n"})
    import rp

    with importtrace.trace(explain=True) as t:
        importlib.reload(rp)
    assert not any(e.kind == "load" for e in t.events)
    assert "its submodule rp.part did not run again: a reload runs only rp's own code" in joined(
        [n.text for n in Explainer(t.trace).notes(t.trace.of_kind("reload"))]
    )


def test_a_reload_search_outside_the_recorded_sys_path_says_so(learn: Trace) -> None:
    header = dict(learn.header, path=[STD])
    _, events = learn.to_dicts()
    for d in events:
        d.pop("sys_path", None)
    trace = Trace.from_dicts(header, events)
    notes = notes_of(trace, "search", "conf", 1)
    assert notes[0] == "a reload first looks for the module's file again, then runs what it finds"
    assert notes[-1].endswith(
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
        'app.py is the program: Python runs it as the module __main__, not as app, so __name__ == "__main__" is '
        "true in it, and false in every module it imports"
    )
    assert "block runs" not in notes[0]  # the program may have no such block
    assert notes[1].startswith("the whole program took 100ns: 40ns in app.py itself, the rest in the imports below")
    module = notes_of(main_trace("module", "/work/app.py"), "load", "__main__")[0]
    assert module.startswith("python -m x: Python ran app.py as the module __main__, not as x")
    assert notes_of(main_trace("code", None), "load", "__main__")[0].startswith(
        "the program: the code given with -c runs as the module __main__"
    )


def test_the_compile_time_of_the_script_is_told_apart(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("X = 1\n" * 2000)
    out = subprocess.run(
        [sys.executable, "-m", "importtrace", "--explain", "--format", "jsonl", "-o", "t.jsonl", "main.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    trace = importtrace.load(tmp_path / "t.jsonl")
    compiled = trace.header["program"]["compile"]
    assert isinstance(compiled, int) and compiled > 0
    (note,) = [n for n in notes_of(trace, "load", "__main__") if n.startswith("the whole program took")]
    assert "compiling main.py (the file you run is compiled on every run, never cached)" in note
    assert "running its own code" in note


def test_python_m_a_package_imports_the_package_first(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("print('init ran')\n")
    (tmp_path / "app" / "__main__.py").write_text("from . import helper\nprint(__name__, __spec__.name)\n")
    (tmp_path / "app" / "helper.py").write_text("")
    out = subprocess.run(
        [sys.executable, "-m", "importtrace", "--explain", "-m", "app"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "init ran\n__main__ app.__main__\n"
    text = " ".join(out.stderr.split())
    assert (
        "python -m app: Python imported the package app first (its __init__.py ran: see below), then ran "
        "app/__main__.py as the module __main__, not as app.__main__" in text
    )
    assert "from . import helper by __main__ at app/__main__.py:1" in text  # as written, not `from app import`


def test_relative_imports_under_python_m_are_shown_as_written(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "prices.py").write_text("")
    (tmp_path / "shop" / "checkout.py").write_text("from . import prices\n")
    for flags in ([], ["--explain"]):  # rebuilt from the hit, and read from the bytecode
        out = subprocess.run(
            [sys.executable, "-m", "importtrace", *flags, "-m", "shop.checkout"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert "from . import prices by __main__ at shop/checkout.py:1" in out.stderr
        assert "from shop import prices" not in out.stderr


def test_a_relative_import_in_a_top_level_module_gets_advice_for_it(project: Project) -> None:
    project.write({"toplevel.py": "from . import sibling\n"})
    with importtrace.trace(explain=True) as t:
        with pytest.raises(ImportError, match="no known parent package"):
            import toplevel  # noqa: F401
    notes = joined(notes_of(t.trace, "load", "toplevel"))
    assert "toplevel is a top-level module (found directly in a sys.path folder, not in a package)" in notes
    assert "python -m" not in notes


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
    assert Explainer(trace).place(trace.header["path"], 0) == "[1] /work (the script's folder)"


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
    assert "\x1b[2m" + " " * 24 + "- first import:" in text
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
    with pytest.raises(RenderError, match="explained must be a set"):
        render(learn, "timeline", explain=True, explained=["load"])
    for fmt in ("table", "jsonl", "importtime", "mermaid"):  # timeline, tree and story tell the notes
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


# --- the story and the tree ----------------------------------------------------------------------------


def test_the_story_tells_each_statement_with_what_it_bound_last(learn: Trace) -> None:
    text = render(learn, "story")
    lines = text.splitlines()
    assert lines[0].startswith("importtrace story (Python 3.x")
    assert "<test> line 1: import runner" in lines  # the statements the program ran, nested in runner's load
    heading = lines.index("    runner.py line 5: import shop.cart")
    group = lines[heading + 1 : next(i for i in range(heading + 1, len(lines)) if lines[i].startswith("    r"))]
    assert group[-1] == (
        "      - `import shop.cart` binds only the name shop (the top package) in runner; shop.cart is reached "
        "through it"
    )
    nested = [line for line in group if line.lstrip().startswith("shop/__init__.py line 2")]
    assert nested == ["        shop/__init__.py line 2: from . import prices"]  # inside the load of shop
    assert (
        "      - found in [1] the current folder: shop/__init__.py (a package: a folder with an __init__.py)" in group
    )
    assert "<test> line 1: importlib.reload(conf)" in text
    assert "! not found: not_installed is not built in or frozen" in text  # warnings are marked !
    assert (
        text.count("runner.py line 2: import greet") == 1 and "runner.py line 3: from greet import hello, NAME" in text
    )


def test_the_story_is_shorter_than_the_explained_timeline(learn: Trace) -> None:
    story = render(learn, "story", width=100)
    timeline = render(learn, "timeline", explain=True, width=100)
    assert len(story.splitlines()) < len(timeline.splitlines())
    assert "found by PathFinder" not in story and " took " not in story  # no timeline columns to explain


def test_explain_works_with_the_tree(learn: Trace) -> None:
    text = render(learn, "tree", explain=True)
    assert text != render(learn, "tree")
    lines = text.splitlines()
    assert "self: the time in a module's own code (and finding it); cumul: with everything it imported" in lines
    node = next(i for i, line in enumerate(lines) if line.rstrip().endswith("greet  source, 5 cache hits  greet.py"))
    assert lines[node + 1].endswith("- found in [1] the current folder: greet.py")
    assert lines[node + 2].lstrip("| ").startswith("- ran greet.py (")
    assert any(line.lstrip("| ").startswith("! its code raised ZeroDivisionError") for line in lines)
