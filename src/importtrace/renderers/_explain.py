"""Plain-language notes for each event of a trace, for learners (``--explain``, ``explain=True``, the story).

Everything here is computed from the Trace alone: its header (``path``, ``stdlib``, ``site_packages``,
``cwd``, ``explain``, ``program``, ``cells``) and its events.  Nothing here imports, looks at this
process's sys.modules or sys.path, or reads the traced program's files, so a saved trace is explained
the same way on any machine.  Every string returned is already escaped with ``esc``.

A note states what this trace shows Python did, never what usually happens: where a fact was not
recorded (a trace recorded without explain), the note says less rather than guess.  A concept is
explained in full the first time it comes up (``seen`` remembers which, across the cells of a notebook
too), then in a few words.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from typing import NamedTuple

from ..filters._kinds import stdlib_names
from ..trace._event import Event
from ..trace._trace import Trace
from ._describe import Facts
from ._text import esc, ms, took


class Note(NamedTuple):
    """One note: its text (escaped, one paragraph), whether it warns about a likely mistake, and whether
    it says what the statement bound (the story puts those last)."""

    text: str
    warn: bool = False
    binding: bool = False


_BUILTIN_ORIGINS = ("built-in", "frozen")
_STANDARD_FINDERS = ("PathFinder", "BuiltinImporter", "FrozenImporter")
# the roles of sys.path entries, as the notes name them
_SCRIPT = "the script's folder"
_STDLIB = "the standard library"
_DYNLOAD = "the standard library's compiled modules"
_ZIP = "the standard library as a zip file, if there is one"
_SITE = "installed packages"


class Explainer:
    """Notes for one trace: ``preamble()`` once, then ``notes(events)`` for each timeline line (one
    event, or several cache hits from one place told as one), in the order of the trace.

    ``seen`` holds the concepts already explained in full (pass the same set to explain several traces
    as one session: a notebook's cells); ``jargon`` adds what the timeline's own words mean."""

    def __init__(
        self, trace: Trace, facts: Facts | None = None, seen: set[str] | None = None, jargon: bool = True
    ) -> None:
        self.trace = trace
        self.facts = facts if facts is not None else Facts(trace)
        self.seen: set[str] = seen if seen is not None else set()
        self.jargon = jargon
        self._processes: dict[int | None, tuple[list[int], list[Event]]] | None = None
        header = trace.header
        path = header.get("path")
        self.path: list[str] | None = [p for p in path if isinstance(p, str)] if isinstance(path, list) else None
        stdlib = header.get("stdlib")
        self.stdlib: str | None = stdlib if isinstance(stdlib, str) and stdlib else None
        site = header.get("site_packages")
        self.site_packages = {p for p in site if isinstance(p, str)} if isinstance(site, list) else set()
        pythonpath = header.get("pythonpath")
        self.pythonpath = [p for p in pythonpath if isinstance(p, str)] if isinstance(pythonpath, list) else []
        cwd = header.get("cwd")
        self.cwd: str | None = cwd if isinstance(cwd, str) and cwd else None
        program = header.get("program")
        self.program: dict[str, object] = program if isinstance(program, dict) else {}
        mode = self.program.get("mode")
        self.mode: str | None = mode if isinstance(mode, str) else None
        self.stdlib_names = stdlib_names(header.get("python"))
        self.main = next((e for e in trace.events if e.kind == "load" and e.name == "__main__"), None)
        self.preloaded = set(trace.preloaded)
        self.first_loads: dict[str, Event] = {}
        for e in trace.events:
            if e.kind == "load" and e.name != "__main__":
                self.first_loads.setdefault(e.name, e)
        self._searches = {e.id: e for e in trace.events if e.kind == "search"}
        #: every module the trace shows to exist: found, loaded, hit, or there before it started
        self.known = {e.name for e in trace.events if e.kind != "search" or e.found} | self.preloaded
        self._script_folder = self._find_script_folder()

    def first(self, concept: str) -> bool:
        """True the first time a concept comes up (then it is explained in full), False after."""
        if concept in self.seen:
            return False
        self.seen.add(concept)
        return True

    # --- the trace as a whole ------------------------------------------------------------------------

    def preamble(self, compact: bool = False) -> list[str]:
        """The lines the notes rely on, once: sys.path's places, numbered (two spaces in; compact: one
        paragraph of their short names), and whether the bytecode facts were recorded."""
        lines: list[str] = []
        if self.path and self.first("sys.path=%r" % (self.path,)):
            if compact:
                places = ", ".join(self.place(self.path, i, short=True, named=True) for i in range(len(self.path)))
                lines.append("sys.path, where Python looks for a top-level module, in order: %s" % places)
            else:
                lines.append(
                    "sys.path: where Python looks for a top-level module, in this order, after the built-in "
                    "and frozen modules:"
                )
                lines.extend("  " + self.place(self.path, i) for i in range(len(self.path)))
        elif self.path is not None and not self.path and self.first("sys.path=[]"):
            lines.append("sys.path is empty: only built-in and frozen modules can be found")
        if not self.trace.header.get("explain") and self.first("not recorded"):
            lines.append(
                "(recorded without --explain or importtrace.trace(explain=True): where each module's bytecode "
                "came from, and the statements as written, are not known)"
            )
        return lines

    # --- one line --------------------------------------------------------------------------------------

    def notes(self, events: list[Event]) -> list[Note]:
        """The notes for one timeline line: an event, or consecutive cache hits from one place."""
        if not events:
            return []
        e = events[0]
        if e.kind == "search":
            return self._search(e)
        if e.kind == "load":
            return self._main(e) if e.name == "__main__" else self._load(e)
        if e.kind == "hit":
            return self._hits(events)
        if e.kind == "reload":
            return self._reload(e)
        return []

    # --- searches --------------------------------------------------------------------------------------

    def _search(self, e: Event) -> list[Note]:
        name = esc(e.name)
        out: list[Note] = []
        if e.reason == "probe":
            full = self.first("probe")
            out.append(
                Note(
                    "probe: only a question (importlib.util.find_spec, as runpy asks for -m): where is %s? Nothing "
                    "is imported by it" % name
                    if full
                    else "probe: only a question, nothing imported"
                )
            )
        elif e.reason == "reload":
            out.append(Note("a reload first looks for the module's file again, then runs what it finds"))
        if e.error is not None:
            out.append(Note("a finder raised an error while looking for %s, so the import fails" % name, True))
            return out
        finder = e.finder or ""
        if e.found and finder == "BuiltinImporter":
            if self.first("built-in"):
                text = (
                    "%s is built into the interpreter. Python asks for built-in modules before it looks at "
                    "sys.path, so no folder is searched and no %s.py can replace it"
                    % (name, esc(e.name.rpartition(".")[2]))
                )
            else:
                text = "built into the interpreter: no folder searched"
            return [*out, Note(text)]
        if e.found and finder == "FrozenImporter":
            if self.first("frozen"):
                text = (
                    "%s is frozen: its compiled code is stored inside the interpreter. Python asks for frozen "
                    "modules before it looks at sys.path, so no folder is searched" % name
                )
            else:
                text = "frozen inside the interpreter: no folder searched"
            return [*out, Note(text)]
        if e.found and finder and finder not in _STANDARD_FINDERS:
            out.append(
                Note(
                    "found by %s, a finder that a package or tool added to sys.meta_path: it answered before "
                    "Python's own finders were asked" % esc(finder)
                )
            )
            return out
        if e.found and finder == "PathFinder" and self.jargon and self.first("jargon PathFinder"):
            out.append(Note("found by PathFinder: Python's finder for files, which searches sys.path's folders"))
        if e.path is None:
            out.extend(self._top_level(e))
        else:
            out.extend(self._in_package(e))
        return out

    def _top_level(self, e: Event) -> list[Note]:
        """A top-level name: looked for along sys.path (as it was at that moment, when recorded)."""
        name = esc(e.name)
        out: list[Note] = []
        path = e.sys_path if e.sys_path is not None else self.path
        if path is None:
            return out
        changed = e.sys_path is not None and self.path is not None and e.sys_path != self.path
        if changed and self.first("sys.path=%r" % (path,)):
            out.append(Note(self._path_changed(self.path or [], path)))
        labels = [self.place(path, i, short=True) for i in range(len(path))]
        if e.found is False:
            out.extend(self._not_found_top(e, labels))
            return out
        if not e.found:
            return out
        if e.namespace:
            return [*out, self._namespace(e)]
        match = self._match(e.name, e.origin, path)
        if match is None:
            if e.origin:
                where = (
                    "a place that is not on sys.path"
                    if e.sys_path is not None
                    else ("a place that was not on sys.path when the trace started (the program changed sys.path)")
                )
                out.append(Note("found: %s, in %s" % (self.facts.path(e.origin), where)))
            return out
        index, rel = match
        found = "found in %s: %s" % (labels[index], self.facts.path(rel))
        if e.package:
            found += " (a package: a folder with an __init__.py)" if self.first("package folder") else " (a package)"
        text = "not in %s; %s" % (", ".join(labels[:index]), found) if index else found
        if self.first("search sys.path"):
            text = (
                "Python tries the built-in and frozen modules, then each sys.path folder in order, and takes the "
                "first that has %s: %s" % (name, text)
            )
        out.append(Note(text))
        shadow = self._shadow(e, index, path)
        if shadow is not None:
            out.append(shadow)
        return out

    def _path_changed(self, before: list[str], now: list[str]) -> str:
        """How sys.path differs at a search from the start: the entries added (with their numbers now)
        and removed, or the whole list when the order changed."""
        added = [i for i, entry in enumerate(now) if entry not in before]
        removed = [entry for entry in before if entry not in now]
        kept = [entry for entry in now if entry in before]
        lead = "sys.path had changed by then (the program changed it): "
        if kept != [entry for entry in before if entry in now]:
            return lead + ", ".join(self.place(now, i, short=True) for i in range(len(now)))
        bits = []
        if added:
            bits.append("added %s" % ", ".join(self.place(now, i, short=True) for i in added))
        if removed:
            bits.append("removed %s" % ", ".join(self.facts.path(entry) or "''" for entry in removed))
        return lead + "; ".join(bits) + " (the other places are numbered from there on)"

    def _not_found_top(self, e: Event, labels: list[str]) -> list[Note]:
        looked = " (%s)" % ", ".join(labels) if labels and self.jargon else ""
        count = "%d place%s" % (len(labels), "" if len(labels) == 1 else "s")
        text = "not found: %s is not built in or frozen, and none of the %s on sys.path%s has %s" % (
            esc(e.name),
            count,
            looked,
            _candidates(e.name),
        )
        return [Note(text, True), self._raises(e)]

    def _in_package(self, e: Event) -> list[Note]:
        """A submodule: looked for only in its package's __path__ (the folders named, not numbered: the
        numbers are sys.path's)."""
        name = esc(e.name)
        parent = esc(e.name.rpartition(".")[0])
        folders = [f for f in e.path or [] if isinstance(f, str)]
        named = ", ".join(self.facts.path(f) if f else "the current folder" for f in folders) or "nothing"
        if self.first("search __path__"):
            self.seen.add("__path__=%r" % (folders,))
            lead = "%s is in the package %s, so Python looks only in %s.__path__ (%s)" % (name, parent, parent, named)
        elif self.first("__path__=%r" % (folders,)):
            lead = "looked only in %s.__path__ (%s)" % (parent, named)
        else:
            lead = "looked only in %s.__path__" % parent
        if e.found is False:
            out = [Note("%s: no %s there" % (lead, _candidates(e.name)), True)]
            fromlist = self._from_list_miss(e)
            return [*out, fromlist] if fromlist is not None else [*out, self._raises(e)]
        if not e.found:
            return [Note(lead)]
        if e.namespace:
            return [self._namespace(e)]
        rel = None
        for folder in folders:
            prefix = os.path.join(folder or self.cwd or "", "")
            if e.origin and e.origin.startswith(prefix):
                rel = e.origin[len(prefix) :]
                if len(folders) > 1:
                    rel = "%s: %s" % (self.facts.path(folder), rel)
                break
        found = self.facts.path(rel) if rel is not None else self.facts.path(e.origin or "?")
        if e.package:
            found += " (a package)"
        return [Note("%s: found %s" % (lead, found))]

    def _from_list_miss(self, e: Event) -> Note | None:
        """For a failed search Python made because `from package import name` named something that is not
        an attribute of the package: that failure is dropped, and the statement fails on its own terms."""
        said = e.statement
        parent, _, last = e.name.rpartition(".")
        if not said or not said.startswith("from ") or " import " not in said:
            return None
        names = [n.strip().split(" as ")[0] for n in said.split(" import ", 1)[1].split(",")]
        if last not in names or e.reason == "probe":
            return None
        return Note(
            "Python tried this because %s is not an attribute of %s; it drops this ModuleNotFoundError and looks "
            "for the attribute once more, so `%s` raises ImportError (cannot import name %s) unless %s has it by "
            "then" % (esc(last), esc(parent), esc(said), esc(repr(last)), esc(parent)),
            True,
        )

    def _raises(self, e: Event) -> Note:
        if e.reason == "probe":
            return Note("importlib.util.find_spec returns None: a probe raises nothing")
        return Note("so the import raises ModuleNotFoundError: No module named %s" % esc(repr(e.name)))

    def _namespace(self, e: Event) -> Note:
        name = esc(e.name)
        folders = [f for f in e.namespace_path or [] if isinstance(f, str)]
        if folders:
            listed = " and ".join(self._folder(f) for f in folders)
            text = "%s is a namespace package: %s %s no __init__.py, so there is no code to run; its __path__ is %s" % (
                name,
                listed,
                "has" if len(folders) == 1 else "have",
                "that folder"
                if len(folders) == 1
                else "all %d folders, and its submodules may be in any" % len(folders),
            )
        else:
            text = "%s is a namespace package: folders named %s without an __init__.py, so there is no code to run" % (
                name,
                esc(e.name.rpartition(".")[2]),
            )
        return Note(text)

    def _folder(self, folder: str) -> str:
        """A folder, and the sys.path place it is in when it is one of them."""
        shown = self.facts.path(folder)
        parent = os.path.dirname(folder)
        for i, entry in enumerate(self.path or []):
            if _same(entry or self.cwd or "", parent):
                return "%s (in %s)" % (shown, self.place(self.path or [], i, short=True))
        return shown

    def _match(self, name: str, origin: str | None, places: list[str]) -> tuple[int, str] | None:
        """Which place the module found at origin is in (its index), and its path inside that place."""
        if not origin or origin in _BUILTIN_ORIGINS:
            return None
        last = name.rpartition(".")[2]
        for i, place in enumerate(places):
            folder = place or self.cwd
            if not folder:
                continue
            prefix = os.path.join(folder, "")
            if origin.startswith(prefix):
                rel = origin[len(prefix) :]
                head = rel.replace("\\", "/").split("/")[0]
                if head == last or head.split(".")[0] == last:
                    return i, rel
        return None

    def place(self, path: list[str], index: int, short: bool = False, named: bool = False) -> str:
        """'[n] path (role)' for entry number index of a sys.path; short: the role alone when it has one
        (named: with the folder's name after the script's folder)."""
        entry = path[index]
        label = "." if not entry or (self.cwd and _same(entry, self.cwd)) else self.facts.path(entry)
        role = self._role(entry)
        if short and role:
            if role == "from PYTHONPATH":
                return "[%d] %s (from PYTHONPATH)" % (index + 1, label)
            if named and role == _SCRIPT:
                return "[%d] %s (%s)" % (index + 1, role, label)
            return "[%d] %s" % (index + 1, esc(os.path.basename(entry)) if role == _ZIP else role)
        return "[%d] %s" % (index + 1, "%s (%s)" % (label, role) if role else label)

    def _find_script_folder(self) -> str | None:
        path = self.path or []
        if path and path[0] and self.main is not None and self.main.origin and self.mode in ("script", None):
            if _same(path[0], os.path.dirname(self.main.origin)):
                return path[0]
        return None

    def _role(self, entry: str) -> str:
        if entry and self.stdlib is not None:
            if _same(entry, self.stdlib):
                return _STDLIB
            if _same(os.path.dirname(entry), self.stdlib) and os.path.basename(entry) == "lib-dynload":
                return _DYNLOAD
        base = os.path.basename(entry)
        if base.endswith(".zip") and base.startswith("python"):
            return _ZIP
        if entry in self.site_packages:
            return _SITE
        if entry and any(_same(entry, p) for p in self.pythonpath):
            return "from PYTHONPATH"
        if entry and self._script_folder is not None and _same(entry, self._script_folder):
            return _SCRIPT
        if self.path and entry == self.path[0] and self.mode == "module" and self.cwd and _same(entry, self.cwd):
            return "the current folder, for -m"
        if not entry or (self.cwd and _same(entry, self.cwd)):
            return "the current folder"
        return ""

    def _shadow(self, e: Event, index: int, path: list[str]) -> Note | None:
        """A warning when a top-level module hides another of the same name: one in the standard library,
        or (recorded with explain) one installed or elsewhere further down sys.path."""
        if e.name not in self.stdlib_names:
            return self._shadow_installed(e, index, path) if e.shadows else None
        std = next((i for i, p in enumerate(path) if self._role(p) in (_STDLIB, _DYNLOAD, _ZIP)), None)
        if std is None or index >= std:
            return None
        return Note(
            "shadowing: %s is also the name of a standard-library module, but %s comes first on sys.path, so "
            "every `import %s` in this program gets this file instead, even inside the standard library. "
            "Rename the file, unless that is what you want" % (esc(e.name), self.place(path, index, True), esc(e.name)),
            True,
        )

    def _shadow_installed(self, e: Event, index: int, path: list[str]) -> Note:
        hidden = []
        for other in e.shadows or []:
            match = self._match(e.name, other, path)
            hidden.append(
                "%s: %s" % (self.place(path, match[0], True), self.facts.path(match[1]))
                if match
                else self.facts.path(other)
            )
        return Note(
            "shadowing: there is another %s in %s, but %s comes first on sys.path, so every `import %s` in "
            "this program gets this file instead. Rename the file, unless that is what you want"
            % (esc(e.name), " and ".join(hidden), self.place(path, index, True), esc(e.name)),
            True,
        )

    # --- the program's __main__ --------------------------------------------------------------------------

    def _main(self, e: Event) -> list[Note]:
        out: list[Note] = []
        origin = e.origin
        target = self.program.get("target")
        target = target if isinstance(target, str) else ""
        if self.mode == "code" or not origin or origin in _BUILTIN_ORIGINS:
            out.append(
                Note(
                    "the program: the code given with -c runs as the module __main__, so "
                    '`__name__ == "__main__"` is true in it'
                )
            )
        else:
            file = os.path.basename(origin)
            stem = esc(file.rpartition(".")[0] or file)
            name = '__name__ == "__main__" is true in it, and false in every module it imports'
            if self.mode == "module" and target:
                real = self._module_name("__main__")
                package = real.rpartition(".")[0]
                parent = self.first_loads.get(package) if package else None
                ran = "python -m %s: " % esc(target)
                if parent is not None:
                    ran += "Python imported the package %s first (its __init__.py ran: see below), then " % esc(package)
                    ran += "ran %s" % self._file_of(origin, real)
                else:
                    ran += "Python ran %s" % self._file_of(origin, real)
                text = "%s as the module __main__, not as %s: %s; relative imports in it count from %s" % (
                    ran,
                    esc(real),
                    name,
                    esc(package) if package else "nothing (it is top-level)",
                )
            elif self.mode == "main":
                text = "Python ran %s as the module __main__: %s" % (self.facts.path(origin), name)
            else:
                text = "%s is the program: Python runs it as the module __main__, not as %s, so %s" % (
                    esc(file),
                    stem,
                    name,
                )
            out.append(Note(text))
        if e.error is not None:
            out.append(Note("the program stops with %s" % self.facts.error(e), True))
            if _no_parent(e):
                out.append(Note(self._no_parent_advice(e), True))
        elif e.duration is not None:
            out.append(Note(self._main_time(e, origin)))
        return out

    def _main_time(self, e: Event, origin: str | None) -> str:
        text = "the whole program took %s" % took(e.duration)
        compiled = self.program.get("compile")
        own = e.self_duration
        if own is None or (own == e.duration and not isinstance(compiled, int)):
            return text
        file = esc(os.path.basename(origin)) if origin and origin not in _BUILTIN_ORIGINS else "the code"
        parts = []
        if isinstance(compiled, int) and 0 <= compiled <= own:
            parts.append(
                "%s compiling %s (the file you run is compiled on every run, never cached)" % (took(compiled), file)
                if self.first("main compile")
                else "%s compiling it" % took(compiled)
            )
            parts.append("%s running its own code" % took(own - compiled))
        else:
            parts.append("%s in %s itself" % (took(own), file))
        if own != e.duration:
            parts.append("the rest in the imports below")
        text = "%s: %s" % (text, ", ".join(parts))
        if self.jargon and self.first("jargon self"):
            text += " (self, on the line above: the time in a module's own code, without its nested imports)"
        return text

    def _file_of(self, origin: str, module: str) -> str:
        """origin as 'shop/checkout.py' (the module's own folder and file)."""
        parts = module.split(".")
        base = os.path.basename(origin)
        if len(parts) > 1:
            return esc("/".join(parts[:-1]) + "/" + base)
        return esc(base)

    def _no_parent_advice(self, e: Event) -> str:
        """What to do about 'attempted relative import with no known parent package' in e."""
        if e.name == "__main__":
            file = esc(os.path.basename(e.origin or "")) or "the file"
            return (
                "%s ran as a script, which has no package, so its relative imports (from . import ...) fail. "
                "If it is part of a package, run it as a module of that package, from the folder that holds "
                "the package: python -m package.%s" % (file, esc(os.path.basename(e.origin or "module.py"))[:-3])
            )
        return (
            "%s is a top-level module (found directly in a sys.path folder, not in a package), so it has no "
            "package and its relative imports (from . import ...) fail: use absolute imports in it, or move it "
            "into a package" % esc(e.name)
        )

    # --- loads -----------------------------------------------------------------------------------------

    def _load(self, e: Event) -> list[Note]:
        name = esc(e.name)
        if not e.observed:
            return [
                Note(
                    "%s appeared in sys.modules without an import the tracer could see: code put it there "
                    "(as os does for os.path), or a finder ahead of importtrace's loaded it" % name
                )
            ]
        if e.namespace or e.module_type == "namespace":
            if self.first("namespace load"):
                text = (
                    "a namespace package: Python makes an empty module whose __path__ lists its folders; with no "
                    "__init__.py, no code runs"
                )
            else:
                text = "a namespace package: no code to run"
            return [Note(text), *self._load_binding(e)]
        out: list[Note] = []
        twin = self._twin(e)
        if twin is not None:
            out.append(twin)
        bytecode, brief = self._bytecode(e)
        out.append(Note(self._ran(e, brief)))
        package = self._is_package(e)
        if package and self.first("package"):
            out.append(
                Note(
                    "%s is a package: its __init__.py runs first, before any of its submodules, which load only "
                    "when something imports them" % name
                )
            )
        elif not package and "." in e.name and e.error is None and e.duration is not None:
            parent, _, last = e.name.rpartition(".")
            if self.first("submodule"):
                out.append(
                    Note(
                        "a submodule: its package %s was imported first, and now %s is also the attribute %s of %s"
                        % (esc(parent), name, esc(last), esc(parent))
                    )
                )
        if bytecode is not None:
            out.append(bytecode)
        if e.lazy:
            out.append(Note("lazy: importlib.util.LazyLoader ran its code only when a name in it was first used"))
        if e.error is not None and _no_parent(e):
            out.append(Note(self._no_parent_advice(e), True))
        if e.error is not None:
            if self.first("failed load"):
                text = (
                    "its code raised %s, so the import failed: Python took %s out of sys.modules again, and a "
                    "later import starts over with a new search" % (self.facts.error(e), name)
                )
            else:
                text = "raised %s: the import failed, and %s was taken out of sys.modules" % (self.facts.error(e), name)
            out.append(Note(text, True))
        elif e.duration is None:
            out.append(Note("still running when the trace stopped", True))
        if e.replaced:
            out.append(Note("its code put another object into sys.modules under its name: importers get that object"))
        return out + self._load_binding(e)

    def _file(self, e: Event, origin: str | None = None) -> str:
        """The module's file as people name it: greet.py, or shop/__init__.py for a package."""
        origin = origin or e.origin
        if not origin or origin in _BUILTIN_ORIGINS:
            return ""
        file = esc(os.path.basename(origin))
        if os.path.basename(origin).startswith("__init__."):
            file = "%s/%s" % (esc(e.name.rpartition(".")[2]), file)
        return file

    def _ran(self, e: Event, brief: str) -> str:
        """The first note of a load: a new module, and its code run (with where its bytecode came from, in
        a few words, once that has been explained)."""
        name = esc(e.name)
        kind = e.module_type or "unknown"
        file = self._file(e)
        timing = self._timing(e, brief)
        earlier = self.first_loads.get(e.name)
        if earlier is not None and earlier is not e and earlier.start < e.start:
            why = "the earlier one failed" if earlier.error is not None else "it was no longer in sys.modules"
            first = "imported again from scratch (%s)" % why
        else:
            first = "first import"
        if kind == "builtin":
            return "%s: a built-in module, made from the interpreter's own code (no file to run)" % first
        if kind == "extension":
            return (
                "%s: an extension module (compiled machine code, %s): Python loaded it and ran its initialisation%s"
                % (
                    first,
                    file or name,
                    timing,
                )
            )
        what = "its frozen code (stored inside the interpreter)" if kind == "frozen" else "%s" % (file or name)
        if self.first("load"):
            return "%s: Python made a new module object, added it to sys.modules and ran %s in it, top to bottom%s" % (
                first,
                what,
                timing,
            )
        if first == "first import":
            return "ran %s%s" % (what, timing)
        return "%s: ran %s%s" % (first, what, timing)

    def _timing(self, e: Event, brief: str = "") -> str:
        """' (1.2ms, 300us of it in its own code; brief)': the time, and the bytecode's origin in brief."""
        bits = []
        if e.duration is not None and e.error is None:
            if e.self_duration is not None and e.self_duration != e.duration:
                bits.append("%s, %s of it in its own code" % (took(e.duration), took(e.self_duration)))
            else:
                bits.append(took(e.duration))
        if brief:
            bits.append(brief)
        text = " (%s)" % "; ".join(bits) if bits else ""
        if self.jargon and e.self_duration != e.duration and e.duration is not None and self.first("jargon self"):
            text += ". self, on the line above: the time in the module's own code, without its nested imports"
        return text

    def _is_package(self, e: Event) -> bool:
        search = self._searches.get(e.search) if e.search is not None else None
        if search is not None and search.package is not None:
            return bool(search.package)
        return os.path.basename(e.origin or "").startswith("__init__.")

    def _twin(self, e: Event) -> Note | None:
        """A module loaded from the same file as __main__: the top-level file imported by its own name."""
        main = self.main
        if main is None or not main.origin or not e.origin or main.origin in _BUILTIN_ORIGINS:
            return None
        if not _same(main.origin, e.origin):
            return None
        return Note(
            "%s is already running as __main__. Importing it by its file's name makes a second, separate module, "
            '%s, and runs its code again, this time with __name__ == %s, so its `if __name__ == "__main__":` '
            "block is skipped" % (esc(os.path.basename(e.origin)), esc(e.name), esc(repr(e.name))),
            True,
        )

    # --- bytecode --------------------------------------------------------------------------------------

    def _pyc(self, e: Event, origin: str | None = None) -> str:
        """Where the cache file is, said briefly: __pycache__/x.pyc next to the source, else its path."""
        pyc = e.pyc or ""
        origin = origin or e.origin or ""
        folder = os.path.dirname(pyc)
        if (
            origin
            and os.path.basename(folder) == "__pycache__"
            and _same(os.path.dirname(folder), os.path.dirname(origin))
        ):
            return "__pycache__/" + esc(os.path.basename(pyc))
        prefix = self.trace.header.get("pycache_prefix")
        where = self.facts.path(pyc)
        if isinstance(prefix, str) and prefix and pyc.startswith(os.path.join(prefix, "")):
            return "%s (under sys.pycache_prefix, set by PYTHONPYCACHEPREFIX or -X pycache_prefix)" % where
        return where

    def _bytecode(self, e: Event, origin: str | None = None) -> tuple[Note | None, str]:
        """Where the module's code came from, and whether a cache file was written, as observed: a note (in
        full the first time, and for anything to watch out for), else a few words for the load's note."""
        bytecode = e.bytecode
        file = self._file(e, origin) or "the source"
        if bytecode is None:
            return None, ""
        if bytecode == "bytecode":
            return Note("no source file, only a compiled .pyc: Python runs that bytecode as it is"), ""
        recorded = e.pyc is not None  # without a cache path only the decision was recorded
        pyc = self._pyc(e, origin) if recorded else "__pycache__"
        if bytecode == "cached":
            if e.source_newer:
                return (
                    Note(
                        "Python ran the OLD bytecode in %s: %s was modified after that file was written, but in "
                        "the same second and to the same size, and Python's check compares only the modification "
                        "time (in whole seconds) and the size, so it does not see the edit" % (pyc, file),
                        True,
                    ),
                    "",
                )
            if e.pyc_check == "unchecked":
                text = (
                    "bytecode from %s, used without looking at %s (an unchecked hash-based .pyc): an edit of %s is "
                    "not run until that file is rebuilt" % (pyc, file, file)
                )
                return Note(text), ""
            if e.pyc_check == "hash":
                return Note("bytecode from %s: the hash of %s's text it records still matches" % (pyc, file)), ""
            if not recorded:
                return Note("bytecode from __pycache__ (it passed Python's check against %s)" % file), ""
            if self.first("cached"):
                text = (
                    "bytecode from %s: it records %s's modification time and size, both still the same, so "
                    "nothing was compiled" % (pyc, file)
                )
                return Note(text), ""
            return None, "bytecode from %s" % pyc
        if bytecode == "stale":
            if not recorded:
                text = (
                    "the __pycache__ file no longer passed Python's check against %s, so Python compiled it again"
                    % file
                )
            elif e.pyc_check == "hash":
                text = "%s records another hash of %s's text, so Python compiled %s again" % (pyc, file, file)
            else:
                text = (
                    "%s records another modification time or size for %s than it has now, so Python compiled %s again"
                    % (
                        pyc,
                        file,
                        file,
                    )
                )
            written, trouble = self._written(e, True, origin)
            return Note(text + written, trouble), ""
        if bytecode != "compiled":
            return None, ""
        written, trouble = self._written(e, self.first("compiled %s" % e.pyc_write), origin)
        if trouble or self.first("compiled"):
            where = (
                "__pycache__ file"
                if not e.pyc or os.path.basename(os.path.dirname(e.pyc)) == "__pycache__"
                else "cache file"
            )
            return Note("no %s yet, so Python compiled %s to bytecode%s" % (where, file, written), trouble), ""
        return None, "compiled%s" % written

    def _written(self, e: Event, full: bool, origin: str | None = None) -> tuple[str, bool]:
        """What happened to new bytecode: saved or not (and why, when known); and whether to warn."""
        write = e.pyc_write
        pyc = self._pyc(e, origin)
        if write == "written":
            return (" and saved it as %s, for the next run" % pyc if full else ", saved %s" % pyc), False
        if write == "disabled" or (write is None and e.pyc is None and self.trace.header.get("dont_write_bytecode")):
            if full:
                return (
                    "; it did not save it: sys.dont_write_bytecode is set (PYTHONDONTWRITEBYTECODE or python -B)",
                    False,
                )
            return ", not saved: PYTHONDONTWRITEBYTECODE", False
        if write == "read-only":
            return (
                "; it tried to save it as %s, but that folder is read-only, so no file was written (Python ignores "
                "that, and compiles again next time)" % pyc,
                True,
            )
        if write == "failed":
            return (
                "; it tried to save it as %s, but no file was written (Python ignores that, and compiles again next "
                "time)" % pyc,
                True,
            )
        return "", False

    # --- cache hits ------------------------------------------------------------------------------------

    def _hits(self, hits: list[Event]) -> list[Note]:
        first = hits[0]
        name = esc(first.name)
        out: list[Note] = []
        target = self.facts.cycle(first)
        load = self.first_loads.get(first.name)
        subs = self._submodules_imported(hits)
        if first.level:
            out.append(Note(self._relative(first)))
        if first.partial or target is not None:
            out.extend(self._partial(hits, target))
        elif first.waited:
            out.append(
                Note(
                    "another thread was importing %s at that moment: this import waited for it to finish, then used "
                    "the finished module" % name
                )
            )
        elif load is not None and any(a is load for a in self.trace.ancestors(first)):
            if first.importer == first.name:
                where = (
                    "normal inside a package's __init__.py"
                    if self._is_package(load)
                    else "a module importing itself gets its own half-run module"
                )
                text = (
                    "%s is still running its own code (this statement is in it), so it finds itself in sys.modules, "
                    "unfinished: %s"
                    % (
                        name,
                        where,
                    )
                )
            else:
                text = (
                    "%s is still running its code (this import happens inside it): this gets the same, unfinished "
                    "module" % name
                )
            out.append(Note(text))
        else:
            out.append(self._looked_up(first, load, bool(subs)))
        if subs:
            out.append(self._fetched(first, subs))
        for note in dict.fromkeys(self._binding(h) for h in hits):
            if note is not None:
                out.append(note)
        repeats = max(h.count for h in hits)
        if repeats > 1:
            out.append(
                Note(
                    "this line ran %d times (in a loop, or a function called again): each time only a look-up in "
                    "sys.modules" % repeats
                )
            )
        return out

    def _looked_up(self, e: Event, load: Event | None, more: bool) -> Note:
        since = self._since(e, load)
        if more:
            return Note("%s is already in sys.modules%s: found there, not searched or run again" % (esc(e.name), since))
        if self.first("hit"):
            return Note("already in sys.modules%s, so nothing is searched or run: the import only looks it up" % since)
        return Note("already in sys.modules%s: only looked up" % since)

    def _by_process(self, pid: int | None) -> tuple[list[int], list[Event]]:
        """One process's events, in the order they began, and their start times (for bisect)."""
        if self._processes is None:
            self._processes = {}
            for e in self.trace.events:
                self._processes.setdefault(e.pid, ([], []))
                starts, events = self._processes[e.pid]
                starts.append(e.start)
                events.append(e)
        return self._processes.get(pid, ([], []))

    def _submodules_imported(self, hits: list[Event]) -> list[str]:
        """The submodules the statement's from-list made Python import (searches met while it ran)."""
        found: list[str] = []
        for h in hits:
            if not h.fromlist or h.duration is None:
                continue
            prefix = h.name + "."
            starts, events = self._by_process(h.pid)
            for i in range(bisect_left(starts, h.start), len(events)):
                e = events[i]
                if e.start > h.start + h.duration:
                    break
                if (
                    e.kind == "search"
                    and e.start >= h.start
                    and e.thread == h.thread
                    and e.name.startswith(prefix)
                    and "." not in e.name[len(prefix) :]
                    and e.reason == "import"
                    and e.name not in found
                ):
                    found.append(e.name)
        return found

    def _fetched(self, e: Event, subs: list[str]) -> Note:
        names = ", ".join(esc(s.rpartition(".")[2]) for s in subs)
        full = ", ".join(esc(s) for s in subs)
        plural = len(subs) > 1
        text = "%s %s not an attribute of %s yet, so Python imports the submodule%s %s (below)" % (
            names,
            "are" if plural else "is",
            esc(e.name),
            "s" if plural else "",
            full,
        )
        if self.first("from-list submodule"):
            text += ": `from package import name` imports package.name when the package has no attribute name yet"
        return Note(text)

    def _since(self, e: Event, load: Event | None) -> str:
        if load is not None and load.start <= e.start and load.error is None:
            return " (first imported at %s ms, above)" % ms(load.start) if self.jargon else " (imported above)"
        if e.name in self.preloaded:
            if self.mode is not None:
                return " (imported before the program started, by Python's own start-up)"
            return " (imported before the trace started)"
        return ""

    def _binding(self, e: Event) -> Note | None:
        """What the statement does in the importer's namespace."""
        if e.via == "import_module":
            return Note("importlib.import_module() returns the module; it binds no name by itself", binding=True)
        if e.via == "__import__":
            return Note("__import__() returns the module; it binds no name by itself", binding=True)
        if "*" in e.fromlist:
            return self._star(e.name, esc(e.importer or "the importer"), e.star, e.star_all, e.star_skipped)
        if not e.fromlist and e.level:
            return None
        missing = set(e.missing or ()) if e.partial else set()
        fromlist = [n for n in e.fromlist if n not in missing or "%s.%s" % (e.name, n) in self.known]
        if e.fromlist and not fromlist:
            return None  # nothing was copied: the statement fails (see the note on the circular import)
        return self._bound(e.name, e.importer, fromlist, e.statement)

    def _bound(self, module: str, importer: str | None, fromlist: list[str], said: str | None) -> Note:
        """What `import module` (no fromlist) or `from module import ...` bound in importer; said: the
        statement as written, when recorded (it has the `as` names)."""
        where = esc(importer or "the importer")
        name = esc(module)
        if not fromlist:
            alias = said.rpartition(" as ")[2] if said and " as " in said else None
            if alias:
                return Note("binds the name %s in %s to %s" % (esc(alias), where, name), binding=True)
            if "." in module:
                top = esc(module.partition(".")[0])
                if self.first("bind dotted"):
                    text = "`import %s` binds only the name %s (the top package) in %s; %s is reached through it" % (
                        name,
                        top,
                        where,
                        name,
                    )
                else:
                    text = "binds only %s in %s" % (top, where)
                return Note(text, binding=True)
            if self.first("bind import"):
                return Note("`import %s` binds the name %s in %s to the module" % (name, name, where), binding=True)
            return Note("binds %s in %s" % (name, where), binding=True)
        subs = [n for n in fromlist if "%s.%s" % (module, n) in self.known]
        listed = _as_written(fromlist, said)
        if importer == module:
            text = "binds %s in %s itself" % (listed, name)
        elif len(subs) == len(fromlist):
            text = "binds %s in %s" % (listed, where)
        elif self.first("bind from"):
            text = "copies %s into %s: new names for the same objects, which a later reload of %s does not update" % (
                listed,
                where,
                name,
            )
        else:
            text = "copies %s into %s" % (listed, where)
        if subs:
            text += "; %s %s the submodule%s %s" % (
                ", ".join(esc(n) for n in subs),
                "is" if len(subs) == 1 else "are",
                "" if len(subs) == 1 else "s",
                ", ".join(esc("%s.%s" % (module, n)) for n in subs),
            )
        return Note(text, binding=True)

    def _star(
        self, module: str, importer: str, star: list[str] | None, star_all: bool | None, skipped: list[str] | None
    ) -> Note:
        """What `from module import *` bound into importer: observed when recorded with explain."""
        name = esc(module)
        if star is None:
            return Note(
                "`from %s import *` copies the public names of %s into %s: the names in its __all__ if it has one, "
                "else every name not starting with _ (recorded without explain: which ones is not known)"
                % (name, name, importer),
                binding=True,
            )
        names = _few(star)
        if star_all:
            text = "`*` copied the names listed in %s.__all__ into %s: %s" % (name, importer, names)
            if self.first("star all"):
                text += " (with __all__, only those, and a listed submodule is imported if needed)"
        else:
            text = "%s has no __all__, so `*` copied every name not starting with _ into %s: %s" % (
                name,
                importer,
                names,
            )
        if skipped:
            them = "it" if len(skipped) == 1 else "them"
            text += "; the submodule%s %s %s not loaded, so `*` left %s out (an __all__ listing %s would import %s)" % (
                "" if len(skipped) == 1 else "s",
                ", ".join(esc(n) for n in skipped),
                "is" if len(skipped) == 1 else "are",
                them,
                them,
                them,
            )
        return Note(text, binding=True)

    def _load_binding(self, e: Event) -> list[Note]:
        """For a first import: what the statement that asked bound (from its search's statement)."""
        search = self._searches.get(e.search) if e.search is not None else None
        said = search.statement if search is not None else None
        if not said or e.error is not None or e.importer is None or self._target(said, e.importer) != e.name:
            return []
        if said.startswith("import "):
            return [self._bound(e.name, e.importer, [], said)]
        names = [n.split(" as ")[0] for n in said.split(" import ", 1)[1].split(", ")]
        if names == ["*"]:
            return [] if e.star is None else [self._star(e.name, esc(e.importer), e.star, e.star_all, e.star_skipped)]
        return [self._bound(e.name, e.importer, names, said)]

    def _target(self, said: str, importer: str) -> str | None:
        """The absolute name of the module a statement names (the one it binds from)."""
        if said.startswith("import "):
            return said[len("import ") :].split(" as ")[0]
        if not said.startswith("from ") or " import " not in said:
            return None
        module = said[len("from ") :].split(" import ")[0]
        level = len(module) - len(module.lstrip("."))
        if not level:
            return module
        real = self._module_name(importer)
        load = self.first_loads.get(real)
        base = real if load is not None and self._is_package(load) else real.rpartition(".")[0]
        for _ in range(level - 1):
            base = base.rpartition(".")[0]
        rest = module[level:]
        return "%s.%s" % (base, rest) if base and rest else base or rest

    def _relative(self, e: Event) -> str:
        """What the leading dots of a relative import mean here."""
        importer = e.importer or ""
        module = self._module_name(importer)
        base, own = self._package_of(e, module)
        dots = "." * e.level
        if not self.first("relative"):
            return "relative import: `%s` means %s" % (dots, esc(base) or "?")
        who = esc(importer) if module == importer else "%s (that is %s, run with -m)" % (esc(importer), esc(module))
        where = (
            "%s is itself a package (this is its __init__.py)" % who
            if own
            else "%s is in the package %s" % (who, esc(module.rpartition(".")[0]))
        )
        up = "; each extra dot goes one package up" if e.level > 1 else ""
        return "relative import: the dots count from the importer's package. %s, so `%s` means %s%s" % (
            where,
            dots,
            esc(base) or "?",
            up,
        )

    def _module_name(self, importer: str) -> str:
        """The importer's real module name (see Facts.module_name)."""
        return self.facts.module_name(importer) or importer

    def _package_of(self, e: Event, module: str) -> tuple[str, bool]:
        """The package a relative import's dots name, and whether the importer is that package's __init__."""
        load = self.first_loads.get(module)
        if load is not None:
            own = self._is_package(load)
        else:
            own = module != "__main__" and (e.name == module or e.name.startswith(module + "."))
        base = module if own else module.rpartition(".")[0]
        for _ in range(e.level - 1):
            base = base.rpartition(".")[0]
        return base, own

    def _partial(self, hits: list[Event], target: str | None) -> list[Note]:
        first = hits[0]
        name = esc(first.name)
        importer = esc(first.importer or "the importer")
        if target is None:
            return [
                Note(
                    "%s is still running its __init__.py: a package importing its own submodules, which is "
                    "normal and not a circular-import problem" % name
                )
            ]
        if self.first("circular %s" % target):
            text = (
                "circular import: %s is still running its top-level code (%s), so %s gets the unfinished module, "
                "with only the names it had defined when this import began"
                % (esc(target), self._chain(first, target), importer)
            )
        else:
            text = "circular import: %s gets the unfinished %s again" % (importer, esc(target))
        out = [Note(text, True)]
        missing = sorted({m for h in hits for m in (h.missing or ())})
        if missing:
            listed = ", ".join(esc(m) for m in missing)
            out.append(
                Note(
                    "not defined yet: %s. So `from %s import %s` raises ImportError (cannot import name "
                    "... from partially initialized module). Fix: `import %s` and use %s.%s inside a "
                    "function, or move the shared code into a third module"
                    % (listed, name, listed, name, name, esc(missing[0])),
                    True,
                )
            )
        elif any(not h.fromlist for h in hits):
            out.append(
                Note(
                    "`import %s` itself works: %s can use the names %s had defined by then at once, and all of them "
                    "once %s has finished (inside functions called later, say)"
                    % (name, importer, esc(target), esc(target))
                )
            )
        return out

    def _chain(self, e: Event, target: str) -> str:
        """'a imports b, which imports a again': the loads from target's down to the hit."""
        names = [a.name for a in self.trace.ancestors(e) if a.kind in ("load", "reload")]
        if target in names:
            names = names[names.index(target) :]
        else:
            names = [target, *[n for n in names if n != target][-1:]]
        if len(names) == 1:
            return "%s imports itself" % esc(target)
        text = "%s imports %s" % (esc(names[0]), esc(names[1]))
        for n in names[2:]:
            text += ", which imports %s" % esc(n)
        return text + ", which imports %s again" % esc(target)

    # --- reloads ---------------------------------------------------------------------------------------

    def _reload(self, e: Event) -> list[Note]:
        name = esc(e.name)
        search = self._searches.get(e.search) if e.search is not None else None
        origin = (search.origin if search is not None else None) or e.origin
        file = self._file(e, origin) or "its code"
        if self.first("reload"):
            text = (
                "importlib.reload ran %s again, in the same module object: no new module is made, so every "
                "`import %s` elsewhere sees the new code at once" % (file, name)
            )
        else:
            text = "importlib.reload ran %s again, in the same module object" % file
        out = [Note(text)]
        bytecode, brief = self._bytecode(e, origin)
        if bytecode is not None:
            out.append(bytecode)
        elif brief:
            out[0] = Note("%s (%s)" % (out[0].text, brief))
        if e.error is not None:
            out.append(
                Note(
                    "the new code raised %s: %s keeps its old names plus whatever the new code set before "
                    "the error, and stays in sys.modules" % (self.facts.error(e), name),
                    True,
                )
            )
            return out
        if e.duration is None:
            return out
        changes = []  # Python's own names (__doc__, ...) left out: a reload sets them anew every time
        added, rebound, removed = (
            [n for n in names if not n.startswith("__")] for names in (e.added, e.rebound, e.removed)
        )
        if added:
            changes.append("new names %s" % ", ".join(esc(n) for n in added))
        if rebound:
            changes.append("new objects for %s" % ", ".join(esc(n) for n in rebound))
        if removed:
            changes.append("deleted %s" % ", ".join(esc(n) for n in removed))
        if changes:
            out.append(Note("what changed: " + "; ".join(changes)))
        imported = self._imported_names(e)
        survivors = [n for n in e.unchanged if n not in imported]
        if survivors:
            text = "still the very same objects: %s" % ", ".join(esc(n) for n in survivors)
            if self.first("reload survivors"):
                text += (
                    ". A reload never deletes names: a name the new code does not set again keeps its old object "
                    "(def and class always make new objects, so a function or class listed here is one the code "
                    "that ran no longer defines)"
                )
            out.append(Note(text))
        again = [n for n in e.unchanged if n in imported]
        if again:
            out.append(Note("set again by its imports, to the same objects: %s" % ", ".join(esc(n) for n in again)))
        kept = self._submodules_kept(e)
        if kept:
            out.append(
                Note(
                    "its submodule%s %s did not run again: a reload runs only %s's own code, and `from . import` of "
                    "a loaded submodule is only a look-up" % ("" if len(kept) == 1 else "s", _few(kept), name)
                )
            )
        if e.stale:
            attr = esc(e.stale[0].rpartition(".")[2])
            out.append(
                Note(
                    "stale: %s still hold%s the old object%s, because `from %s import ...` copied %s and a reload "
                    "does not update copies. Use `import %s` and write %s.%s to always get the current one"
                    % (
                        ", ".join(esc(s) for s in e.stale),
                        "s" if len(e.stale) == 1 else "",
                        "" if len(e.stale) == 1 else "s",
                        name,
                        "it" if len(e.stale) == 1 else "them",
                        name,
                        name,
                        attr,
                    ),
                    True,
                )
            )
        return out

    def _submodules_kept(self, reload: Event) -> list[str]:
        """Submodules of a reloaded package that were loaded before the reload and did not run during it."""
        prefix = reload.name + "."
        loaded = [n for n, load in self.first_loads.items() if load.start < reload.start and load.error is None]
        before = sorted(n for n in {*loaded, *self.preloaded} if n.startswith(prefix))
        if not before or reload.duration is None:
            return []
        end = reload.start + reload.duration
        ran = {
            e.name
            for e in self.trace.events
            if e.kind in ("load", "reload") and reload.start <= e.start <= end and e.name.startswith(prefix)
        }
        return [n for n in before if n not in ran]

    def _imported_names(self, reload: Event) -> set[str]:
        """Names the reloaded code binds with import statements: the same module objects again."""
        names: set[str] = set()
        for e in self.trace.children(reload):
            if e.importer != reload.name or e.kind not in ("hit", "load"):
                continue
            if e.kind == "hit" and e.fromlist:
                names.update(n for n in e.fromlist if n != "*")
            elif not e.level:
                names.add(e.name.partition(".")[0])
        return names


# --- helpers ------------------------------------------------------------------------------------------


def _no_parent(e: Event) -> bool:
    """Whether e failed with 'attempted relative import with no known parent package'."""
    return "no known parent package" in (e.error or {}).get("message", "")


def _candidates(name: str) -> str:
    last = esc(name.rpartition(".")[2])
    return "%s.py, a %s folder or a compiled %s module" % (last, last, last)


def _as_written(fromlist: list[str], said: str | None) -> str:
    """The names of a from-list as the statement wrote them ('k as kk, m'), when it was recorded."""
    if said and " import " in said:
        written = said.split(" import ", 1)[1].split(", ")
        if [w.split(" as ")[0] for w in written] == list(fromlist):
            return esc(", ".join(written))
    return ", ".join(esc(n) for n in fromlist)


def _few(names: list[str], most: int = 8) -> str:
    shown = ", ".join(esc(n) for n in names[:most])
    if len(names) > most:
        shown += " and %d more" % (len(names) - most)
    return shown or "nothing"


def _same(a: str, b: str) -> bool:
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def explain(trace: Trace) -> list[tuple[Event, list[str]]]:
    """Every event of trace with its notes as plain text, for tools that want the notes without a timeline."""
    explainer = Explainer(trace)
    return [(e, [n.text for n in explainer.notes([e])]) for e in trace.events]
