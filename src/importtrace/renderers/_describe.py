"""What to say about each event, in words: its status (FAILED, NOT FOUND, ...) and the fact that matters
for its kind.  Shared by the text formats; every string it returns is already escaped with ``esc``."""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..trace._anyevent import AnyEvent
from ..trace._event import HitEvent, LoadEvent, ReloadEvent, SearchEvent
from ..trace._trace import Trace
from ._text import EXTRA, PATH, TEXT, esc, plural, took

Parts = list[tuple[str, int]]  # (text, TEXT | PATH | EXTRA): how the text may give way to fit a width

_BYTECODE = {
    "cached": "code from __pycache__",
    "stale": "__pycache__ out of date, recompiled",
    "compiled": "compiled (no __pycache__ file)",
    "bytecode": "bytecode only (no source)",
}
_REASONS = {"reload": "for a reload", "probe": "probe (find_spec, not an import)", "lazy": "lazy"}


class Facts:
    """Describes the events of one trace; paths under the trace's working directory are shown relative."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        cwd = trace.header.get("cwd")
        self._here = os.path.join(cwd, "") if isinstance(cwd, str) and cwd else None
        self._paths: dict[str, str] = {}
        self.cycles = cycles(trace)
        cells = trace.header.get("cells")
        self._cells: dict[str, object] = cells if isinstance(cells, dict) else {}
        self._main_name = _main_name(trace)

    def cycle(self, e: AnyEvent) -> str | None:
        """For a hit that closed a circular import: the module that was still initialising."""
        return self.cycles.get((e.where, e.name)) if self.cycles and e.kind == "hit" else None

    def path(self, path: str) -> str:
        """path, relative to the trace's working directory when inside it, escaped."""
        out = self._paths.get(path)
        if out is None:
            here = self._here
            out = esc(path[len(here) :] if here is not None and path.startswith(here) else path)
            self._paths[path] = out
        return out

    def place(self, where: str | None) -> str:
        """A place ('file:line') as people read it: 'main.py line 3', or 'In [3], line 2' for a notebook cell
        (the header's ``cells`` maps a cell's file name to its number)."""
        if not where:
            return "?"
        file, _, line = where.rpartition(":")
        cell = self._cells.get(file)
        if cell is not None:
            return "In [%s], line %s" % (esc(str(cell)), esc(line))
        return "%s line %s" % (self.path(file), esc(line))

    def module_name(self, importer: str | None) -> str | None:
        """The importer's real module name: for the __main__ of `python -m pkg.mod`, pkg.mod (or
        pkg.__main__ when -m ran a package), which its relative imports count from."""
        if importer == "__main__" and self._main_name:
            return self._main_name
        return importer

    def status(self, e: AnyEvent) -> tuple[str, str] | None:
        """The word that must never be hidden (and its colour), or None for an event that went fine."""
        if e.error is not None:
            return "FAILED", "bad"
        if e.kind == "search":
            if e.found is False:
                return "NOT FOUND", "bad"
        elif e.kind == "load":
            if e.alias is not None:
                return None  # another name for a module: nothing went wrong
            if not e.observed:
                return "UNOBSERVED", "warn"
        elif e.kind == "hit":
            if self.cycle(e) is not None:
                return "CYCLE", "warn"
            if e.waited:
                return "WAITED", "warn"
            return None
        if e.duration is None:
            return "UNFINISHED", "warn"
        return None

    def details(self, e: AnyEvent, origin: bool = True) -> Parts:
        """The fact that matters for the event's kind; origin=False leaves out a load's file (shown on
        the line of its search just before)."""
        if e.kind == "search":
            return self._search(e)
        if e.kind == "load":
            return self._load(e, origin)
        if e.kind == "hit":
            return self._hit([e])
        return self._reload(e)

    def _search(self, e: SearchEvent) -> Parts:
        parts: Parts = []
        if e.reason in _REASONS:
            parts.append((_REASONS[e.reason or ""] + ", ", TEXT))
        if e.error is not None:
            parts.append((self.error(e) + " (raised by a finder)", TEXT))
            parts.extend(self.asked(e))
        elif e.found is False:
            parts.extend(self.asked(e, "asked by "))
            where = " in " + ", ".join(self.path(p) for p in e.path) if e.path else ""
            parts.append(("%sno finder found it%s" % ("; " if parts else "", where), EXTRA))
        elif e.found:
            parts.append(("found by %s" % esc(e.finder or "?"), TEXT))
            if e.origin and not e.namespace:
                parts.append((": ", TEXT))
                parts.append((self.path(e.origin), PATH if e.origin not in ("built-in", "frozen") else TEXT))
            if e.namespace:
                parts.append((" (namespace package)", TEXT))
            elif e.package:
                parts.append((" (package)", TEXT))
        if e.ahead:
            parts.append(("; finders ahead of importtrace's: %s" % esc(", ".join(e.ahead)), EXTRA))
        return parts

    def _load(self, e: LoadEvent, origin: bool) -> Parts:
        parts: Parts = []
        if e.alias is not None:
            if e.alias.startswith("<"):
                return [("not a module: a %s object put in sys.modules" % esc(e.alias.strip("<>")), TEXT)]
            return [("another name for %s in sys.modules (an alias, not a module of its own)" % esc(e.alias), TEXT)]
        if not e.observed:
            parts.append(("in sys.modules when the trace stopped, loaded where the tracer could not see", TEXT))
            if e.loader:
                parts.append((" (%s)" % esc(e.loader), TEXT))
            if e.origin:
                parts.append((": ", TEXT))
                parts.append((self.path(e.origin), PATH))
            return parts
        if e.error is not None:
            parts.append((self.error(e) + "; ", TEXT))
        elif e.duration is None:
            parts.append(("still running when the trace stopped; ", TEXT))
        parts.append((esc(e.module_type or "unknown"), TEXT))
        if e.self_duration is not None and e.self_duration != e.duration:
            parts.append((", self %s" % took(e.self_duration), TEXT))
        bytecode = e.bytecode  # recorded only in the recorder's details mode
        if bytecode:
            parts.append((", " + _BYTECODE.get(bytecode, esc(str(bytecode))), TEXT))
        if e.lazy:
            parts.append((", lazy (runs on first attribute access)", TEXT))
        if e.replaced:
            parts.append((", replaced itself in sys.modules", TEXT))
        if origin and e.origin and e.origin not in ("built-in", "frozen"):
            parts.append((" ", TEXT))
            parts.append((self.path(e.origin), PATH))
        return parts

    def _hit(self, hits: Sequence[HitEvent]) -> Parts:
        first = hits[0]
        parts: Parts = [(self.statement(hits), TEXT)]
        missing = sorted({m for h in hits for m in h.missing or ()}) if first.partial else None
        if missing:
            parts.append(("; not yet defined: %s" % esc(", ".join(missing)), TEXT))
        parts.extend(self.asked(first, " by ", [h.line for h in hits[1:]]))
        target = self.cycle(first)
        if target is not None:
            parts.append(("; %s was still initialising (circular import)" % esc(target), EXTRA))
        elif first.partial:
            parts.append(("; %s was still initialising (a package importing its own parts)" % esc(first.name), EXTRA))
        if first.waited:
            parts.append(("; waited for another thread loading it", EXTRA))
        return parts

    def hits(self, hits: Sequence[HitEvent]) -> Parts:
        """Details of consecutive hits on one module from one file, told as one."""
        return self._hit(hits)

    def _reload(self, e: ReloadEvent) -> Parts:
        parts: Parts = []
        if e.error is not None:
            parts.append((self.error(e), TEXT))
        elif e.duration is None:
            parts.append(("still running when the trace stopped", TEXT))
        else:
            changes = [
                "%s %s" % (label, ", ".join(names))
                for label, names in (("added", e.added), ("removed", e.removed), ("rebound", e.rebound))
                if names
            ]
            parts.append((esc("; ".join(changes)) if changes else "nothing added, removed or rebound", TEXT))
        if e.stale:
            parts.append(("; old objects still bound in %s" % esc(", ".join(e.stale)), TEXT))
        parts.extend(self.asked(e, "; reloaded by "))
        return parts

    def asked(self, e: AnyEvent, lead: str = "; asked by ", lines: list[int | None] | None = None) -> Parts:
        """'; asked by IMPORTER at FILE:LINE' (more lines for folded hits)."""
        if e.importer is None and e.where is None:
            return []
        parts: Parts = [(lead + esc(e.importer or "?"), TEXT)]
        if e.where:
            file = e.where.rpartition(":")[0]
            if file in self._cells:
                at = self.place(e.where)
            else:
                at = self.path(e.where)
            if lines:
                at += "".join(",%s" % n for n in lines if n is not None)
            parts.append((" at ", TEXT))
            parts.append((at, PATH))
        return parts

    def error(self, e: AnyEvent) -> str:
        error = e.error or {}
        kind, message = error.get("type", "Error"), error.get("message", "")
        return esc("%s: %s" % (kind, message) if message else kind)

    def statement(self, hits: Sequence[HitEvent]) -> str:
        """The import statement (or call) the hits came from, as the program wrote it where we can tell."""
        e = hits[0]
        name = e.name
        if e.via == "import_module":
            return esc("importlib.import_module(%r)" % name)
        if e.via == "__import__":
            return esc("__import__(%r)" % name)
        if not all(h.fromlist for h in hits):
            each = [self.statement([h]) if h.fromlist else esc("import " + name) for h in hits]
            return "; ".join(dict.fromkeys(each))  # in order, each statement once
        fromlist: list[str] = []
        for h in hits:
            fromlist.extend(n for n in h.fromlist if n not in fromlist)
        module = _relative(name, e.level, self.module_name(e.importer)) if e.level else name
        return esc("from %s import %s" % (module, ", ".join(fromlist)))


def _main_name(trace: Trace) -> str | None:
    """The module name __main__ stands for under `python -m`: the target, or target.__main__ when the
    target is a package run through its __main__.py."""
    program = trace.header.get("program")
    if not isinstance(program, dict) or program.get("mode") != "module":
        return None
    target = program.get("target")
    if not isinstance(target, str) or not target:
        return None
    if any(e.kind == "search" and e.found and e.name == target + ".__main__" for e in trace.events):
        return target + ".__main__"
    return target


def _relative(name: str, level: int, importer: str | None) -> str:
    """The relative spelling ('.util') of an absolute module name, when the importer allows telling it."""
    if not importer:
        return name
    base = importer if name == importer or name.startswith(importer + ".") else importer.rpartition(".")[0]
    for _ in range(level - 1):
        base = base.rpartition(".")[0]
    if name == base:
        return "." * level
    if base and name.startswith(base + "."):
        return "." * level + name[len(base) + 1 :]
    return name


def cycles(trace: Trace) -> dict[tuple[str | None, str], str]:
    """(where, module hit) -> the module that was still initialising, for the hits Trace.cycles() calls
    circular imports (older traces' Trace.cycles() returns the hits alone: every partial hit)."""
    if not any(e.kind == "hit" and (e.partial or e.fromlist) for e in trace.events):
        return {}
    found: dict[tuple[str | None, str], str] = {}
    for item in trace.cycles():
        hit, target = item if isinstance(item, tuple) else (item, item.name)
        found.setdefault((hit.where, hit.name), target)
    return found


def counts(trace: Trace, circular: dict[tuple[str | None, str], str] | None = None) -> str:
    """One line counting the events by kind, with failures and oddities."""
    n = {"search": 0, "load": 0, "hit": 0, "reload": 0}
    missing = failed_loads = unobserved = unfinished = failed_reloads = hits = aliases = 0
    loops = len(circular if circular is not None else cycles(trace))
    for e in trace.events:
        n[e.kind] = n.get(e.kind, 0) + 1
        if e.kind == "search":
            missing += e.found is False or e.error is not None
        elif e.kind == "load":
            failed_loads += e.error is not None
            aliases += e.alias is not None
            unobserved += not e.observed and e.alias is None
            unfinished += e.duration is None and e.observed
        elif e.kind == "hit":
            hits += e.count
        elif e.kind == "reload":
            failed_reloads += e.error is not None
    out = []
    out.append(plural(n["search"], "search", "searches") + (" (%s not found)" % f"{missing:,}" if missing else ""))
    extra = [
        "%s %s" % (f"{k:,}", word)
        for k, word in ((failed_loads, "failed"), (unfinished, "unfinished"), (unobserved, "unobserved"))
        if k
    ]
    if aliases:
        extra.append(plural(aliases, "alias", "aliases"))
    out.append(plural(n["load"], "load", "loads") + (" (%s)" % ", ".join(extra) if extra else ""))
    hit_text = plural(hits, "cache hit", "cache hits")
    if hits != n["hit"]:
        hit_text += " from %s" % plural(n["hit"], "place")
    out.append(hit_text + (" (%s circular)" % f"{loops:,}" if loops else ""))
    out.append(
        plural(n["reload"], "reload", "reloads") + (" (%s failed)" % f"{failed_reloads:,}" if failed_reloads else "")
    )
    return ", ".join(out)
