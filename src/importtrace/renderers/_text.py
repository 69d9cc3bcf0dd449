"""Terminal-safe text: escaping of control characters, colours, time units and fitting to a width."""

from __future__ import annotations

from ..trace._units import ms as ms
from ..trace._units import took as took

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_escaped: dict[str, str] = {}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(c: str) -> str:
    if c.isprintable():
        return c
    code = ord(c)
    return _NAMED.get(c) or (
        "\\x%02x" % code if code < 0x100 else "\\u%04x" % code if code < 0x10000 else "\\U%08x" % code
    )


def esc(text: str) -> str:
    """text with every character that str.isprintable() rejects spelled out (``\\x1b``, ``\\u202e``), never
    interpreted: the one escaper for names, paths and messages on a terminal.

    That rejects the C0 and C1 controls and DEL (escape sequences), the line and paragraph separators, the
    format characters (bidirectional marks and overrides, zero-width and tag characters, which display text
    out of order or hide it) and every space but " "; the spelling is Python's own (``\\n``, ``\\x..``,
    ``\\u....``, ``\\U........``), as repr() and the unicode_escape codec write it."""
    if text.isprintable():
        return text
    out = _escaped.get(text)
    if out is None:
        out = "".join([_escape_char(c) for c in text])
        if len(_escaped) < 100_000:
            _escaped[text] = out
    return out


# --- colours ----------------------------------------------------------------------------------------

RESET = "\x1b[0m"
COLORS = {
    "search": "\x1b[36m",  # cyan
    "load": "\x1b[32m",  # green
    "hit": "\x1b[34m",  # blue
    "reload": "\x1b[35m",  # magenta
    "bad": "\x1b[1;31m",  # bold red: failures
    "warn": "\x1b[33m",  # yellow: unfinished, unobserved, cycles
    "added": "\x1b[32m",  # green: the diff's new modules and slower subtrees
    "removed": "\x1b[31m",  # red: the diff's modules no longer loaded and faster subtrees
    "dim": "\x1b[2m",
    "bold": "\x1b[1m",
}


def paint(text: str, color: str | None, on: bool) -> str:
    """text in the named colour when on (and there is something to colour)."""
    if not on or not color or not text:
        return text
    return COLORS[color] + text + RESET


# --- units ------------------------------------------------------------------------------------------


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 event', '2 events', '1,234 events' (many: the plural when it is not one + 's')."""
    return "%s %s" % (f"{n:,}", one if n == 1 else (many or one + "s"))


# --- headings ---------------------------------------------------------------------------------------


def heading(
    format: str, counted: str, header: dict[str, Any], duration: int, aside: str = "", python: bool = True
) -> str:
    """The first line of a trace's text format, built in one place so the formats describe a trace alike:
    'importtrace FORMAT: COUNTED in X ms, Python V (aside)', and a warning when the trace is incomplete."""
    bits = ["importtrace %s: %s in %s ms" % (format, counted, ms(duration))]
    if python and header.get("python"):
        bits.append(", Python %s" % esc(str(header["python"])))
    if aside:
        bits.append(" (%s)" % aside)
    if header.get("complete") is False:
        bits.append(" (incomplete: the program ended while the trace was being written)")
    return "".join(bits)


# --- fitting to a width -----------------------------------------------------------------------------


def keep_tail(text: str, size: int) -> str:
    """text cut to size characters by dropping its head: '...ckage.module'."""
    if len(text) <= size:
        return text
    if size <= 3:
        return text[len(text) - size :] if size > 0 else ""
    return "..." + text[len(text) - size + 3 :]


def keep_head(text: str, size: int) -> str:
    """text cut to size characters by dropping its end: 'detail te...'."""
    if len(text) <= size:
        return text
    if size <= 3:
        return text[:size] if size > 0 else ""
    return text[: size - 3] + "..."


TEXT, PATH, EXTRA = 0, 1, 2  # how a part of a line gives way to fit a width: cut last, shortened, dropped


def fit(parts: list[tuple[str, int]], size: int) -> str:
    """Join (text, how) parts into at most size characters: EXTRA parts go first, then PATH parts lose
    their heads (down to their file name and line), then the whole is cut at its end."""
    text = "".join([p for p, _ in parts])
    excess = len(text) - size
    if excess <= 0:
        return text
    kept = list(parts)
    while excess > 0 and kept and kept[-1][1] == EXTRA:
        excess -= len(kept.pop()[0])
    paths = sorted((i for i, (p, how) in enumerate(kept) if how == PATH), key=lambda i: -len(kept[i][0]))
    for i in paths:
        if excess <= 0:
            break
        p = kept[i][0]
        floor = min(len(p), max(20, len(_tail_of_path(p)) + 4))
        new = max(floor, len(p) - excess)
        if new < len(p):
            short = _path_tail(p, new)
            excess -= len(p) - len(short)
            kept[i] = (short, PATH)
    for i in paths:  # still too long: a path's tail (file and line) is worth more than the text's end
        if excess <= 0:
            break
        p = kept[i][0]
        new = max(min(len(p), len(_last_of_path(p)) + 3), len(p) - excess)
        if new < len(p):
            excess -= len(p) - new
            kept[i] = (keep_tail(p, new), PATH)
    if excess > 0:  # it will be cut anyway: cut the text with its paths whole rather than both
        kept = [part for part in parts if part[1] != EXTRA]
    return keep_head("".join(p for p, _ in kept), size)


def _path_tail(path: str, size: int) -> str:
    """path cut to at most size characters from its head, at a directory boundary where one is near."""
    cut = keep_tail(path, size)
    if cut is path or len(cut) <= 3:
        return cut
    rest = cut[3:]
    sep = min((i for i in (rest.find("/"), rest.find("\\")) if i >= 0), default=-1)
    return "..." + rest[sep:] if 0 <= sep < len(rest) - 1 else cut


def _last_of_path(path: str) -> str:
    """The last component of a path ('decoder.py:12')."""
    return path[max(path.rfind("/"), path.rfind("\\")) + 1 :]


def _tail_of_path(path: str) -> str:
    """The last two components of a path ('json/decoder.py:12')."""
    cut = max(path.rfind("/"), path.rfind("\\"))
    if cut > 0:
        cut = max(path.rfind("/", 0, cut), path.rfind("\\", 0, cut))
    return path[cut + 1 :]
