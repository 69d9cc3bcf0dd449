"""What a real program's start-up is made of: the separate subtrees of its imports (pandas, httpx),
its own code, and which circular imports are its own.

The summary report and ``check --max-modules`` both ask "which imports cost the most?".  Listing the
ancestors of everything (``__main__``, ``app.cli``) does not answer it; the separate subtrees do: walk
down from the program through its own code (see ``_kinds.ModuleKinds``) and stop at each load of
something else, the standard library or an installed package.  Those loads, with everything they
loaded, are separate: none contains another.  Nothing here touches the import system.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..trace._anyevent import AnyEvent
from ..trace._event import LoadEvent
from ..trace._glob import matches
from ..trace._trace import Trace
from ._kinds import OWN, STDLIB, THIRD_PARTY, ModuleKinds, is_importtrace, is_program
from ._structure import node_children, walk

if TYPE_CHECKING:
    from typing import TypeGuard


def is_load(e: AnyEvent) -> TypeGuard[LoadEvent]:
    """A load the tracer saw run (the nodes of the load tree); aliases and unobserved loads are not."""
    return e.kind == "load" and e.observed and e.alias is None


class Subtree:
    """A load and everything loaded inside it: ``modules`` counted modules (its own module included),
    ``time`` nanoseconds from the start of its search to the end of its load (None: unknown)."""

    __slots__ = ("modules", "root", "time")

    def __init__(self, root: AnyEvent, modules: int, time: int | None) -> None:
        self.root = root
        self.modules = modules
        self.time = time

    @property
    def name(self) -> str:
        return self.root.name

    def __repr__(self) -> str:
        return "<Subtree %s: %d modules, %s ns>" % (self.root.name, self.modules, self.time)


class StartUp:
    """A trace read for its start-up: module counts by kind, the separate subtrees, own code, cycles."""

    def __init__(self, trace: Trace, kinds: ModuleKinds | None = None, counted: Iterable[str] | None = None) -> None:
        self.trace = trace
        self.kinds = kinds if kinds is not None else ModuleKinds(trace)
        names = [n for n in trace.loaded() if not is_importtrace(n)] if counted is None else list(counted)
        self.modules = names
        self._counted = set(names)
        self._sizes: dict[int, int] | None = None

    # --- counts --------------------------------------------------------------------------------------

    def by_kind(self) -> dict[str, int]:
        """How many of the loaded modules are the program's own, third-party and standard library."""
        out = {OWN: 0, THIRD_PARTY: 0, STDLIB: 0}
        for name in self.modules:
            out[self.kinds.kind(name)] += 1
        return out

    def aliases(self) -> int:
        """sys.modules entries that were another name for a module (not counted as modules)."""
        return len({e.name for e in self.trace.events if e.kind == "load" and e.alias is not None})

    # --- subtrees ------------------------------------------------------------------------------------

    def sizes(self) -> dict[int, int]:
        """Load id -> how many counted modules its subtree loaded (itself included)."""
        if self._sizes is None:
            sizes: dict[int, int] = {}
            stack: list[int] = []
            for entering, e, _level in walk(self.trace, is_load):
                if entering:
                    stack.append(1 if e.error is None and e.name in self._counted else 0)
                else:
                    n = stack.pop()
                    sizes[e.id] = n
                    if stack:
                        stack[-1] += n
            self._sizes = sizes
        return self._sizes

    def subtree(self, e: AnyEvent) -> Subtree:
        return Subtree(e, self.sizes().get(e.id, 0), self.time(e))

    def time(self, e: AnyEvent) -> int | None:
        """A load's time with its own search, as -X importtime counts it (None: unknown)."""
        if e.duration is None:
            return None
        extra = 0
        if (e.kind == "load" or e.kind == "reload") and e.search is not None:
            search = self.trace.event(e.search)
            if search is not None and search.duration is not None:
                extra = search.duration
        return e.duration + extra

    def separate(self, through: str | None = None) -> list[Subtree]:
        """The separate subtrees: walking down from the program through its own package (the top-level
        package of its first own load on each path; with ``through``, through modules matching that
        pattern instead), the first load of anything else on each path, with all it loaded: an
        installed package, the standard library, or another of the program's own packages.  In the
        order they began."""
        found: list[AnyEvent] = []
        stack: list[tuple[AnyEvent, str | None]] = [
            (e, None) for e in reversed(node_children(self.trace, None, is_load))
        ]
        while stack:
            e, package = stack.pop()
            if is_importtrace(e.name):
                continue
            top = e.name.partition(".")[0]
            if is_program(e):
                inner = package
            elif through is not None:
                inner = top if matches(e.name, through) else ""
            elif self.kinds.own(e.name) and package in (None, top):
                inner = top
            else:
                inner = ""
            if inner == "":
                found.append(e)
            else:
                stack.extend((child, inner) for child in reversed(node_children(self.trace, e, is_load)))
        return [self.subtree(e) for e in found]

    def inside(self, sub: Subtree) -> list[Subtree]:
        """The separate subtrees inside one: the first loads of other top-level packages under it
        (numpy inside pandas), in the order they began."""
        top = sub.root.name.partition(".")[0]
        found: list[AnyEvent] = []
        stack = list(reversed(node_children(self.trace, sub.root, is_load)))
        while stack:
            e = stack.pop()
            if e.name.partition(".")[0] == top:
                stack.extend(reversed(node_children(self.trace, e, is_load)))
            elif not is_importtrace(e.name):
                found.append(e)
        return [self.subtree(e) for e in found]

    def children(self, sub: Subtree) -> list[Subtree]:
        """The loads directly inside one, each with all it loaded, in the order they began."""
        return [self.subtree(e) for e in node_children(self.trace, sub.root, is_load) if not is_importtrace(e.name)]

    # --- the program's own code --------------------------------------------------------------------

    def own_loads(self) -> list[LoadEvent]:
        """The loads of the program's own modules (not the program's run itself), in order."""
        return [
            e
            for e in self.trace.events
            if is_load(e) and not is_program(e) and not is_importtrace(e.name) and self.kinds.own(e.name)
        ]

    # --- circular imports ----------------------------------------------------------------------------

    def cycle_scope(self, hit: AnyEvent, target: str) -> str:
        """Whose circular import it is: OWN when the program's own code takes part, STDLIB when only the
        standard library does, else THIRD_PARTY (inside installed packages)."""
        return cycle_scope(self.kinds, hit, target)


def cycle_scope(kinds: ModuleKinds, hit: AnyEvent, target: str) -> str:
    """OWN, STDLIB or THIRD_PARTY for a circular import (a pair from Trace.cycles())."""
    importer = hit.importer or ""
    if kinds.own(target) or (importer and kinds.own(importer)):
        return OWN
    if kinds.stdlib(target) and (not importer or kinds.stdlib(importer)):
        return STDLIB
    return THIRD_PARTY
