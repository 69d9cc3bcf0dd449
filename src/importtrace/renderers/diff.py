"""The diff of two runs (an importtrace.rules._diff.Diff) as text for a terminal, Markdown for a pull-request
comment, or JSON for tools.  Like every renderer, this only reads facts: it never touches the import
system or the traced program's files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable

from ..rules._check import Failure
from ..rules._diffresult import Diff, DiffRules, FailedImport, Group, TimeChange
from ..rules._noise import ALPHA
from ._text import esc, keep_head, paint, took

FORMATS = ("text", "markdown", "json")
_LISTED = 8  # module names shown per group before "(+N more)"


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


# --- words both human formats use -------------------------------------------------------------------


def _listing(names: list[str], show: Callable[[str], str] = esc) -> str:
    """The first names, each through show (escaped by default), then ``(+N more)``."""
    shown = ", ".join(show(n) for n in names[:_LISTED])
    return shown + (" (+%d more)" % (len(names) - _LISTED) if len(names) > _LISTED else "")


def _also(group: Group) -> list[str]:
    """The group's modules other than those its title names."""
    named = set(group.named)
    return [m for m in group.modules if m not in named]


def _own_failures(failures: list[FailedImport]) -> list[tuple[str, list[str]]]:
    return [(f.headline, f.chain) for f in failures if not f.stdlib]


def _stdlib_failures(failures: list[FailedImport], show: Callable[[str], str] = esc) -> str:
    """The failed imports the standard library made, in one phrase (empty if none)."""
    names = [f.module for f in failures if f.stdlib]
    if not names:
        return ""
    return "%s by the standard library (optional modules it probes for): %s" % (
        _plural(len(names), "failed import"),
        _listing(names, show),
    )


def _plural(n: int, word: str) -> str:
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def _signed(ns: int) -> str:
    return ("+" if ns >= 0 else "-") + took(abs(ns))


def _percent(change: TimeChange) -> str:
    return "" if change.percent is None else ", %+.0f%%" % change.percent


def _group_size(group: Group) -> str:
    n = len(group.modules)
    words = _plural(n, "module")
    if group.stdlib:
        words += " (%s standard library)" % ("all" if group.stdlib == n else str(group.stdlib))
    if group.time is not None:
        words += ", %s" % took(group.time)
    return words


def _modules_line(diff: Diff) -> str:
    before, after = diff.before.modules, diff.after.modules
    if diff.same_modules:
        return "modules loaded: %d -> %d (the same modules)" % (before, after)
    return "modules loaded: %d -> %d (%d new, %d gone)" % (
        before,
        after,
        len(diff.added_modules),
        len(diff.removed_modules),
    )


def _time_line(diff: Diff) -> str:
    """The total import time and the verdict on it, in one sentence."""
    t = diff.import_time
    runs = "" if not diff.repeated else ", medians of %d and %d runs" % (diff.before.runs, diff.after.runs)
    text = "import time%s: %s -> %s (%s%s)" % (runs, took(t.before), took(t.after), _signed(t.change), _percent(t))
    verdict = t.beyond_noise
    if verdict is None:
        if not diff.repeated:
            return text + ": one run a side, so this may be noise (record both sides with --runs 5 or more)"
        return text + ": too few runs to tell a change from noise (the rank test needs 5 a side)"
    if verdict:
        return text + ": beyond the noise (rank test p = %.2g)" % (t.p_value or 0)
    return text + ": could be noise (rank test p = %.2g; beyond the noise takes p <= %g)" % (t.p_value or 0, ALPHA)


def _subtree_heading(diff: Diff) -> str:
    if diff.import_time.beyond_noise:
        return "Time by subtree: the largest changes beyond the noise"
    return "Time by subtree: the largest changes (may be noise)"


def _subtree_change(change: TimeChange) -> str:
    before, after = change.before, change.after
    if not before:
        return "new, %s" % took(after)
    if not after:
        return "gone, was %s" % took(before)
    return "%s -> %s" % (took(before), took(after))


def _notes(diff: Diff) -> list[str]:
    notes = []
    for side, word in ((diff.before, "before"), (diff.after, "after")):
        if side.unsteady:
            count = _plural(len(side.unsteady), "module")
            notes.append("only some of the %s runs loaded %s: %s" % (word, count, _listing(side.unsteady, str)))
    if diff.before.python != diff.after.python:
        notes.append(
            "the sides ran different Pythons (%s and %s): their standard libraries differ"
            % (diff.before.python or "?", diff.after.python or "?")
        )
    return notes


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
            what.append(_plural(side.runs, "run"))
            self.line("  %-7s %s" % (word, ", ".join(w for w in what if w)))
        self.line(_modules_line(d))
        self.groups(d.added, "+", "added", "New modules: %d, brought in by %s")
        self.groups(d.removed, "-", "removed", "Modules no longer loaded: %d, that %s brought in")
        self.findings("New circular import", [(c.headline, c.chain) for c in d.new_cycles], "!", "bad")
        self.findings("Circular import resolved", [(c.headline, c.chain) for c in d.resolved_cycles], "-", "removed")
        self.findings("New failed import", _own_failures(d.new_failures), "!", "bad", _stdlib_failures(d.new_failures))
        self.findings("Failed import resolved", _own_failures(d.resolved_failures), "-", "removed")
        self.importers()
        self.times()
        for note in _notes(d):
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
        self.line(heading % (count, _plural(len(groups), "import")), "bold")
        for g in groups:
            title = "%s %s%s" % (sign, esc(g.name), " and its imports" if len(g.modules) > 1 else "")
            self.line("%s: %s" % (title, _group_size(g)), color)
            self.chain(g.chain, last="bold")
            also = _also(g)
            if also:
                self.line("    also loaded: " + _listing(also), "dim")

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
            count = _plural(len(stdlib), "standard-library module")
            self.line("~ %s%s (imports reordered): %s" % ("and " if shown else "", count, _listing(stdlib)), "dim")

    def times(self) -> None:
        d = self.diff
        self.out.append("")
        slower = bool(d.import_time.beyond_noise) and d.import_time.change > 0
        sentence = _time_line(d)
        self.line(sentence[0].upper() + sentence[1:], "warn" if slower else None)
        if not d.subtrees:
            if d.import_time.beyond_noise is False:
                self.line("  (subtrees are compared when the total changed beyond the noise)")
            return
        self.line(_subtree_heading(d) + ":")
        for s in d.subtrees:
            assert s.module is not None
            color = "added" if s.change > 0 else "removed"
            self.line("  %9s  %s  (%s)" % (_signed(s.change), esc(s.module), _subtree_change(s)), color)
            if s.before and s.after:  # a new or gone group's chain is shown with the group
                self.chain(s.chain, "               ")

    def rules(self, rules: DiffRules, failures: Sequence[Failure]) -> None:
        self.out.append("")
        failed = {f.rule for f in failures}
        if not failures:
            self.line("Rules: all hold (%s)" % ", ".join(esc(r) for r in rules.describe()), "bold")
            return
        self.line("Rules: %s failed" % _plural(len(failures), "rule"), "bad")
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


# --- markdown ---------------------------------------------------------------------------------------


def _code(text: str) -> str:
    """text as a Markdown code span, whatever backticks it holds."""
    text = esc(text)
    if "`" not in text:
        return "`%s`" % text
    return "`` %s ``" % text


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


class _Markdown:
    def __init__(self, diff: Diff) -> None:
        self.diff = diff
        self.out: list[str] = []

    def render(self, rules: DiffRules | None, failures: Sequence[Failure]) -> str:
        d = self.diff
        self.out.append("### importtrace diff: %s" % _modules_line(d).replace(" -> ", " → "))
        self.out.append("")
        self.out.append("| | program | Python | runs | modules |")
        self.out.append("| --- | --- | --- | ---: | ---: |")
        for side, word in ((d.before, "before"), (d.after, "after")):
            program = _code(side.program) if side.program else "-"
            label = "%s (%s)" % (word, _code(side.label))
            self.out.append(
                "| %s | %s | %s | %d | %d |"
                % (_cell(label), _cell(program), _cell(esc(side.python or "?")), side.runs, side.modules)
            )
        self.groups(d.added, "New modules: %d, brought in by %s")
        self.groups(d.removed, "Modules no longer loaded: %d, that %s brought in")
        self.findings("New circular import", [(c.headline, c.chain) for c in d.new_cycles])
        self.findings("Circular import resolved", [(c.headline, c.chain) for c in d.resolved_cycles])
        self.findings("New failed import", _own_failures(d.new_failures), _stdlib_failures(d.new_failures, _code))
        self.findings("Failed import resolved", _own_failures(d.resolved_failures))
        self.importers()
        self.times()
        notes = _notes(d)
        if notes:
            self.out.append("")
            self.out.extend("> **Note:** %s" % esc(n) for n in notes)
        if rules:
            self.rules(rules, failures)
        return "\n".join(self.out) + "\n"

    def heading(self, text: str) -> None:
        self.out.extend(("", "#### " + text, ""))

    def chain(self, links: list[str], indent: str = "  ") -> None:
        self.out.extend("%s- %s" % (indent, _code(link)) for link in links)

    def groups(self, groups: list[Group], heading: str) -> None:
        if not groups:
            return
        self.heading(heading % (sum(len(g.modules) for g in groups), _plural(len(groups), "import")))
        for g in groups:
            title = ", ".join(_code(n) for n in g.named)
            imports = " and its imports" if len(g.modules) > 1 else ""
            self.out.append("- **%s**%s: %s" % (title, imports, _group_size(g)))
            self.chain(g.chain)
            also = _also(g)
            if also:
                self.out.append("  - *also loaded:* " + _listing(also, _code))

    def findings(self, heading: str, items: list[tuple[str, list[str]]], stdlib: str = "") -> None:
        if not items and not stdlib:
            return
        self.heading(heading + ("s" if len(items) > 1 else ""))
        for headline, chain in items:
            self.out.append("- %s" % _code(headline))
            self.chain(chain)
        if stdlib:
            self.out.append("- %s%s" % ("and " if items else "", stdlib))

    def importers(self) -> None:
        changes = self.diff.importer_changes
        if not changes:
            return
        self.heading("First imported by another module")
        for c in changes:
            if c.stdlib:
                continue
            self.out.append("- %s: imported by %s, now by %s" % (_code(c.module), _code(c.before), _code(c.after)))
            self.out.append("  - before:")
            self.chain(c.before_chain, "    ")
            self.out.append("  - after:")
            self.chain(c.after_chain, "    ")
        stdlib = [c.module for c in changes if c.stdlib]
        if stdlib:
            count = _plural(len(stdlib), "standard-library module")
            also = "and " if len(stdlib) < len(changes) else ""
            self.out.append("- %s%s (imports reordered): %s" % (also, count, _listing(stdlib, _code)))

    def times(self) -> None:
        d = self.diff
        t = d.import_time
        self.heading("Import time")
        self.out.append("| | before | after | change |")
        self.out.append("| --- | ---: | ---: | ---: |")
        self.out.append(
            "| **total** | %s | %s | %s%s |" % (took(t.before), took(t.after), _signed(t.change), _percent(t))
        )
        for s in d.subtrees:
            assert s.module is not None
            self.out.append(
                "| %s | %s | %s | %s%s |"
                % (
                    _cell(_code(s.module)),
                    took(s.before) if s.before else "-",
                    took(s.after) if s.after else "-",
                    _signed(s.change),
                    _percent(s),
                )
            )
        self.out.append("")
        sentence = _time_line(d).replace(" -> ", " → ")
        self.out.append(sentence[0].upper() + sentence[1:] + ".")
        if d.subtrees:
            self.out.append(
                "The rows below the total: %s." % _subtree_heading(d).split(": ", 1)[1]
                + " A module is left out when changed subtrees inside it account for most of its change."
            )
        elif d.import_time.beyond_noise is False:
            self.out.append("Subtrees are compared when the total changed beyond the noise.")

    def rules(self, rules: DiffRules, failures: Sequence[Failure]) -> None:
        failed = {f.rule: f for f in failures}
        self.heading("Rules: %s" % ("all hold" if not failures else "%s failed" % _plural(len(failures), "rule")))
        for rule in rules.describe():
            failure = failed.get(rule)
            if failure is None:
                self.out.append("- passed: %s" % _code(rule))
                continue
            self.out.append("- **FAILED** %s: %s" % (_code(rule), esc(failure.message)))
            for chain in failure.chains:
                if failure.titled:
                    self.out.append("  - %s" % esc(chain[0]))
                    self.chain(chain[1:], "    ")
                else:
                    self.chain(chain)
            self.out.extend("  - %s" % esc(note) for note in failure.notes)


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
