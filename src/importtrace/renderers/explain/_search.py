"""Notes on searches: where Python looked for a module (sys.path or a package's __path__), what it found,
and what a name hides (shadowing)."""

from __future__ import annotations

import os

from ...trace._event import SearchEvent
from .._text import esc
from ._core import _DYNLOAD, _STANDARD_FINDERS, _STDLIB, _ZIP, Note, NotesBase, _candidates, _same


class SearchNotes(NotesBase):
    """Notes for search events."""

    def _search(self, e: SearchEvent) -> list[Note]:
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

    def _top_level(self, e: SearchEvent) -> list[Note]:
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

    def _not_found_top(self, e: SearchEvent, labels: list[str]) -> list[Note]:
        looked = " (%s)" % ", ".join(labels) if labels and self.jargon else ""
        count = "%d place%s" % (len(labels), "" if len(labels) == 1 else "s")
        text = "not found: %s is not built in or frozen, and none of the %s on sys.path%s has %s" % (
            esc(e.name),
            count,
            looked,
            _candidates(e.name),
        )
        return [Note(text, True), self._raises(e)]

    def _in_package(self, e: SearchEvent) -> list[Note]:
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

    def _from_list_miss(self, e: SearchEvent) -> Note | None:
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

    def _raises(self, e: SearchEvent) -> Note:
        if e.reason == "probe":
            return Note("importlib.util.find_spec returns None: a probe raises nothing")
        return Note("so the import raises ModuleNotFoundError: No module named %s" % esc(repr(e.name)))

    def _namespace(self, e: SearchEvent) -> Note:
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

    def _shadow(self, e: SearchEvent, index: int, path: list[str]) -> Note | None:
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

    def _shadow_installed(self, e: SearchEvent, index: int, path: list[str]) -> Note:
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
