"""Builds the optional compiled import hooks; everything else is in pyproject.toml.

Without a compiler (or with IMPORTTRACE_NO_EXTENSION=1) the build skips them and importtrace uses its
pure-Python hooks, which record the same events and are tested the same way; the build says so in one
line (pip shows it with -v), and ``importtrace --version`` tells which hooks are in use.
"""

import os
import sys
from glob import glob

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCES = sorted(glob("src/importtrace/record/_crecord/*.c"))
# CI builds with IMPORTTRACE_STRICT_BUILD=1: every warning is an error (the interpreter's own flags stay).
STRICT = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
STRICT_BUILD = bool(os.environ.get("IMPORTTRACE_STRICT_BUILD"))
PURE = (
    "importtrace: the compiled import hooks were not built ({reason}); the pure-Python hooks are installed, "
    "which record the same events (`importtrace --version` tells which hooks are in use)"
)


class BuildOptional(build_ext):
    """The compiled hooks if they build; else one line saying that the pure-Python hooks were installed."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler at all: setuptools fails before building anything
            self._without(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # a compiler that failed
            self._without(exc)

    def _without(self, exc: Exception) -> None:
        if STRICT_BUILD:
            raise exc
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        print(PURE.format(reason=reason), file=sys.stderr)


extensions = [
    Extension(
        "importtrace.record._crecord",
        SOURCES,
        depends=["src/importtrace/record/_crecord/crecord.h"],
        extra_compile_args=STRICT if STRICT_BUILD else [],
    )
]
if os.environ.get("IMPORTTRACE_NO_EXTENSION"):
    print(PURE.format(reason="IMPORTTRACE_NO_EXTENSION is set"), file=sys.stderr)
    extensions = []
setup(ext_modules=extensions, cmdclass={"build_ext": BuildOptional})
