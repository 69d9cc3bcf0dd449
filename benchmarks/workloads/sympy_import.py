"""Workload 3: a real third-party package with many modules (install it with the bench extra)."""

import sympy  # noqa: F401
