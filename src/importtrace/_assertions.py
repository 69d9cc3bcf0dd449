"""Assertions on a trace that name the culprit: the chain of import statements, file and line,
that brought a module in.  Plain functions raising AssertionError, with or without pytest.

PYTEST_DONT_REWRITE

Like the recording modules this imports only what the interpreter has at start-up, so that using
it while a trace records adds nothing but importtrace's own module (which the helpers ignore).
"""

import os
import sys

from ._trace import Event, Trace, _matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Optional, Protocol, Union

    class SupportsTrace(Protocol):
        """A stopped Recording, or the pytest fixture: anything whose ``trace`` is a Trace."""

        @property
        def trace(self) -> Trace: ...

    TraceLike = Union[Trace, SupportsTrace]

__all__ = [
    "assert_imported",
    "assert_max_modules",
    "assert_no_cycles",
    "assert_not_imported",
    "assert_not_loaded",
    "assert_not_requested",
]

#: which event kinds each question counts (a reload runs the module's code again, so it counts as a load)
LOADED = ("load", "reload")
IMPORTED = ("load", "reload", "hit")
REQUESTED = ("search", "load", "reload", "hit")
_SHOWN = 10  # names listed before "(+N more)"


# --- the assertions -------------------------------------------------------------------------------


def assert_not_imported(trace: "TraceLike", *patterns: str) -> None:
    """Fail if a module matching any pattern was imported: loaded, or served from sys.modules.

    Counting cache hits makes this the robust guard: it fails even when an earlier test (or the
    interpreter) had already loaded the module.  A plain name also matches its submodules."""
    __tracebackhide__ = True
    _refuse(trace, patterns, IMPORTED, "imported")


def assert_not_loaded(trace: "TraceLike", *patterns: str) -> None:
    """Fail if a module matching any pattern was loaded (its code ran) during the trace."""
    __tracebackhide__ = True
    _refuse(trace, patterns, LOADED, "loaded")


def assert_not_requested(trace: "TraceLike", *patterns: str) -> None:
    """Fail if anything asked for a matching module: an import, a cache hit, even a failed search or a
    find_spec probe (``try: import pandas`` counts although pandas is not installed)."""
    __tracebackhide__ = True
    _refuse(trace, patterns, REQUESTED, "requested")


def assert_imported(trace: "TraceLike", *patterns: str) -> None:
    """Fail unless each pattern matched a module that was imported (loaded without error, or a cache hit)."""
    __tracebackhide__ = True
    t = as_trace(trace)
    problems = [_not_imported(t, p) for p in _patterns(patterns) if not _imported_events(t, p)]
    if problems:
        raise AssertionError("\n".join(problems))


def assert_max_modules(trace: "TraceLike", limit: int, pattern: "Optional[str]" = None) -> None:
    """Fail if more than ``limit`` modules (only those matching ``pattern``, if given) were loaded."""
    __tracebackhide__ = True
    t = as_trace(trace)
    finding = max_modules_finding(t, limit, pattern)
    if finding is not None:
        raise AssertionError(finding.inline())


def assert_no_cycles(trace: "TraceLike", pattern: "Optional[str]" = None, *, stdlib: bool = False) -> None:
    """Fail if a module was imported while it was still initialising in the same thread: a circular
    import (only cycles with a module matching ``pattern``, if given).  Cycles between standard-library
    modules, which you cannot fix, count only with ``stdlib=True``."""
    __tracebackhide__ = True
    t = as_trace(trace)
    findings = cycle_findings(t, pattern, stdlib)
    if findings:
        raise AssertionError("\n".join(f.inline() for f in findings))


# --- what the checks find (shared with `importtrace check`) -----------------------------------------


class Finding:
    """One broken expectation: a headline, the import chains that explain it, and extra lines.
    A ``titled`` finding's chains start with a title (``app.cli and its imports, 15 modules``) before the links."""

    __slots__ = ("chains", "extra", "headline", "titled")

    def __init__(
        self, headline: str, chains: "list[list[str]]", extra: "Optional[list[str]]" = None, titled: bool = False
    ) -> None:
        self.headline = headline
        self.chains = chains
        self.extra = list(extra or [])
        self.titled = titled

    def inline(self) -> str:
        """The assertion message: ``headline: link; link``, then one line per further chain or note."""
        lines = [self.headline]
        chains = self.chains
        if chains and not self.titled:
            lines[0] += ": " + "; ".join(chains[0])
            chains = chains[1:]
        for chain in chains:
            if self.titled:
                lines.append("  %s: %s" % (chain[0], "; ".join(chain[1:])))
            else:
                lines.append("  " + "; ".join(chain))
        lines.extend("  " + line for line in self.extra)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Finding {self.headline!r}>"


def as_trace(obj: "TraceLike") -> Trace:
    """A Trace from a Trace, a stopped Recording or the ``import_trace`` fixture."""
    if isinstance(obj, Trace):
        return obj
    trace = obj.trace  # a Recording still recording raises TraceError here, saying so
    if not isinstance(trace, Trace):
        raise TypeError(f"expected a Trace, a stopped Recording or the import_trace fixture, not {obj!r}")
    return trace


def own(name: str) -> bool:
    """importtrace's own modules, which the helpers never count (they may load lazily mid-trace)."""
    return name == "importtrace" or name.startswith("importtrace.")


def offending(trace: Trace, pattern: str, kinds: "tuple[str, ...]") -> "list[Event]":
    """Events of the given kinds about modules matching pattern, in the order they began."""
    return [e for e in trace.events if e.kind in kinds and not own(e.name) and _matches(e.name, pattern)]


def refusal_finding(trace: Trace, pattern: str, kinds: "tuple[str, ...]", verb: str) -> "Optional[Finding]":
    """Why a module matching pattern was imported/loaded/requested, or None if none was."""
    events = offending(trace, pattern, kinds)
    if not events:
        return None
    first = events[0]
    name = first.name
    shown = name if pattern == name else f"{name} (matching {pattern!r})"
    names = [n for n in _distinct(e.name for e in events) if n != name]
    extra = [f"also {verb}: {_listing(names)}"] if names else []
    if first.kind == "load" and not first.observed:
        return Finding(f"{shown} was {verb}: {_unobserved(first)}", [], extra)
    return Finding(f"{shown} was {verb}{_how(first)}", [chain_links(trace, first)], extra)


def loaded_modules(trace: Trace, pattern: "Optional[str]" = None) -> "list[str]":
    """Modules loaded (without error) during the trace, importtrace's own left out."""
    return [n for n in trace.loaded(pattern) if not own(n)]


def max_modules_finding(trace: Trace, limit: int, pattern: "Optional[str]" = None) -> "Optional[Finding]":
    """Which imports brought in the most modules, when more than ``limit`` were loaded."""
    names = loaded_modules(trace, pattern)
    if len(names) <= limit:
        return None
    counted = set(names)
    loads = [e for e in trace.events if e.kind == "load" and e.error is None and e.name in counted]
    sizes: "dict[int, int]" = {}
    for e in loads:
        node: "Optional[Event]" = e
        seen: "set[int]" = set()
        while node is not None and node.id not in seen:  # every load counts for itself and each ancestor
            seen.add(node.id)
            if node.kind == "load" and node.name in counted:
                sizes[node.id] = sizes.get(node.id, 0) + 1
            node = trace.parent(node)
    order = {e.id: i for i, e in enumerate(trace.events)}
    biggest = sorted((i for i in sizes if sizes[i] > 1), key=lambda i: (-sizes[i], order[i]))[:3]
    what = "modules" if pattern is None else f"modules matching {pattern!r}"
    headline = f"{len(names)} {what} were loaded, more than the budget of {limit}"
    chains = []
    for i in biggest:
        top = trace.event(i)
        assert top is not None
        chains.append([f"{top.name} and its imports, {sizes[i]} modules", *chain_links(trace, top)])
    return Finding(headline, chains, [f"loaded: {_listing(names)}"], titled=True)


def import_time(trace: Trace) -> int:
    """Nanoseconds spent importing: the outermost searches, loads and reloads, added up; inside the
    program's own ``__main__`` (a command-line trace's root), its imports, not the script's run time.
    Unobserved loads have no time; cache hits are too cheap to count."""
    total = 0
    for e in trace.events:
        if e.kind in ("search", "load", "reload") and e.duration is not None and not own(e.name):
            parent = trace.parent(e)
            if (parent is None and not is_program(e)) or (parent is not None and is_program(parent)):
                total += e.duration
    return total


def is_program(event: Event) -> bool:
    """The program itself: a command-line trace's root load of ``__main__``, which no statement imported
    (its duration is the script's whole run)."""
    return event.name == "__main__" and event.parent is None and not (event.where or event.importer)


def cycles(trace: Trace, pattern: "Optional[str]" = None, stdlib: bool = False) -> "list[tuple[Event, str]]":
    """Trace.cycles(), without importtrace's own, only those involving ``pattern`` if given, and
    cycles whose two modules are both in the standard library only with ``stdlib``."""
    found = []
    for e, target in trace.cycles():
        if own(target):
            continue
        if pattern is not None and not (_matches(target, pattern) or _matches(e.importer or "", pattern)):
            continue
        if not stdlib and is_stdlib(target, trace) and is_stdlib(e.importer or "", trace):
            continue
        found.append((e, target))
    return found


def cycle_findings(trace: Trace, pattern: "Optional[str]" = None, stdlib: bool = False) -> "list[Finding]":
    return [cycle_finding(trace, hit, target) for hit, target in cycles(trace, pattern, stdlib)]


def cycle_finding(trace: Trace, hit: Event, target: str, unobserved: "Optional[dict[str, Event]]" = None) -> Finding:
    """One circular import (a pair from Trace.cycles()) and the chain of imports that closed it."""
    importer = hit.importer or "?"
    headline = f"circular import: {importer} imported {target} while {target} was still initialising"
    if hit.missing:
        headline += " (names not defined yet: %s)" % ", ".join(hit.missing)
    return Finding(headline, [chain_links(trace, hit, target, unobserved)])


_STDLIB: "Optional[frozenset[str]]" = getattr(sys, "stdlib_module_names", None)  # 3.10+
_STDLIB_DIR = os.path.dirname(os.__file__)


def is_stdlib(name: str, trace: "Optional[Trace]" = None) -> bool:
    """Whether ``name`` belongs to the standard library (on 3.9, judged by where its file is)."""
    top = name.partition(".")[0]
    if not top:
        return False
    if _STDLIB is not None:
        return top in _STDLIB
    if top in sys.builtin_module_names:
        return True
    origin = None
    if trace is not None:
        origin = next((e.origin for e in trace.events if e.name == top and e.origin), None)
    if origin is None:
        origin = getattr(sys.modules.get(top), "__file__", None)
    if not isinstance(origin, str):
        return False
    rest = origin[len(_STDLIB_DIR) :]
    return origin.startswith(_STDLIB_DIR + os.sep) and "-packages" + os.sep not in rest


def _only_submodules(hit: Event, known: "set[str]") -> bool:
    """``from pkg import a, b`` where a and b are submodules of pkg (not names its __init__ defines)."""
    names = hit.fromlist
    return bool(names) and "*" not in names and all(f"{hit.name}.{n}" in known for n in names)


def chain_links(
    trace: Trace, event: Event, target: "Optional[str]" = None, unobserved: "Optional[dict[str, Event]]" = None
) -> "list[str]":
    """``['app/cli.py:3 imported app.report', 'app/report.py:1 imported pandas']``: each import
    statement from the outermost one down to event (whose module may be named as ``target``).
    ``unobserved`` (from unobserved_loads) saves a pass over the trace when making many chains."""
    chain = [*trace.ancestors(event), event]
    if len(chain) > 1 and is_program(chain[0]):
        del chain[0]  # the program itself (a command-line trace's root): no statement imported it
    links = []
    head = chain[0]
    note = _origin_note(trace, head, unobserved)
    if note:
        links.append(note)
    for e in chain:
        links.append(_link(e, target if e is event else None))
    return links


# --- wording --------------------------------------------------------------------------------------


def _refuse(trace: "TraceLike", patterns: "Iterable[str]", kinds: "tuple[str, ...]", verb: str) -> None:
    __tracebackhide__ = True
    t = as_trace(trace)
    findings = [f for f in (refusal_finding(t, p, kinds, verb) for p in _patterns(patterns)) if f is not None]
    if findings:
        raise AssertionError("\n".join(f.inline() for f in findings))


def _patterns(patterns: "Iterable[str]") -> "list[str]":
    out = list(patterns)
    if not out:
        raise TypeError("give at least one module name or glob pattern")
    for p in out:
        if not isinstance(p, str) or not p:
            raise TypeError(f"module patterns are non-empty strings, not {p!r}")
    return out


def _imported_events(trace: Trace, pattern: str) -> "list[Event]":
    return [e for e in offending(trace, pattern, IMPORTED) if e.kind == "hit" or e.error is None]


def _not_imported(trace: Trace, pattern: str) -> str:
    """Why nothing matching pattern was imported, with the closest thing that did happen."""
    requested = offending(trace, pattern, REQUESTED)
    if requested:
        e = requested[-1]
        return f"{pattern} was not imported: {e.name} was requested{_how(e)}: " + "; ".join(chain_links(trace, e))
    if any(_matches(n, pattern) for n in trace.preloaded):
        return (
            f"{pattern} was not imported: it was loaded before the trace began and nothing imported it during "
            "the trace (import it fresh: importtrace.fresh_import or the import_trace fixture's fresh_import)"
        )
    names = loaded_modules(trace)
    return f"{pattern} was not imported (nothing requested it); loaded: {_listing(names) if names else 'nothing'}"


def _how(e: Event) -> str:
    """What kind of event made the module count, as a parenthesis (empty for a plain load)."""
    if e.kind == "hit":
        return " (from the cache: it was already in sys.modules)"
    if e.kind == "reload":
        return " (reloaded)"
    if e.kind == "search":
        if e.reason == "probe":
            return " (a find_spec probe)"
        return " (the search found nothing)" if e.found is False else ""
    if e.error:
        return " (and its code raised {}: {})".format(e.error.get("type"), e.error.get("message"))
    return ""


def _link(e: Event, target: "Optional[str]" = None) -> str:
    name = e.name
    if e.kind == "load" and not e.observed:
        return f"{name} {_unobserved(e)}"
    verb = {"reload": "reloaded", "search": "asked for"}.get(e.kind, "imported")
    if e.kind == "search" and e.found is not False:
        verb = "imported"
    text = f"{_place(e)} {verb} {name}"
    if e.kind == "hit" and e.fromlist and target and target != name:
        text = f"{_place(e)} imported {target} (from {name} import {', '.join(e.fromlist)})"
    if e.kind == "search" and e.found is False:
        text += " (not found)"
    elif e.kind == "search" and e.reason == "probe":
        text += " (find_spec probe)"
    elif e.kind == "load" and e.error:
        text += " (raised %s)" % e.error.get("type")
    return text


def _unobserved(e: Event) -> str:
    by = f"{e.loader}, " if e.loader else ""
    return f"loaded by {by}a finder ahead of importtrace's (unobserved: who imported it is unknown)"


def _place(e: Event) -> str:
    """``app/cli.py:3`` (relative to the working directory when inside it), else the importer's name."""
    if e.where:
        return _short(e.where)
    if e.importer:
        return e.importer
    return "(unknown place)"


def _short(where: str) -> str:
    try:
        cwd = os.getcwd()
    except OSError:
        return where
    prefix = cwd.rstrip(os.sep) + os.sep
    return where[len(prefix) :] if where.startswith(prefix) else where


def _origin_note(trace: Trace, head: Event, unobserved: "Optional[dict[str, Event]]" = None) -> "Optional[str]":
    """When the outermost statement's own module was loaded unobserved, say so: the chain stops there."""
    importer = head.importer
    if not importer or importer == head.name:
        return None
    load = (unobserved if unobserved is not None else unobserved_loads(trace)).get(importer)
    return None if load is None else _link(load)


def unobserved_loads(trace: Trace) -> "dict[str, Event]":
    """Module name -> its first load by a finder ahead of importtrace's (which chains stop at)."""
    found: "dict[str, Event]" = {}
    for e in trace.events:
        if e.kind == "load" and not e.observed and e.name not in found:
            found[e.name] = e
    return found


def _distinct(names: "Iterable[str]") -> "list[str]":
    return list(dict.fromkeys(names))


def _listing(names: "list[str]") -> str:
    shown = ", ".join(names[:_SHOWN])
    if len(names) > _SHOWN:
        shown += " (+%d more)" % (len(names) - _SHOWN)
    return shown
