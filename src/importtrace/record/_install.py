"""Putting the hooks in place and taking them out again, whichever implementation records.

PYTEST_DONT_REWRITE

Install and uninstall are symmetric and safe to repeat: the finder goes first in sys.meta_path (a
new one each time, every older copy taken out first), the wrappers replace builtins.__import__ and,
once importlib is loaded, importlib.import_module and importlib.reload.  Uninstall leaves another
tool's replacement in place (ours then passes calls through) and says so.
"""

import builtins
import sys
import time

from . import _policy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

    from ._backend import Backend

_external = sys.modules["_frozen_importlib_external"]


def _choose() -> "Backend":
    """The compiled recorder, unless IMPORTTRACE_PURE is set or it was not built."""
    key = "IMPORTTRACE_PURE" if sys.platform == "win32" else b"IMPORTTRACE_PURE"
    if not _external._os.environ.get(key):
        try:
            from ._crecord import Recorder  # not `from . import`: that would import this package's __init__

            return Recorder(_policy)
        except ImportError:
            pass
    from ._pybackend import PyRecorder

    return PyRecorder()


backend: "Backend" = _choose()
compiled = backend.name == "compiled"

_active = False
_installed: "dict[str, Any]" = {}  # what install() put in place: "import", "import_module", "reload"
_originals: "dict[str, Any]" = {}
_importlib: "Optional[Any]" = None  # the importlib module whose functions were replaced


def active() -> bool:
    return _active


def install(clock: "Optional[Callable[[], int]]" = None) -> None:
    """Put the hooks in place: the finder first in sys.meta_path, the wrappers on the import functions."""
    global _active
    if _active:
        return
    backend.configure(clock or time.perf_counter_ns, False)
    found = _originals["import"] = builtins.__import__  # put back as found, even an old trace's hook
    orig = _unwrap(found)
    hook = backend.import_hook(orig)
    copy_identity(hook, orig)
    builtins.__import__ = _installed["import"] = hook
    _remove_finders()
    sys.meta_path.insert(0, backend.new_finder(patch_importlib))
    _active = True
    backend.set_active(True)
    importlib = sys.modules.get("importlib")
    if importlib is not None:
        patch_importlib(importlib)


def uninstall() -> "list[tuple[int, str, tuple[str, ...]]]":
    """Take the hooks out again; where another tool replaced one of ours since, leave theirs in place
    (ours then passes every call straight through).  Returns notes on what was left."""
    global _active, _importlib
    left: "list[tuple[int, str, tuple[str, ...]]]" = []
    if not _active:
        return left
    _active = False
    backend.set_active(False)
    now = backend.clock()
    if builtins.__import__ is _installed.get("import"):
        builtins.__import__ = _originals["import"]
    else:
        left.append((now, "repatched", ("builtins.__import__",)))
    _remove_finders()
    if _importlib is not None:
        for attr in ("import_module", "reload"):
            if getattr(_importlib, attr, None) is _installed.get(attr):
                setattr(_importlib, attr, _originals[attr])
            else:
                left.append((now, "repatched", ("importlib." + attr,)))
        _importlib = None
    _installed.clear()
    return left


def patch_importlib(importlib: "Any") -> None:
    """Wrap importlib.import_module and importlib.reload (now, or when the program imports importlib)."""
    global _importlib
    if _importlib is not None or not _active:
        return
    try:
        found = importlib.import_module, importlib.reload
    except AttributeError:
        return
    _originals["import_module"], _originals["reload"] = found
    orig_import_module, orig_reload = _unwrap(found[0]), _unwrap(found[1])
    hook = backend.import_module_hook(orig_import_module)
    copy_identity(hook, orig_import_module)
    importlib.import_module = _installed["import_module"] = hook
    reload = backend.reload_hook(orig_reload)
    copy_identity(reload, orig_reload)
    importlib.reload = _installed["reload"] = reload
    _importlib = importlib


def _unwrap(func: "Any") -> "Any":
    """The function a hook of an earlier trace stands in for (a snapshot of builtins.__import__ or
    importlib.reload taken during that trace and put back after it): wrapping it again would make the
    new hook call the old one, which may be the very same function (the pure-Python hooks)."""
    seen = 0
    while getattr(func, "__importtrace_hook__", False) and seen < 100:
        func = func.__wrapped__
        seen += 1
    return func


def copy_identity(wrapper: "Any", wrapped: "Any") -> None:
    """Give wrapper the name, module, docstring and __wrapped__ of the function it stands in for, so
    that the program sees the function it expects (help(), repr, inspect.unwrap)."""
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(wrapper, attr, getattr(wrapped, attr))
        except (AttributeError, TypeError):
            pass
    try:
        wrapper.__wrapped__ = wrapped
        wrapper.__importtrace_hook__ = True
    except (AttributeError, TypeError):
        pass


def _remove_finders() -> None:
    """Take every importtrace finder out of sys.meta_path, including copies a restored snapshot put back."""
    meta_path = sys.meta_path
    kind = backend.finder_type
    for i in range(len(meta_path) - 1, -1, -1):
        if isinstance(meta_path[i], kind):
            del meta_path[i]


def finder_removed() -> bool:
    """Whether the program took the active finder out of sys.meta_path (by restoring a snapshot, say)."""
    finder = backend.finder()
    return _active and not any(f is finder for f in sys.meta_path)


def is_finder(obj: "Any") -> bool:
    return isinstance(obj, backend.finder_type)
