"""Notes on cache hits: an import that found its module already in sys.modules (a look-up, a module still
running, a circular import, a relative import's dots)."""

from __future__ import annotations

from bisect import bisect_left

from ...trace._anyevent import AnyEvent
from ...trace._event import HitEvent, LoadEvent
from .._text import esc, ms
from ._binding import BindingNotes
from ._core import Note


class HitNotes(BindingNotes):
    """Notes for cache hits."""

    def _hits(self, hits: list[HitEvent]) -> list[Note]:
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

    def _looked_up(self, e: HitEvent, load: LoadEvent | None, more: bool) -> Note:
        since = self._since(e, load)
        if more:
            return Note("%s is already in sys.modules%s: found there, not searched or run again" % (esc(e.name), since))
        if self.first("hit"):
            return Note("already in sys.modules%s, so nothing is searched or run: the import only looks it up" % since)
        return Note("already in sys.modules%s: only looked up" % since)

    def _by_process(self, pid: int | None) -> tuple[list[int], list[AnyEvent]]:
        """One process's events, in the order they began, and their start times (for bisect)."""
        if self._processes is None:
            self._processes = {}
            for e in self.trace.events:
                self._processes.setdefault(e.pid, ([], []))
                starts, events = self._processes[e.pid]
                starts.append(e.start)
                events.append(e)
        return self._processes.get(pid, ([], []))

    def _submodules_imported(self, hits: list[HitEvent]) -> list[str]:
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

    def _fetched(self, e: HitEvent, subs: list[str]) -> Note:
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

    def _since(self, e: HitEvent, load: LoadEvent | None) -> str:
        if load is not None and load.start <= e.start and load.error is None:
            return " (first imported at %s ms, above)" % ms(load.start) if self.jargon else " (imported above)"
        if e.name in self.preloaded:
            if self.mode is not None:
                return " (imported before the program started, by Python's own start-up)"
            return " (imported before the trace started)"
        return ""

    def _relative(self, e: HitEvent) -> str:
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

    def _package_of(self, e: HitEvent, module: str) -> tuple[str, bool]:
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

    def _partial(self, hits: list[HitEvent], target: str | None) -> list[Note]:
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

    def _chain(self, e: HitEvent, target: str) -> str:
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
