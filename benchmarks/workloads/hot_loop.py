"""Workload 4: a function-level `import os` a million times (each one a cache hit)."""

import sys


def f() -> object:
    import os

    return os


n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
for _ in range(n):
    f()
