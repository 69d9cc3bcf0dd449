"""The notes' shared ground: the Note type, the facts every note reads from a trace's header (sys.path and
its places, the standard library, the program), the concepts already explained, and small text helpers."""

from __future__ import annotations

import os
from typing import NamedTuple

from ...filters._kinds import stdlib_names
from ...trace._anyevent import AnyEvent
from ...trace._event import LoadEvent, ReloadEvent
from ...trace._trace import Trace
from .._describe import Facts
from .._text import esc


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


class NotesBase:
    """What every kind of note reads: the trace's header and events, indexed once, and ``seen``."""

    def __init__(
        self, trace: Trace, facts: Facts | None = None, seen: set[str] | None = None, jargon: bool = True
    ) -> None:
        self.trace = trace
        self.facts = facts if facts is not None else Facts(trace)
        self.seen: set[str] = seen if seen is not None else set()
        self.jargon = jargon
        self._processes: dict[int | None, tuple[list[int], list[AnyEvent]]] | None = None
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
        self.first_loads: dict[str, LoadEvent] = {}
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

    def _file(self, e: LoadEvent | ReloadEvent, origin: str | None = None) -> str:
        """The module's file as people name it: greet.py, or shop/__init__.py for a package."""
        origin = origin or (e.origin if e.kind == "load" else None)
        if not origin or origin in _BUILTIN_ORIGINS:
            return ""
        file = esc(os.path.basename(origin))
        if os.path.basename(origin).startswith("__init__."):
            file = "%s/%s" % (esc(e.name.rpartition(".")[2]), file)
        return file

    def _is_package(self, e: LoadEvent) -> bool:
        search = self._searches.get(e.search) if e.search is not None else None
        if search is not None and search.package is not None:
            return bool(search.package)
        return os.path.basename(e.origin or "").startswith("__init__.")

    def _module_name(self, importer: str) -> str:
        """The importer's real module name (see Facts.module_name)."""
        return self.facts.module_name(importer) or importer


# --- helpers ------------------------------------------------------------------------------------------


def _no_parent(e: AnyEvent) -> bool:
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
