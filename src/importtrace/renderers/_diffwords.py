"""The words both human formats of a diff use (text and Markdown): counts, times, the verdict on the noise,
lists of module names cut to a few."""

from __future__ import annotations

from typing import Callable

from ..rules._diffresult import Diff, FailedImport, Group, TimeChange
from ..rules._noise import ALPHA
from ._text import esc, took
from ._text import plural as plural

_LISTED = 8  # module names shown per group before "(+N more)"


def listing(names: list[str], show: Callable[[str], str] = esc) -> str:
    """The first names, each through show (escaped by default), then ``(+N more)``."""
    shown = ", ".join(show(n) for n in names[:_LISTED])
    return shown + (" (+%d more)" % (len(names) - _LISTED) if len(names) > _LISTED else "")


def also_loaded(group: Group) -> list[str]:
    """The group's modules other than those its title names."""
    named = set(group.named)
    return [m for m in group.modules if m not in named]


def own_failures(failures: list[FailedImport]) -> list[tuple[str, list[str]]]:
    return [(f.headline, f.chain) for f in failures if not f.stdlib]


def stdlib_failures(failures: list[FailedImport], show: Callable[[str], str] = esc) -> str:
    """The failed imports the standard library made, in one phrase (empty if none)."""
    names = [f.module for f in failures if f.stdlib]
    if not names:
        return ""
    return "%s by the standard library (optional modules it probes for): %s" % (
        plural(len(names), "failed import"),
        listing(names, show),
    )


def signed(ns: int) -> str:
    return ("+" if ns >= 0 else "-") + took(abs(ns))


def percent(change: TimeChange) -> str:
    return "" if change.percent is None else ", %+.0f%%" % change.percent


def group_size(group: Group) -> str:
    n = len(group.modules)
    words = plural(n, "module")
    if group.stdlib:
        words += " (%s standard library)" % ("all" if group.stdlib == n else str(group.stdlib))
    if group.time is not None:
        words += ", %s" % took(group.time)
    return words


def modules_line(diff: Diff) -> str:
    before, after = diff.before.modules, diff.after.modules
    if diff.same_modules:
        return "modules loaded: %d -> %d (the same modules)" % (before, after)
    return "modules loaded: %d -> %d (%d new, %d gone)" % (
        before,
        after,
        len(diff.added_modules),
        len(diff.removed_modules),
    )


def time_line(diff: Diff) -> str:
    """The total import time and the verdict on it, in one sentence."""
    t = diff.import_time
    runs = "" if not diff.repeated else ", medians of %d and %d runs" % (diff.before.runs, diff.after.runs)
    text = "import time%s: %s -> %s (%s%s)" % (runs, took(t.before), took(t.after), signed(t.change), percent(t))
    verdict = t.beyond_noise
    if verdict is None:
        if not diff.repeated:
            return text + ": one run a side, so this may be noise (record both sides with --runs 5 or more)"
        return text + ": too few runs to tell a change from noise (the rank test needs 5 a side)"
    if verdict:
        return text + ": beyond the noise (rank test p = %.2g)" % (t.p_value or 0)
    return text + ": could be noise (rank test p = %.2g; beyond the noise takes p <= %g)" % (t.p_value or 0, ALPHA)


def subtree_heading(diff: Diff) -> str:
    if diff.import_time.beyond_noise:
        return "Time by subtree: the largest changes beyond the noise"
    return "Time by subtree: the largest changes (may be noise)"


def subtree_change(change: TimeChange) -> str:
    before, after = change.before, change.after
    if not before:
        return "new, %s" % took(after)
    if not after:
        return "gone, was %s" % took(before)
    return "%s -> %s" % (took(before), took(after))


def caveats(diff: Diff) -> list[str]:
    notes = []
    for side, word in ((diff.before, "before"), (diff.after, "after")):
        if side.unsteady:
            count = plural(len(side.unsteady), "module")
            notes.append("only some of the %s runs loaded %s: %s" % (word, count, listing(side.unsteady, str)))
    if diff.before.python != diff.after.python:
        notes.append(
            "the sides ran different Pythons (%s and %s): their standard libraries differ"
            % (diff.before.python or "?", diff.after.python or "?")
        )
    return notes
