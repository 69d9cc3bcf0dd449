"""Durations as text, defined once for every layer that prints one (the renderers, the rules' messages, the
pytest plugin's summary): it sits here, in the lowest layer, so that each of them can import it."""

from __future__ import annotations


def number(value: float, digits: int = 3) -> str:
    """A number as short as exact to ``digits`` decimals: 10, 12.5, 0.001."""
    return ("%.*f" % (digits, value)).rstrip("0").rstrip(".")


def ms(ns: float, digits: int = 3, trim: bool = False) -> str:
    """Nanoseconds as milliseconds with ``digits`` decimals (3: to the microsecond, for columns and
    headings); trim: without the zeros that end it (250, 12.5), for a number in a sentence."""
    return number(ns / 1e6, digits) if trim else "%.*f" % (digits, ns / 1e6)


def took(ns: int | None) -> str:
    """A duration in the unit that reads best: 850ns, 12us, 3.45ms, 1.20s; '-' when unknown."""
    if ns is None:
        return "-"
    if ns < 1_000:
        return "%dns" % ns
    if ns < 1_000_000:
        return "%dus" % round(ns / 1e3) if ns >= 9_995 else "%.1fus" % (ns / 1e3)
    if ns < 1_000_000_000:
        return "%.1fms" % (ns / 1e6) if ns >= 9_995_000 else "%.2fms" % (ns / 1e6)
    return "%.2fs" % (ns / 1e9)
