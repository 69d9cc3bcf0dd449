"""Notes on reloads: importlib.reload running a module's code again in the same module object, and what
changed, survived or went stale."""

from __future__ import annotations

from ...trace._event import ReloadEvent
from .._text import esc
from ._bytecode import BytecodeNotes
from ._core import Note, _few


class ReloadNotes(BytecodeNotes):
    """Notes for reload events."""

    def _reload(self, e: ReloadEvent) -> list[Note]:
        name = esc(e.name)
        search = self._searches.get(e.search) if e.search is not None else None
        origin = search.origin if search is not None else None
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

    def _submodules_kept(self, reload: ReloadEvent) -> list[str]:
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

    def _imported_names(self, reload: ReloadEvent) -> set[str]:
        """Names the reloaded code binds with import statements: the same module objects again."""
        names: set[str] = set()
        for e in self.trace.children(reload):
            if e.importer != reload.name or e.kind not in ("hit", "load"):
                continue
            if e.kind == "hit" and e.fromlist:
                names.update(n for n in e.fromlist if n != "*")
            elif e.kind == "load" or not e.level:
                names.add(e.name.partition(".")[0])
        return names
