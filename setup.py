"""Builds the optional C accelerator of the import hooks; everything else is in pyproject.toml.

Without a compiler (or with IMPORTTRACE_NO_EXTENSION=1) the build skips it and importtrace uses
its pure-Python hooks, which behave the same and are tested the same way.
"""

import os

from setuptools import Extension, setup

extensions = [Extension("importtrace._speedups", ["src/importtrace/_speedups.c"], optional=True)]
setup(ext_modules=[] if os.environ.get("IMPORTTRACE_NO_EXTENSION") else extensions)
