"""The shop package: imports its submodule prices."""

print("shop/__init__.py runs")
from . import prices  # noqa: E402, F401
