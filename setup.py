"""Builds the optional compiled import hooks; everything else is in pyproject.toml.

Without a compiler (or with IMPORTTRACE_NO_EXTENSION=1) the build skips them and importtrace uses its
pure-Python hooks, which record the same events and are tested the same way.
"""

import os
from glob import glob

from setuptools import Extension, setup

SOURCES = sorted(glob("src/importtrace/record/_crecord/*.c"))
# CI builds with IMPORTTRACE_STRICT_BUILD=1: every warning is an error (the interpreter's own flags stay).
STRICT = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
extensions = [
    Extension(
        "importtrace.record._crecord",
        SOURCES,
        depends=["src/importtrace/record/_crecord/crecord.h"],
        extra_compile_args=STRICT if os.environ.get("IMPORTTRACE_STRICT_BUILD") else [],
        optional=not os.environ.get("IMPORTTRACE_STRICT_BUILD"),
    )
]
setup(ext_modules=[] if os.environ.get("IMPORTTRACE_NO_EXTENSION") else extensions)
