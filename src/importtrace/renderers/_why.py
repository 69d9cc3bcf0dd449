"""The text of `importtrace why` and `--why`: the chain of imports that first brought a module in,
and every other request for it."""

from __future__ import annotations

import linecache
import os
from typing import Callable

from ..trace._anyevent import AnyEvent
from ..trace._trace import Trace
from ..trace._units import ms
from ._text import esc


def _statement(where: str | None) -> str:
    if not where:
        return ""
    filename, _, line = where.rpartition(":")
    if not line.isdigit():
        return ""
    return esc(linecache.getline(filename, int(line)).strip())


def _ms(ns: int | None) -> str:
    """A load's time as the why text gives it: milliseconds to two decimals, "?" when unknown."""
    return "?" if ns is None else ms(ns, 2) + " ms"


LISTED = 10  # requests listed before "... and N more"
_PRELOADED = "was already loaded when the trace started (in sys.modules before the first traced line)"


def why_text(trace: Trace, module: str) -> str:
    """Explain how module got into the program: one row per import statement in the chain, from the
    program down to the module, then every other request for it (paths relative to where it ran)."""
    cwd = trace.header.get("cwd")
    here = os.path.join(cwd, "") if isinstance(cwd, str) and cwd else None

    def short(path: str) -> str:
        return path[len(here) :] if here is not None and path.startswith(here) else path

    requests = trace.requests(module)
    preloaded = module in trace.preloaded
    if not requests:
        if preloaded:
            return "%s was not imported in this trace; it %s\n" % (esc(module), _PRELOADED)
        return "%s was not imported in this trace\n" % esc(module)
    lines = []
    chain = trace.why(module)
    several = len(trace.pids()) > 1
    if chain:
        where = " (in process %s)" % chain[-1].pid if several else ""
        lines.append("%s was first loaded by this chain of imports%s:" % (esc(module), where))
        rows = [(e.importer or "?", short(e.where or "?"), _statement(e.where)) for e in chain if e.importer or e.where]
        width = max(len(esc(r[0])) for r in rows) if rows else 0
        where_width = min(60, max(len(esc(r[1])) for r in rows)) if rows else 0
        for importer, where, statement in rows:
            lines.append("  %-*s  %-*s  %s" % (width, esc(importer), where_width, esc(where), statement))
        last = chain[-1]  # the module's own load
        if last.kind == "load":
            lines.append(
                "  %-*s  loaded from %s (%s, %s)"
                % (width, esc(last.name), esc(short(last.origin or "?")), last.module_type or "?", _ms(last.duration))
            )
    elif preloaded:
        lines.append("%s %s, so importing it only fetched it from sys.modules" % (esc(module), _PRELOADED))
    else:
        lines.append("%s was requested but never loaded in this trace" % esc(module))
    others = [e for e in requests if not chain or e is not chain[-1]]
    if others:
        lines.append("Every request for %s:" % esc(module))
        circular = {(hit.where, hit.name) for hit, _ in trace.cycles()}
        shown = others if len(others) <= LISTED + 2 else others[:LISTED]
        for e in shown:
            process = "[process %s] " % e.pid if several else ""
            lines.append("  " + process + _describe(e, module, (e.where, e.name) in circular, short))
        if len(shown) < len(others):
            by: dict[str, int] = {}
            for e in others[len(shown) :]:
                top = (e.importer or "?").partition(".")[0]
                by[top] = by.get(top, 0) + 1
            ranked = sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))
            lines.append(
                "  ... and %d more, from %s (the timeline shows them: --format timeline --include %s)"
                % (len(others) - len(shown), ", ".join("%s %d" % (esc(k), n) for k, n in ranked[:5]), esc(module))
            )
    return "\n".join(lines) + "\n"


def _describe(e: AnyEvent, module: str, circular: bool, short: Callable[[str], str]) -> str:
    who = "by %s at %s" % (esc(e.importer or "?"), esc(short(e.where or "?")))
    if e.name != module:  # `from pkg import sub`: a hit on pkg that asked for pkg.sub
        who = "(from %s import %s) %s" % (esc(e.name), esc(module.rpartition(".")[2]), who)
    if e.kind == "search":
        if e.found:
            what = "found by %s: %s" % (esc(e.finder or "?"), esc(short(e.origin or e.loader or "")))
        else:
            what = "not found"
        return "search (%s) %s: %s" % (e.reason, who, what)
    if e.kind == "load":
        error = " FAILED: %s: %s" % (e.error["type"], esc(e.error["message"])) if e.error else ""
        return "load %s, %s%s" % (who, _ms(e.duration), error)
    if e.kind == "hit":
        flags = "".join(
            (
                " (circular import)" if circular else "",
                " (%s still initialising: a package importing its own parts)" % esc(e.name)
                if e.partial and not circular
                else "",
                " (waited for another thread)" if e.waited else "",
            )
        )
        count = " x%d" % e.count if e.count != 1 else ""
        return "hit %s%s%s" % (who, count, flags)
    return "reload %s, %s" % (who, _ms(e.duration))
