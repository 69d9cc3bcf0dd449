"""The chain of import statements that brought a module in, in words (``app/cli.py:3 imported
app.report``), and ``Finding``: a broken expectation told with such chains, for the assertions,
``importtrace check`` and ``importtrace diff``.

PYTEST_DONT_REWRITE

Like the assertions, this imports only what the interpreter has at start-up.
"""

import os

from ..filters._kinds import is_program
from ..trace._anyevent import AnyEvent
from ..trace._event import LoadEvent
from ..trace._trace import Trace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional


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


def chain_links(
    trace: Trace, event: AnyEvent, target: "Optional[str]" = None, unobserved: "Optional[dict[str, AnyEvent]]" = None
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


def _how(e: AnyEvent) -> str:
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


def _link(e: AnyEvent, target: "Optional[str]" = None) -> str:
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


def _unobserved(e: LoadEvent) -> str:
    by = f"{e.loader}, " if e.loader else ""
    return f"loaded by {by}a finder ahead of importtrace's (unobserved: who imported it is unknown)"


def _place(e: AnyEvent) -> str:
    """``app/cli.py:3`` (relative to the working directory when inside it), else the importer's name."""
    if e.importer == "runpy" and e.file and e.file.endswith(("<frozen runpy>", "runpy.py")):
        return "runpy (python -m)"  # runpy imports the package of the module it runs
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


def _origin_note(trace: Trace, head: AnyEvent, unobserved: "Optional[dict[str, AnyEvent]]" = None) -> "Optional[str]":
    """When the outermost statement's own module was loaded unobserved, say so: the chain stops there."""
    importer = head.importer
    if not importer or importer == head.name:
        return None
    load = (unobserved if unobserved is not None else unobserved_loads(trace)).get(importer)
    return None if load is None else _link(load)


def unobserved_loads(trace: Trace) -> "dict[str, AnyEvent]":
    """Module name -> its first load by a finder ahead of importtrace's (which chains stop at)."""
    found: "dict[str, AnyEvent]" = {}
    for e in trace.events:
        if e.kind == "load" and not e.observed and e.name not in found:
            found[e.name] = e
    return found
