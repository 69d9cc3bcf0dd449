"""The diff of two runs as Markdown, for a pull-request comment (importtrace.renderers.diff.render_diff's
``markdown`` format)."""

from __future__ import annotations

from collections.abc import Sequence

from ..rules._check import Failure
from ..rules._diffresult import Diff, DiffRules, Group
from . import _diffwords as words
from ._text import esc, took


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
        self.out.append("### importtrace diff: %s" % words.modules_line(d).replace(" -> ", " → "))
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
        self.findings(
            "New failed import", words.own_failures(d.new_failures), words.stdlib_failures(d.new_failures, _code)
        )
        self.findings("Failed import resolved", words.own_failures(d.resolved_failures))
        self.importers()
        self.times()
        notes = words.caveats(d)
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
        self.heading(heading % (sum(len(g.modules) for g in groups), words.plural(len(groups), "import")))
        for g in groups:
            title = ", ".join(_code(n) for n in g.named)
            imports = " and its imports" if len(g.modules) > 1 else ""
            self.out.append("- **%s**%s: %s" % (title, imports, words.group_size(g)))
            self.chain(g.chain)
            also = words.also_loaded(g)
            if also:
                self.out.append("  - *also loaded:* " + words.listing(also, _code))

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
            count = words.plural(len(stdlib), "standard-library module")
            also = "and " if len(stdlib) < len(changes) else ""
            self.out.append("- %s%s (imports reordered): %s" % (also, count, words.listing(stdlib, _code)))

    def times(self) -> None:
        d = self.diff
        t = d.import_time
        self.heading("Import time")
        self.out.append("| | before | after | change |")
        self.out.append("| --- | ---: | ---: | ---: |")
        self.out.append(
            "| **total** | %s | %s | %s%s |" % (took(t.before), took(t.after), words.signed(t.change), words.percent(t))
        )
        for s in d.subtrees:
            assert s.module is not None
            self.out.append(
                "| %s | %s | %s | %s%s |"
                % (
                    _cell(_code(s.module)),
                    took(s.before) if s.before else "-",
                    took(s.after) if s.after else "-",
                    words.signed(s.change),
                    words.percent(s),
                )
            )
        self.out.append("")
        sentence = words.time_line(d).replace(" -> ", " → ")
        self.out.append(sentence[0].upper() + sentence[1:] + ".")
        if d.subtrees:
            self.out.append(
                "The rows below the total: %s." % words.subtree_heading(d).split(": ", 1)[1]
                + " A module is left out when changed subtrees inside it account for most of its change."
            )
        elif d.import_time.beyond_noise is False:
            self.out.append("Subtrees are compared when the total changed beyond the noise.")

    def rules(self, rules: DiffRules, failures: Sequence[Failure]) -> None:
        failed = {f.rule: f for f in failures}
        self.heading("Rules: %s" % ("all hold" if not failures else "%s failed" % words.plural(len(failures), "rule")))
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
