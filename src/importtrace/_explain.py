"""Plain-language notes for each event of a trace, for learners (``--explain``, ``explain=True``).

Everything here is computed from the Trace alone: its header (``path``, ``stdlib``, ``site_packages``,
``dont_write_bytecode``, ``explain``, ``program``) and its events.  Nothing here imports, looks at this
process's sys.modules or sys.path, or reads the traced program's files, so a saved trace is explained
the same way on any machine.  Every string returned is already escaped with ``esc``.
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

from ._filters import _STDLIB_39, STDLIB_NAMES
from ._trace import Event, Trace
from .renderers._describe import Facts
from .renderers._text import esc, ms, took


class Note(NamedTuple):
    """One note: its text (escaped, one paragraph) and whether it warns about a likely mistake."""

    text: str
    warn: bool = False


_BUILTIN_ORIGINS = ("built-in", "frozen")
_STANDARD_FINDERS = ("PathFinder", "BuiltinImporter", "FrozenImporter")
# the roles of sys.path entries, as the notes name them
_SCRIPT = "the script's folder"
_STDLIB = "the standard library"
_DYNLOAD = "the standard library's compiled modules"
_ZIP = "the standard library as a zip file, if there is one"
_SITE = "installed packages"


class Explainer:
    """Notes for the lines of one trace's timeline: ``preamble()`` once, then ``notes(events)`` for
    each line (one event, or several cache hits from one place told as one)."""

    def __init__(self, trace: Trace, facts: Facts | None = None) -> None:
        self.trace = trace
        self.facts = facts if facts is not None else Facts(trace)
        header = trace.header
        path = header.get("path")
        self.path: list[str] | None = [p for p in path if isinstance(p, str)] if isinstance(path, list) else None
        stdlib = header.get("stdlib")
        self.stdlib: str | None = stdlib if isinstance(stdlib, str) and stdlib else None
        site = header.get("site_packages")
        self.site_packages = {p for p in site if isinstance(p, str)} if isinstance(site, list) else set()
        cwd = header.get("cwd")
        self.cwd: str | None = cwd if isinstance(cwd, str) and cwd else None
        program = header.get("program")
        mode = program.get("mode") if isinstance(program, dict) else None
        self.mode: str | None = mode if isinstance(mode, str) else None
        self.stdlib_names = _stdlib_names(header.get("python"))
        self.main = next((e for e in trace.events if e.kind == "load" and e.name == "__main__"), None)
        self.preloaded = set(trace.preloaded)
        self.first_loads: dict[str, Event] = {}
        for e in trace.events:
            if e.kind == "load" and e.name != "__main__":
                self.first_loads.setdefault(e.name, e)
        self._searches = {e.id: e for e in trace.events if e.kind == "search"}
        #: every module the trace shows to exist: found, loaded, hit, or there before it started
        self.known = {e.name for e in trace.events if e.kind != "search" or e.found} | self.preloaded

    # --- the trace as a whole ------------------------------------------------------------------------

    def preamble(self) -> list[str]:
        """The lines the notes rely on: sys.path's places, numbered (two spaces in), and whether the
        bytecode facts were recorded."""
        lines: list[str] = []
        if self.path:
            lines.append(
                "sys.path: where Python looks for a top-level module, in this order, after the built-in "
                "and frozen modules:"
            )
            lines.extend("  " + self.place(i) for i in range(len(self.path)))
        elif self.path is not None:
            lines.append("sys.path is empty: only built-in and frozen modules can be found")
        if not self.trace.header.get("explain"):
            lines.append(
                "(recorded without --explain or importtrace.trace(explain=True): where each module's bytecode "
                "came from is not known)"
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
            out.append(
                Note(
                    "only a question (importlib.util.find_spec, as runpy asks for -m): where is %s? "
                    "Nothing is imported by it" % name
                )
            )
        elif e.reason == "reload":
            out.append(Note("a reload first looks for the module's file again, then re-runs what it finds"))
        if e.error is not None:
            out.append(Note("a finder raised an error while looking for %s, so the import fails" % name, True))
            return out
        finder = e.finder or ""
        if e.found and finder == "BuiltinImporter":
            out.append(
                Note(
                    "%s is built into the interpreter. Python asks for built-in modules before it looks at "
                    "sys.path, so no folder is searched and no %s.py can replace it"
                    % (name, esc(e.name.rpartition(".")[2]))
                )
            )
            return out
        if e.found and finder == "FrozenImporter":
            out.append(
                Note(
                    "%s is frozen: its compiled code is stored inside the interpreter. Python asks for "
                    "frozen modules before it looks at sys.path, so no folder is searched" % name
                )
            )
            return out
        if e.found and finder and finder not in _STANDARD_FINDERS:
            out.append(
                Note(
                    "found by %s, a finder that a package or tool added to sys.meta_path: it answers "
                    "instead of the usual search of sys.path" % esc(finder)
                )
            )
            return out
        places, where = self._places(e)
        labels = [self._label(e, i, places) for i in range(len(places))]
        if e.found is False:
            looked = " (%s)" % ", ".join(labels) if labels else ""
            if e.path is None:
                text = "not found: %s is not built in or frozen, and none of the %s%s has %s" % (
                    name,
                    where,
                    looked,
                    _candidates(e.name),
                )
            else:
                text = "not found: no folder of %s%s has %s" % (where, looked, _candidates(e.name))
            out.append(Note(text, True))
            out.append(
                Note(
                    "so the import raises ModuleNotFoundError: No module named %s. Wrapped in try/except "
                    "ImportError, as optional modules are, the program goes on" % esc(repr(e.name))
                )
            )
            return out
        if not e.found:
            return out
        if e.namespace:
            out.append(
                Note(
                    "%s is a namespace package: the folders found have no __init__.py, so there is no "
                    "code to run; Python looks through all of %s for more of them" % (name, where)
                )
            )
            return out
        match = self._match(e.name, e.origin, places)
        if match is None:
            if e.origin:
                out.append(
                    Note(
                        "found: %s, in a place that was not on %s when the trace started (the program "
                        "changed sys.path)" % (self.facts.path(e.origin), "sys.path" if e.path is None else where)
                    )
                )
            return out
        index, rel = match
        found = "found in %s: %s" % (labels[index], self.facts.path(rel))
        if e.package:
            found += " (a package: a folder with an __init__.py)"
        if e.path is None:
            text = "Python looks through sys.path in order and stops at the first place that has %s: " % name
        else:
            parent = esc(e.name.rpartition(".")[0])
            text = "%s is in the package %s, so Python looks only in %s.__path__: " % (name, parent, parent)
        text += "not in %s; %s" % (", ".join(labels[:index]), found) if index else found
        out.append(Note(text))
        if e.path is None:
            shadow = self._shadow(e, index)
            if shadow is not None:
                out.append(shadow)
        return out

    def _places(self, e: Event) -> tuple[list[str], str]:
        """The places a search looks in, and what to call them: sys.path, or the package's __path__."""
        if e.path is not None:
            return list(e.path), "%s.__path__" % esc(e.name.rpartition(".")[0])
        path = self.path or []
        return list(path), "%d place%s on sys.path" % (len(path), "" if len(path) == 1 else "s")

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

    def _label(self, e: Event, index: int, places: list[str]) -> str:
        """A short name for place number index of a search: its role on sys.path, or its path."""
        if e.path is None:
            return self.place(index, short=True)
        entry = places[index]
        return "[%d] %s" % (index + 1, self.facts.path(entry) if entry else "the current folder")

    def place(self, index: int, short: bool = False) -> str:
        """'[n] path (role)' for sys.path entry number index (from the header); short: the role alone
        when it has one."""
        entry = (self.path or [])[index]
        label = "." if not entry or (self.cwd and _same(entry, self.cwd)) else self.facts.path(entry)
        role = self._role(entry, index)
        if short and role:
            return "[%d] %s" % (index + 1, esc(os.path.basename(entry)) if role == _ZIP else role)
        return "[%d] %s" % (index + 1, "%s (%s)" % (label, role) if role else label)

    def _role(self, entry: str, index: int) -> str:
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
        if index == 0 and entry:
            if self.main is not None and self.main.origin and self.mode in ("script", None):
                if _same(entry, os.path.dirname(self.main.origin)):
                    return _SCRIPT
            if self.mode == "module" and self.cwd and _same(entry, self.cwd):
                return "the current folder, for -m"
        if not entry or (self.cwd and _same(entry, self.cwd)):
            return "the current folder"
        return ""

    def _shadow(self, e: Event, index: int) -> Note | None:
        """A warning when a top-level module hides another of the same name: one in the standard library,
        or (recorded with explain) one installed or elsewhere further down sys.path."""
        if self.path is None:
            return None
        if e.name not in self.stdlib_names:
            return self._shadow_installed(e, index) if e.shadows else None
        std = next((i for i, p in enumerate(self.path) if self._role(p, i) in (_STDLIB, _DYNLOAD, _ZIP)), None)
        if std is None or index >= std:
            return None
        return Note(
            "shadowing: %s is also the name of a standard-library module, but %s comes first on sys.path, so "
            "every `import %s` in this program gets this file instead, even inside the standard library. "
            "Rename the file, unless that is what you want" % (esc(e.name), self.place(index, True), esc(e.name)),
            True,
        )

    def _shadow_installed(self, e: Event, index: int) -> Note:
        hidden = []
        for other in e.shadows or []:
            match = self._match(e.name, other, list(self.path or []))
            hidden.append(
                "%s: %s" % (self.place(match[0], True), self.facts.path(match[1])) if match else self.facts.path(other)
            )
        return Note(
            "shadowing: there is another %s in %s, but %s comes first on sys.path, so every `import %s` in "
            "this program gets this file instead. Rename the file, unless that is what you want"
            % (esc(e.name), " and ".join(hidden), self.place(index, True), esc(e.name)),
            True,
        )

    # --- loads -----------------------------------------------------------------------------------------

    def _main(self, e: Event) -> list[Note]:
        out: list[Note] = []
        origin = e.origin
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
            how = "started with -m, " if self.mode == "module" else ""
            out.append(
                Note(
                    "the top-level file: %sPython runs %s as the module __main__, not as %s. So __name__ is "
                    '"__main__" here and its `if __name__ == "__main__":` block runs; in an imported module '
                    "__name__ is the module's own name and that block is skipped" % (how, esc(file), stem)
                )
            )
        if e.error is not None:
            out.append(Note("the program stops with %s" % self.facts.error(e), True))
            if _no_parent(e):
                out.append(Note(_NO_PARENT, True))
        elif e.duration is not None:
            text = "the whole program runs in %s" % took(e.duration)
            if e.self_duration is not None and e.self_duration != e.duration:
                text += ": %s in its own code, the rest in the imports below" % took(e.self_duration)
            out.append(Note(text))
        return out

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
            return [
                Note(
                    "a namespace package: Python makes an empty module whose __path__ lists its folders; "
                    "with no __init__.py, no code runs"
                )
            ]
        out: list[Note] = []
        twin = self._twin(e)
        if twin is not None:
            out.append(twin)
        kind = e.module_type or "unknown"
        package = self._is_package(e)
        file = esc(os.path.basename(e.origin)) if e.origin and e.origin not in _BUILTIN_ORIGINS else ""
        if package and file:
            file = "%s/%s" % (esc(e.name.rpartition(".")[2]), file)
        timing = self._timing(e)
        earlier = self.first_loads.get(e.name)
        if earlier is not None and earlier is not e and earlier.start < e.start:
            why = "the earlier one failed" if earlier.error is not None else "it was no longer in sys.modules"
            first = "imported again from scratch (%s)" % why
        else:
            first = "first import"
        if kind == "builtin":
            text = "%s: a built-in module, made from the interpreter's own code (no file to run)" % first
        elif kind == "extension":
            text = (
                "%s: an extension module (compiled machine code, %s): Python loads it and runs "
                "its initialisation%s" % (first, file or name, timing)
            )
        elif kind == "frozen":
            text = (
                "%s: Python makes a new module object, adds it to sys.modules and runs its "
                "top-level code, stored frozen inside the interpreter%s" % (first, timing)
            )
        else:
            text = (
                "%s: Python makes a new module object, adds it to sys.modules and runs %s's "
                "top-level code, top to bottom%s" % (first, file or name, timing)
            )
        out.append(Note(text))
        if package:
            out.append(
                Note(
                    "%s is a package: its __init__.py runs first, before any of its submodules, which "
                    "load only when something imports them" % name
                )
            )
        elif "." in e.name:
            parent, _, last = e.name.rpartition(".")
            out.append(
                Note(
                    "a submodule: its package %s is imported first; once loaded, it is also the "
                    "attribute %s of %s" % (esc(parent), esc(last), esc(parent))
                )
            )
        bytecode = self._bytecode(e)
        if bytecode:
            out.append(Note(bytecode))
        if e.lazy:
            out.append(Note("lazy: importlib.util.LazyLoader runs its code only when a name in it is first used"))
        if e.error is not None and _no_parent(e):
            out.append(Note(_NO_PARENT, True))
        if e.error is not None:
            out.append(
                Note(
                    "its code raises %s, so the import fails: Python takes %s out of sys.modules again, "
                    "and a later import starts over with a new search" % (self.facts.error(e), name),
                    True,
                )
            )
        elif e.duration is None:
            out.append(Note("still running when the trace stopped", True))
        if e.replaced:
            out.append(
                Note(
                    "its code puts another object into sys.modules under its name: importers get that "
                    "object, not the module"
                )
            )
        return out

    def _timing(self, e: Event) -> str:
        if e.duration is None or e.error is not None:
            return ""
        if e.self_duration is not None and e.self_duration != e.duration:
            return " (%s: %s in its own code, the rest in the imports nested below)" % (
                took(e.duration),
                took(e.self_duration),
            )
        return " (%s)" % took(e.duration)

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

    def _bytecode(self, e: Event) -> str | None:
        bytecode = e.bytecode
        file = esc(os.path.basename(e.origin or "")) or "the source"
        if bytecode == "cached":
            return "bytecode from __pycache__ (compiled before, and still matching %s): nothing to compile" % file
        if bytecode == "bytecode":
            return "no source file, only a compiled .pyc: Python runs that bytecode as it is"
        if bytecode == "stale":
            text = "the __pycache__ file is out of date (%s changed since), so Python compiles %s again" % (file, file)
        elif bytecode == "compiled":
            text = "no __pycache__ file yet, so Python compiles %s to bytecode first" % file
        else:
            return None
        if self.trace.header.get("dont_write_bytecode"):
            return text + "; it does not save it, because PYTHONDONTWRITEBYTECODE (or python -B) is set"
        return text + " and saves it in __pycache__ for the next run"

    # --- cache hits ------------------------------------------------------------------------------------

    def _hits(self, hits: list[Event]) -> list[Note]:
        first = hits[0]
        name = esc(first.name)
        out: list[Note] = []
        target = self.facts.cycle(first)
        load = self.first_loads.get(first.name)
        if first.partial or target is not None:
            out.extend(self._partial(hits, target))
        elif first.waited:
            out.append(
                Note(
                    "another thread is importing %s at that moment: this import waits for it to finish, "
                    "then uses the finished module" % name
                )
            )
        elif load is not None and any(a is load for a in self.trace.ancestors(first)):
            if first.importer == first.name:
                text = (
                    "%s is still running its own code (this statement is in it), so it finds itself in "
                    "sys.modules, unfinished: normal inside a package's __init__.py" % name
                )
            else:
                text = (
                    "%s is still running its code (this import happens inside it): this gets the same, "
                    "unfinished module" % name
                )
            out.append(Note(text))
        else:
            out.append(
                Note(
                    "already in sys.modules%s, so nothing is searched or run: the import only looks it up"
                    % self._since(first, load)
                )
            )
        if first.level:
            out.append(Note(self._relative(first)))
        for text in dict.fromkeys(self._binding(h) for h in hits):
            if text:
                out.append(Note(text))
        repeats = max(h.count for h in hits)
        if repeats > 1:
            out.append(
                Note(
                    "this line runs %d times (in a loop, or a function called again): a look-up in "
                    "sys.modules each time" % repeats
                )
            )
        return out

    def _since(self, e: Event, load: Event | None) -> str:
        if load is not None and load.start <= e.start and load.error is None:
            return " (first imported at %s ms, above)" % ms(load.start)
        if e.name in self.preloaded:
            if self.mode is not None:
                return " (imported before the program started, by Python's own start-up)"
            return " (imported before the trace started)"
        return ""

    def _binding(self, e: Event) -> str:
        """What the statement does in the importer's namespace."""
        importer = esc(e.importer or "the importer")
        name = esc(e.name)
        if e.via == "import_module":
            return "importlib.import_module() returns the module; it binds no name by itself"
        if e.via == "__import__":
            return "__import__() returns the module; it binds no name by itself"
        if not e.fromlist:
            if e.level:
                return ""
            if "." in e.name:
                return "`import %s` binds only the name %s (the top package) in %s; %s is reached through it" % (
                    name,
                    esc(e.name.partition(".")[0]),
                    importer,
                    name,
                )
            return "`import %s` binds the name %s in %s to the module" % (name, name, importer)
        if "*" in e.fromlist:
            return (
                "`from %s import *` copies the public names of %s into %s: the names in its __all__ if it "
                "has one, else every name not starting with _ (the trace does not list them)" % (name, name, importer)
            )
        missing = set(e.missing or ()) if e.partial else set()
        fromlist = [n for n in e.fromlist if n not in missing or "%s.%s" % (e.name, n) in self.known]
        if not fromlist:
            return ""  # nothing was copied: the statement fails (see the note on the circular import)
        subs = [n for n in fromlist if "%s.%s" % (e.name, n) in self.known]
        listed = ", ".join(esc(n) for n in fromlist)
        if e.importer == e.name:
            text = "binds %s in %s itself" % (listed, name)
        elif len(subs) == len(fromlist):
            text = "copies %s into %s" % (listed, importer)
        else:
            text = "copies %s into %s: new names for the same objects, which a later reload of %s does not update" % (
                listed,
                importer,
                name,
            )
        if subs:
            fresh = [n for n in subs if self._not_loaded_before("%s.%s" % (e.name, n), e)]
            text += "; %s %s the submodule%s %s" % (
                ", ".join(esc(n) for n in subs),
                "is" if len(subs) == 1 else "are",
                "" if len(subs) == 1 else "s",
                ", ".join(esc("%s.%s" % (e.name, n)) for n in subs),
            )
            if fresh:
                text += " (a from-list imports a submodule that is not loaded yet)"
        return text

    def _not_loaded_before(self, name: str, e: Event) -> bool:
        """Whether module name had not begun loading when e happened (and was not there at the start)."""
        load = self.first_loads.get(name)
        return name not in self.preloaded and (load is None or load.start > e.start)

    def _relative(self, e: Event) -> str:
        """What the leading dots of a relative import mean here."""
        importer = e.importer or ""
        module = self._module_name(importer)
        base, own = self._package_of(e, module)
        who = esc(importer) if module == importer else "%s (that is %s, run with -m)" % (esc(importer), esc(module))
        where = (
            "%s is itself a package (this is its __init__.py)" % who
            if own
            else "%s is in the package %s" % (who, esc(module.rpartition(".")[0]))
        )
        up = "; each extra dot goes one package up" if e.level > 1 else ""
        return "relative import: the dots count from the importer's package. %s, so `%s` means %s%s" % (
            where,
            "." * e.level,
            esc(base) or "?",
            up,
        )

    def _module_name(self, importer: str) -> str:
        """The importer's real module name: for the __main__ of `python -m pkg.mod`, pkg.mod (or
        pkg.__main__ when -m ran a package)."""
        if importer != "__main__" or self.mode != "module":
            return importer
        program = self.trace.header.get("program")
        target = program.get("target") if isinstance(program, dict) else None
        if not isinstance(target, str) or not target:
            return importer
        if any(e.kind == "search" and e.found and e.name == target + ".__main__" for e in self.trace.events):
            return target + ".__main__"
        return target

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
        out = [
            Note(
                "circular import: %s is still running its top-level code (%s), so %s gets the unfinished "
                "module, with only the names defined so far" % (esc(target), self._chain(first, target), importer),
                True,
            )
        ]
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
                    "`import %s` itself works: %s can use %s's names later, inside functions that run "
                    "once %s has finished, but not at its own top level" % (name, importer, name, esc(target))
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
        out = [
            Note(
                "importlib.reload runs the code of %s again, in the same module object: no new module is "
                "made, so every `import %s` elsewhere sees the new code at once" % (name, name)
            )
        ]
        if e.error is not None:
            out.append(
                Note(
                    "the new code raises %s: %s keeps its old names plus whatever the new code set before "
                    "the error, and stays in sys.modules" % (self.facts.error(e), name),
                    True,
                )
            )
            return out
        if e.duration is None:
            return out
        changes = []
        if e.added:
            changes.append("new names %s" % ", ".join(esc(n) for n in e.added))
        if e.rebound:
            changes.append("new objects for %s" % ", ".join(esc(n) for n in e.rebound))
        if e.removed:
            changes.append("deleted %s" % ", ".join(esc(n) for n in e.removed))
        if changes:
            out.append(Note("what changed: " + "; ".join(changes)))
        imported = self._imported_names(e)
        survivors = [n for n in e.unchanged if n not in imported]
        if survivors:
            out.append(
                Note(
                    "still the very same objects: %s. A reload never deletes names, so what the new code no longer "
                    "defines survives. Certain for a function or class (def and class always make new objects); "
                    "a number or string may just have been set to the same value again"
                    % ", ".join(esc(n) for n in survivors)
                )
            )
        again = [n for n in e.unchanged if n in imported]
        if again:
            out.append(Note("set again by its imports, to the same objects: %s" % ", ".join(esc(n) for n in again)))
        if e.stale:
            attr = esc(e.stale[0].rpartition(".")[2])
            out.append(
                Note(
                    "stale: %s still hold%s the old object%s, because `from %s import ...` copied them and a reload "
                    "does not update copies. Use `import %s` and write %s.%s to always get the current one"
                    % (
                        ", ".join(esc(s) for s in e.stale),
                        "s" if len(e.stale) == 1 else "",
                        "" if len(e.stale) == 1 else "s",
                        name,
                        name,
                        name,
                        attr,
                    ),
                    True,
                )
            )
        return out

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


_NO_PARENT = (
    "a file run as a script, or imported as a top-level module, has no package, so its relative imports "
    "(from . import ...) fail. Run it as a module of its package instead, from the folder that holds the "
    "package: python -m package.module"
)


def _no_parent(e: Event) -> bool:
    """Whether e failed with 'attempted relative import with no known parent package'."""
    return "no known parent package" in (e.error or {}).get("message", "")


def _candidates(name: str) -> str:
    last = esc(name.rpartition(".")[2])
    return "%s.py, a %s folder or a compiled %s module" % (last, last, last)


def _same(a: str, b: str) -> bool:
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def _stdlib_names(python: object) -> frozenset[str]:
    """Top-level standard-library names for the Python that recorded the trace: this interpreter's list,
    plus the modules later versions removed when the trace comes from an older Python."""
    names = STDLIB_NAMES
    if isinstance(python, str):
        try:
            version = tuple(int(x) for x in python.split(".")[:2])
        except ValueError:
            return names
        if version < sys.version_info[:2]:
            names = names | _STDLIB_39
    return names


def explain(trace: Trace) -> list[tuple[Event, list[str]]]:
    """Every event of trace with its notes as plain text, for tools that want the notes without a timeline."""
    explainer = Explainer(trace)
    return [(e, [n.text for n in explainer.notes([e])]) for e in trace.events]
