"""The diff of two runs (an importtrace.rules._diff.Diff) as text for a terminal, Markdown for a pull-request
comment, or JSON for tools.  Like every renderer, this only reads facts: it never touches the import
system or the traced program's files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..rules._check import Failure
from ..rules._diffresult import Diff, DiffRules, Group
from . import _diffwords as words
from ._diffmd import _Markdown
from ._text import esc, keep_head, paint

FORMATS = ("text", "markdown", "json")


def render_diff(
    diff: Diff,
    format: str = "text",
    *,
    color: bool = False,
    width: int | None = None,
    rules: DiffRules | None = None,
    failures: Sequence[Failure] = (),
) -> str:
    """diff as ``text``, ``markdown`` or ``json``; with ``rules``, their outcome (``failures``, from
    importtrace.rules._diff.check) at the end.  ValueError for an unknown format."""
    if format == "json":
        return _json(diff, rules, failures)
    if format == "markdown":
        return _Markdown(diff).render(rules, failures)
    if format == "text":
        return _Text(diff, color, width).render(rules, failures)
    raise ValueError("unknown diff format %r (choose from %s)" % (format, ", ".join(FORMATS)))


# --- text -------------------------------------------------------------------------------------------


class _Text:
    def __init__(self, diff: Diff, color: bool, width: int | None) -> None:
        self.diff = diff
        self.color = color
        self.width = width
        self.out: list[str] = []

    def line(self, text: str, color: str | None = None) -> None:
        if self.width is not None:
            text = keep_head(text, self.width)
        self.out.append(paint(text, color, self.color))

    def render(self, rules: DiffRules | None, failures: Sequence[Failure]) -> str:
        d = self.diff
        self.line("importtrace diff: %s -> %s" % (esc(d.before.label), esc(d.after.label)), "bold")
        for side, word in ((d.before, "before:"), (d.after, "after:")):
            what = [esc(side.program) if side.program else None, "Python " + esc(side.python) if side.python else None]
            what.append(words.plural(side.runs, "run"))
            self.line("  %-7s %s" % (word, ", ".join(w for w in what if w)))
        self.line(words.modules_line(d))
        self.groups(d.added, "+", "added", "New modules: %d, brought in by %s")
        self.groups(d.removed, "-", "removed", "Modules no longer loaded: %d, that %s brought in")
        self.findings("New circular import", [(c.headline, c.chain) for c in d.new_cycles], "!", "bad")
        self.findings("Circular import resolved", [(c.headline, c.chain) for c in d.resolved_cycles], "-", "removed")
        self.findings(
            "New failed import", words.own_failures(d.new_failures), "!", "bad", words.stdlib_failures(d.new_failures)
        )
        self.findings("Failed import resolved", words.own_failures(d.resolved_failures), "-", "removed")
        self.importers()
        self.times()
        for note in words.caveats(d):
            self.line("note: " + esc(note), "warn")
        if rules:
            self.rules(rules, failures)
        return "\n".join(self.out) + "\n"

    def chain(self, links: list[str], lead: str = "      ", last: str | None = None) -> None:
        """One link a line; ``last`` colours the last one (the statement that made the difference)."""
        for i, link in enumerate(links):
            self.line(lead + esc(link), last if i == len(links) - 1 else None)

    def groups(self, groups: list[Group], sign: str, color: str, heading: str) -> None:
        if not groups:
            return
        count = sum(len(g.modules) for g in groups)
        self.out.append("")
        self.line(heading % (count, words.plural(len(groups), "import")), "bold")
        for g in groups:
            title = "%s %s%s" % (sign, esc(g.name), " and its imports" if len(g.modules) > 1 else "")
            self.line("%s: %s" % (title, words.group_size(g)), color)
            self.chain(g.chain, last="bold")
            also = words.also_loaded(g)
            if also:
                self.line("    also loaded: " + words.listing(also), "dim")

    def findings(
        self, heading: str, items: list[tuple[str, list[str]]], sign: str, color: str, stdlib: str = ""
    ) -> None:
        if not items and not stdlib:
            return
        self.out.append("")
        self.line(heading + ("s" if len(items) > 1 else "") + ":", "bold")
        for headline, chain in items:
            self.line("%s %s" % (sign, esc(headline)), color)
            self.chain(chain)
        if stdlib:
            self.line("%s %s%s" % (sign, "and " if items else "", stdlib), "dim")

    def importers(self) -> None:
        changes = self.diff.importer_changes
        if not changes:
            return
        shown = [c for c in changes if not c.stdlib]
        stdlib = [c.module for c in changes if c.stdlib]
        self.out.append("")
        self.line("First imported by another module:", "bold")
        for c in shown:
            self.line("~ %s: imported by %s, now by %s" % (esc(c.module), esc(c.before), esc(c.after)), "warn")
            for word, chain in (("before: ", c.before_chain), ("after:  ", c.after_chain)):
                for i, link in enumerate(chain):
                    self.line("      %s%s" % (word if i == 0 else " " * len(word), esc(link)))
        if stdlib:
            count = words.plural(len(stdlib), "standard-library module")
            self.line("~ %s%s (imports reordered): %s" % ("and " if shown else "", count, words.listing(stdlib)), "dim")

    def times(self) -> None:
        d = self.diff
        self.out.append("")
        slower = bool(d.import_time.beyond_noise) and d.import_time.change > 0
        sentence = words.time_line(d)
        self.line(sentence[0].upper() + sentence[1:], "warn" if slower else None)
        if not d.subtrees:
            if d.import_time.beyond_noise is False:
                self.line("  (subtrees are compared when the total changed beyond the noise)")
            return
        self.line(words.subtree_heading(d) + ":")
        for s in d.subtrees:
            assert s.module is not None
            color = "added" if s.change > 0 else "removed"
            self.line("  %9s  %s  (%s)" % (words.signed(s.change), esc(s.module), words.subtree_change(s)), color)
            if s.before and s.after:  # a new or gone group's chain is shown with the group
                self.chain(s.chain, "               ")

    def rules(self, rules: DiffRules, failures: Sequence[Failure]) -> None:
        self.out.append("")
        failed = {f.rule for f in failures}
        if not failures:
            self.line("Rules: all hold (%s)" % ", ".join(esc(r) for r in rules.describe()), "bold")
            return
        self.line("Rules: %s failed" % words.plural(len(failures), "rule"), "bad")
        for rule in rules.describe():
            if rule not in failed:
                self.line("ok     " + esc(rule))
        for failure in failures:  # as Failure.format lays it out, each part escaped
            self.line("FAILED %s: %s" % (esc(failure.rule), esc(failure.message)), "bad")
            for chain in failure.chains:
                if failure.titled:
                    self.line("    " + esc(chain[0]))
                self.chain(chain[1:] if failure.titled else chain, "        " if failure.titled else "    ")
            for note in failure.notes:
                self.line("    " + esc(note))


# --- json -------------------------------------------------------------------------------------------


def _json(diff: Diff, rules: DiffRules | None, failures: Sequence[Failure]) -> str:
    import json

    data: dict[str, Any] = diff.to_dict()
    if rules is not None:
        failed = {f.rule: f for f in failures}
        data["rules"] = [_rule(rule, failed.get(rule)) for rule in rules.describe()]
    return json.dumps(data, indent=2) + "\n"


def _rule(rule: str, failure: Failure | None) -> dict[str, Any]:
    if failure is None:
        return {"rule": rule, "passed": True}
    return {
        "rule": rule,
        "passed": False,
        "message": failure.message,
        "chains": failure.chains,
        "notes": failure.notes,
    }
