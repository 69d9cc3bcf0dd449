"""The pure-Python hooks, part two: the meta-path finder, and the load record of ``__main__``.

PYTEST_DONT_REWRITE

The finder sits first in sys.meta_path, asks the finders after it, records the search, and puts a
proxy on the spec's loader (``_pyloader``) for the duration of the load.
"""

import sys

from . import _policy
from . import _pyrecord as R
from ._layout import (
    L_ERROR,
    L_LOADER,
    L_ORIGIN,
    L_TYPE,
    S_AHEAD,
    S_DETAILS,
    S_ERROR,
    S_FINDER,
    S_FOUND,
    S_LOADER,
    S_NAMESPACE,
    S_ORIGIN,
    S_PACKAGE,
    S_PATH,
    S_REASON,
)
from ._pyloader import NOBODY, fill_load, text, wrap

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any, Optional

    from ._pyrecord import Record

__tracebackhide__ = True

_getframe = sys._getframe
_get_ident = R._get_ident
_find_spec_legacy = _policy.find_spec_legacy

#: the active finder: a copy of an older one left in sys.meta_path by a restored snapshot is inert
current: "Optional[ImporttraceFinder]" = None
_unanswered: "dict[int, tuple[str, Any, Any]]" = {}  # thread -> the last name the finder found nothing for
_ahead_seen: "list[Any]" = []


class ImporttraceFinder:
    """First in sys.meta_path: asks the finders after it, records the answer, times the load."""

    def __repr__(self) -> str:
        return "<importtrace finder>"

    def find_spec(
        self, fullname: str, path: "Optional[Sequence[str]]" = None, target: "Optional[ModuleType]" = None
    ) -> "Optional[ModuleSpec]":
        if not R.active or self is not current:
            return None
        meta_path = sys.meta_path
        tid = _get_ident()
        asked = _unanswered.pop(tid, None)
        if asked is not None and asked[0] == fullname and asked[1] is path and asked[2] is target:
            if sum(1 for f in meta_path if f is self) > 1:
                return None  # this finder twice in meta_path: importlib asks again what it just asked
        for i, finder in enumerate(meta_path):  # noqa: B007 (i is used after the loop)
            if finder is self:
                break
        else:
            return None  # removed while importlib was iterating a copy of meta_path
        if target is not None:
            reason = "reload"
        else:
            try:
                caller = _getframe(2).f_code.co_name
            except ValueError:
                caller = ""
            reason = "import" if caller == "_find_and_load_unlocked" else "probe"
        ahead = None
        if i:
            found_ahead = [x for x in meta_path[:i] if not isinstance(x, ImporttraceFinder)]
            if found_ahead:
                ahead = tuple(_policy.type_name(x) for x in found_ahead)
                shadowed(found_ahead)
        open_ = R.top(tid)
        code, lasti, importer = _policy.asker(_getframe(1), open_[1] if open_ is not None else None) or NOBODY
        rec = R.new("search", fullname, code, lasti, importer)
        rec[S_REASON] = reason
        rec[S_PATH] = _policy.path_tuple(path)
        rec[S_AHEAD] = ahead
        rec[S_NAMESPACE] = False
        if R.details:
            rec[S_DETAILS] = _policy.search_details(path, code, lasti)
        R.began(rec)
        spec = None
        try:
            for finder in meta_path[i + 1 :]:
                if isinstance(finder, ImporttraceFinder):
                    continue  # never ask ourselves: a second copy would recurse
                find_spec = getattr(finder, "find_spec", None)
                if find_spec is None:
                    if _find_spec_legacy is None:
                        continue
                    spec = _find_spec_legacy(finder, fullname, path)
                else:
                    spec = find_spec(fullname, path, target)
                if spec is not None:
                    rec[S_FINDER] = _policy.type_name(finder)
                    break
        except BaseException as exc:
            rec[S_FOUND] = False
            rec[S_ERROR] = _policy.describe(exc)
            R.end(rec)
            raise
        rec[S_FOUND] = spec is not None
        if spec is None:
            _unanswered[tid] = (fullname, path, target)
        else:
            loader = getattr(spec, "loader", None)
            locations = getattr(spec, "submodule_search_locations", None)
            rec[S_ORIGIN] = text(getattr(spec, "origin", None))
            rec[S_PACKAGE] = locations is not None
            if loader is None and locations is not None:
                rec[S_NAMESPACE] = True
                rec[S_LOADER] = "NamespaceLoader"
                if R.details:
                    rec[S_DETAILS] = _policy.namespace_details(rec[S_DETAILS], locations)
            elif loader is not None:
                rec[S_LOADER] = _policy.type_name(loader)
            if reason != "probe":
                try:
                    wrap(spec, rec)
                except Exception as exc:
                    R.note("internal", "loader proxy", *_policy.describe(exc))
        R.end(rec)
        return spec

    def invalidate_caches(self) -> None:
        """Nothing cached here; the finders after this one are called by importlib directly."""


def shadowed(ahead: "list[Any]") -> None:
    for finder in ahead:
        if not any(finder is seen for seen in _ahead_seen):
            _ahead_seen.append(finder)
            R.note("shadowed", _policy.type_name(finder))


# --- the program's __main__ (command line) ----------------------------------------------------------------


def open_main() -> "Record":
    """A load record for the program's __main__, which runs by exec() rather than through a loader."""
    rec = R.new("load", "__main__", None, -1, None)
    fill_load(rec, None, None, "unknown", None)
    R.began(rec)
    R.push(rec, None)
    return rec


def close_main(rec: "Record", module: "Any", exc: "Optional[BaseException]") -> None:
    loader = getattr(module, "__loader__", None)
    rec[L_ORIGIN] = text(getattr(module, "__file__", None))
    rec[L_LOADER] = _policy.type_name(loader) if loader is not None else None
    rec[L_TYPE] = _policy.module_type(loader)
    if exc is not None:
        rec[L_ERROR] = _policy.describe(exc)
    R.pop(rec)
    R.end(rec)


def finders_ahead() -> "list[Any]":
    """The finders in sys.meta_path ahead of the active finder (which then never see what they serve)."""
    meta_path = list(sys.meta_path)
    for i, finder in enumerate(meta_path):
        if finder is current:
            return [f for f in meta_path[:i] if not isinstance(f, ImporttraceFinder)]
    return []


def reset() -> None:
    """Forget what the finder remembers between searches."""
    _unanswered.clear()
    del _ahead_seen[:]
