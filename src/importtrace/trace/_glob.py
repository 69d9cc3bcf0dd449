"""Module-name patterns, one rule everywhere: a plain name matches itself and its submodules ('json'
also matches 'json.decoder'), a pattern with ``*``, ``?`` or ``[...]`` is a case-sensitive glob.

PYTEST_DONT_REWRITE

Written without fnmatch or re, so that matching while a trace records imports nothing: only what the
interpreter has at start-up is imported here.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Callable, Optional


def matches(name: str, pattern: "Optional[str]") -> bool:
    """Whether a module name matches a pattern (None matches everything)."""
    if pattern is None:
        return True
    if not any(c in pattern for c in "*?["):
        return name == pattern or name.startswith(pattern + ".")
    return fnmatchcase(name, pattern)


def matcher(patterns: "Iterable[str]") -> "Callable[[str], bool]":
    """One test for several patterns (any of them matches), with its answers cached."""
    chosen = tuple(patterns)
    cache: "dict[str, bool]" = {}

    def match(name: str) -> bool:
        answer = cache.get(name)
        if answer is None:
            answer = cache[name] = any(matches(name, p) for p in chosen)
        return answer

    return match


def fnmatchcase(text: str, pattern: str) -> bool:
    """fnmatch.fnmatchcase: ``*``, ``?``, ``[seq]`` and ``[!seq]``, without the re module."""
    ti = pi = 0
    star = -1
    resume = 0
    while ti < len(text):
        if pi < len(pattern):
            if pattern[pi] == "*":
                star, resume = pi, ti
                pi += 1
                continue
            step = _one(pattern, pi, text[ti])
            if step >= 0:
                ti += 1
                pi = step
                continue
        if star >= 0:
            resume += 1
            ti, pi = resume, star + 1
            continue
        return False
    while pi < len(pattern) and pattern[pi] == "*":
        pi += 1
    return pi == len(pattern)


def _one(pattern: str, pi: int, ch: str) -> int:
    """Where the pattern continues if the element at pi matches the character ch, else -1."""
    c = pattern[pi]
    if c == "?":
        return pi + 1
    if c == "[":
        j = pi + 1
        negate = j < len(pattern) and pattern[j] == "!"
        if negate:
            j += 1
        end = pattern.find("]", j + 1)  # a ']' first in the set is a member, as in fnmatch
        if end < 0:
            return pi + 1 if ch == "[" else -1
        body = pattern[j:end]
        hit = False
        k = 0
        while k < len(body):
            if k + 2 < len(body) and body[k + 1] == "-":
                hit = hit or body[k] <= ch <= body[k + 2]
                k += 3
            else:
                hit = hit or body[k] == ch
                k += 1
        return end + 1 if hit != negate else -1
    return pi + 1 if c == ch else -1
