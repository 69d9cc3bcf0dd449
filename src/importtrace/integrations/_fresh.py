"""Import a module afresh inside a trace, then put the previous sys.modules entries back.

PYTEST_DONT_REWRITE

A module that an earlier test imported is only a cache hit the next time, and nothing of its import
cost shows.  ``fresh_import`` takes it, its package and what it pulled in out of sys.modules, imports
it (inside whatever trace is recording) and afterwards restores sys.modules as it was, so the rest of
the process keeps its module objects.  Like the recording modules, this imports only what the
interpreter has at start-up: it runs while a trace records.

What is taken out for the duration (see ``plan``):

1. the target's top-level package: ``pkg`` and every ``pkg.*`` for ``pkg.mod``, so the parents'
   ``__init__`` modules run again and siblings are not cache hits;
2. every module that entered sys.modules after that package first did (what it pulled in, plus
   anything loaded later), except standard-library modules, pytest's assertion-rewritten modules
   (test modules, conftests) and top-level packages that contain a compiled extension module;
3. the modules matching the ``unload`` patterns (standard-library modules too).

Never taken out: built-in and extension modules (many cannot be initialised twice in one process),
entries that are not importable under their key (aliases such as ``os.path``), ``__main__``,
importtrace, pytest and its plugins, and the modules matching the ``keep`` patterns.  Modules kept
in place are imported as cache hits: ``assert_not_imported`` (which counts hits) still catches them.
"""

import sys

from ..filters._kinds import in_stdlib
from ..record import add_machinery, stdlib_dir
from ..trace._glob import matches as glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType
    from typing import Any, Optional

__all__ = ["FreshImport", "fresh_import", "plan"]

_external = sys.modules["_frozen_importlib_external"]
_EXTENSION_SUFFIXES = tuple(_external.EXTENSION_SUFFIXES)
_MISSING = object()
_STDLIB_DIR = stdlib_dir()

#: top-level names never taken out of sys.modules: the runner's and importtrace's own
NEVER = frozenset(("__main__", "__mp_main__", "importtrace", "pytest", "_pytest", "pluggy", "py", "xdist", "execnet"))


class FreshImport:
    """A fresh import: ``start()`` takes the modules out and imports ``name``, ``restore()`` puts
    sys.modules back.  As a context manager, ``with fresh_import("pkg.mod") as mod: ...``."""

    def __init__(self, name: str, unload: "Iterable[str]" = (), keep: "Iterable[str]" = ()) -> None:
        if not isinstance(name, str) or not name or name.startswith("."):
            raise ValueError(f"fresh_import needs an absolute module name, not {name!r}")
        self.name = name
        self.unload = _strings(unload, "unload")
        self.keep = _strings(keep, "keep")
        self.module: "Optional[ModuleType]" = None
        #: the names taken out of sys.modules for the duration, in sys.modules order
        self.unloaded: "list[str]" = []
        self._before: "Optional[dict[str, Any]]" = None
        self._attrs: "list[tuple[Any, str, object]]" = []
        self._used = False

    def start(self) -> "ModuleType":
        """Take the modules out and import ``name``; on an error, restore at once and re-raise."""
        if self._used:
            raise RuntimeError("this FreshImport was already used; make a new one")
        self._used = True
        modules = sys.modules
        names = plan(self.name, self.unload, self.keep)
        if modules.get(self.name) is not None and self.name not in names:
            raise ValueError(
                f"{self.name} cannot be imported afresh: it is a built-in or compiled module, part of pytest or "
                "importtrace, not importable under its name, or matched by keep"
            )
        self._before = dict(modules)
        for name in names:
            parent, _, child = name.rpartition(".")
            if parent and parent not in names and modules.get(parent) is not None:
                owner = modules[parent]
                self._attrs.append((owner, child, _vars(owner).get(child, _MISSING)))
        for name in names:
            del modules[name]
        self.unloaded = names
        try:
            __import__(self.name)
            module = modules[self.name]
        except BaseException:
            self.restore()
            raise
        self.module = module
        return module

    def restore(self) -> None:
        """Put back every sys.modules entry as it was before start(); drop the modules the import
        added, except compiled ones, which cannot be initialised twice.  Safe to call twice."""
        before = self._before
        if before is None:
            return
        self._before = None
        modules = sys.modules
        compiled = {n.partition(".")[0] for n, m in list(modules.items()) if _is_extension(m)}
        added = {}
        for name in list(modules):
            if name not in before and not _stays(name, compiled):
                added[name] = modules.pop(name)
        for name, module in before.items():
            if modules.get(name, _MISSING) is not module:
                modules[name] = module
        for name, module in added.items():  # a parent kept in place got the new submodule as attribute
            parent, _, child = name.rpartition(".")
            owner = modules.get(parent) if parent else None
            if owner is not None and _vars(owner).get(child, _MISSING) is module:
                _setattr(owner, child, _MISSING)
        for owner, child, value in self._attrs:
            _setattr(owner, child, value)
        self._attrs = []

    def __enter__(self) -> "ModuleType":
        return self.start()

    def __exit__(self, *exc_info: "object") -> None:
        self.restore()

    def __repr__(self) -> str:
        state = "imported" if self._before is not None else ("restored" if self._used else "not started")
        return f"<FreshImport {self.name} {state}>"


def fresh_import(name: str, *, unload: "Iterable[str]" = (), keep: "Iterable[str]" = ()) -> FreshImport:
    """``with importtrace.fresh_import("pkg.mod") as mod:`` imports pkg.mod afresh (inside any trace
    that is recording) and restores sys.modules on exit.  ``unload``/``keep``: extra module patterns."""
    return FreshImport(name, unload, keep)


def plan(name: str, unload: "Iterable[str]" = (), keep: "Iterable[str]" = ()) -> "list[str]":
    """The modules a fresh import of ``name`` takes out of sys.modules now, in sys.modules order."""
    unload = _strings(unload, "unload")
    keep = _strings(keep, "keep")
    modules = sys.modules
    top = name.partition(".")[0]
    names = list(modules)
    first = next((i for i, n in enumerate(names) if n == top or n.startswith(top + ".")), len(names))
    compiled = {n.partition(".")[0] for n in names if _is_extension(modules.get(n))}
    chosen = []
    for i, n in enumerate(names):
        module = modules.get(n)
        if module is None or _pinned(n, module) or any(glob(n, k) for k in keep):
            continue
        if n == top or n.startswith(top + ".") or any(glob(n, u) for u in unload):
            chosen.append(n)
        elif i > first and n.partition(".")[0] not in compiled and not _stdlib(n, module) and not _rewritten(module):
            chosen.append(n)
    return chosen


# --- module classification ------------------------------------------------------------------------


def _pinned(name: str, module: "Any") -> bool:
    """Never taken out: runner and importtrace modules, builtins, extensions, aliases, synthetic modules."""
    top = name.partition(".")[0]
    if top in NEVER or top.startswith("pytest_") or name in sys.builtin_module_names or _is_extension(module):
        return True
    spec = getattr(module, "__spec__", None)
    return spec is None or getattr(spec, "name", None) != name


def _stdlib(name: str, module: "Any") -> bool:
    """Whether a module in sys.modules is the standard library's, by the rule a trace's modules follow."""
    origin = getattr(module, "__file__", None) or getattr(getattr(module, "__spec__", None), "origin", None)
    return in_stdlib(name, origin if isinstance(origin, str) else None, _STDLIB_DIR)


def _stays(name: str, compiled: "set[str]") -> bool:
    """A module first loaded by the fresh import that stays loaded afterwards: runner and importtrace
    modules, and every module of a top-level package with a compiled module (``compiled``)."""
    top = name.partition(".")[0]
    return top in NEVER or top.startswith("pytest_") or top in compiled


def _is_extension(module: "Any") -> bool:
    if module is None:
        return False
    loader = getattr(getattr(module, "__spec__", None), "loader", None) or getattr(module, "__loader__", None)
    if isinstance(loader, _external.ExtensionFileLoader):
        return True
    file = getattr(module, "__file__", None)
    return isinstance(file, str) and file.endswith(_EXTENSION_SUFFIXES)


def _rewritten(module: "Any") -> bool:
    """Loaded by pytest's assertion rewriter: a test module or conftest, not code under test."""
    loader = getattr(module, "__loader__", None)
    return type(loader).__name__ == "AssertionRewritingHook"


def _vars(module: "Any") -> "dict[str, Any]":
    try:
        return vars(module)  # type: ignore[no-any-return]
    except TypeError:
        return {}


def _setattr(owner: "Any", name: str, value: object) -> None:
    try:
        if value is _MISSING:
            if name in _vars(owner):
                delattr(owner, name)
        else:
            setattr(owner, name, value)
    except (AttributeError, TypeError):
        pass


def _strings(patterns: "Iterable[str]", what: str) -> "list[str]":
    if isinstance(patterns, str):
        patterns = [patterns]
    out = list(patterns)
    for p in out:
        if not isinstance(p, str) or not p:
            raise ValueError(f"{what} patterns are non-empty strings, not {p!r}")
    return out


# Frames of this module are import machinery to the recorder: the import is attributed to the code
# that called fresh_import (the test), not to this file.
add_machinery(FreshImport.start.__code__.co_filename)
