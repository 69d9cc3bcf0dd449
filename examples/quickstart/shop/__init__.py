"""A tiny package: importing it runs this file first."""

from . import catalog  # noqa: F401  (a relative import of a submodule while the package initialises)
