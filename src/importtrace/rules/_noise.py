"""Telling a change in import time from the noise of repeated runs: medians, and an exact two-sided
Mann-Whitney U rank test (``rank_test``) judged against ``ALPHA``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

#: a time change is beyond the noise when the rank test's p-value is at most this
ALPHA = 0.01


def median(values: Sequence[int]) -> int:
    """The middle value (the mean of the two middle ones for an even count); 0 for none."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return 0
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) // 2


def rank_test(before: Sequence[int], after: Sequence[int]) -> float:
    """The two-sided p-value of the Mann-Whitney U test: how likely it is that noise alone (both sides'
    runs drawn from one distribution) orders the runs of the two sides at least this unevenly.  It uses
    only the order of the times, so one very slow run weighs no more than a slightly slow one.  Ties
    count half; exact for up to 40 runs in all, else the normal approximation."""
    n, m = len(before), len(after)
    if not n or not m:
        return 1.0
    u = sum((a > b) + 0.5 * (a == b) for a in after for b in before)  # pairs where after took longer
    low = min(u, n * m - u)
    if n + m <= 40:
        tail = sum(_u_counts(n, m)[: math.floor(low) + 1])
        return min(1.0, 2 * tail / math.comb(n + m, n))
    z = (n * m / 2 - low - 0.5) / math.sqrt(n * m * (n + m + 1) / 12)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def enough_runs(before: int, after: int) -> bool:
    """Whether the rank test can reach ALPHA at all with so many runs: 5 and 5, 4 and 6, 3 and 9, 2 and 19."""
    return before >= 2 and after >= 2 and 2 / math.comb(before + after, before) <= ALPHA


@cache
def _u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many orderings of n and m runs give each value of U (0 to n*m): its exact distribution."""
    if not n or not m:
        return (1,)
    counts = [0] * (n * m + 1)
    for u, c in enumerate(_u_counts(n - 1, m)):  # the largest time is a run of the first side: m pairs
        counts[u + m] += c
    for u, c in enumerate(_u_counts(n, m - 1)):
        counts[u] += c
    return tuple(counts)
