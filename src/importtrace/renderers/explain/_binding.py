"""Notes on what an import statement bound in the importer's namespace (shared by the load and cache-hit
notes: the statement that first imports a module binds names too)."""

from __future__ import annotations

from ...trace._event import HitEvent, LoadEvent
from .._text import esc
from ._core import Note, NotesBase, _as_written, _few


class BindingNotes(NotesBase):
    """What import statements bound."""

    def _binding(self, e: HitEvent) -> Note | None:
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

    def _load_binding(self, e: LoadEvent) -> list[Note]:
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
