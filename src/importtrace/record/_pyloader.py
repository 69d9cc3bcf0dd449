"""The pure-Python hooks, part three: the loader proxies that time each load and reload.

PYTEST_DONT_REWRITE

The finder (``_pyfinder``) puts a proxy on a spec's loader only for the duration of the load: the real
loader is back on ``__spec__.loader`` and ``__loader__`` before the module's code runs.  The proxies'
methods read module globals here, as the finder's do in its module (global look-ups are the cheapest).
"""

import sys

from . import _policy
from . import _pyrecord as R
from ._layout import (
    ID,
    L_DETAILS,
    L_ERROR,
    L_LAZY,
    L_LOADER,
    L_NAMESPACE,
    L_OBSERVED,
    L_ORIGIN,
    L_REPLACED,
    L_SEARCH,
    L_TYPE,
    NAME,
    R_DETAILS,
    R_ERROR,
    R_SEARCH,
    S_LOADER,
    S_NAMESPACE,
    S_REASON,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any, Callable, Optional

    from ._pyrecord import Record

__tracebackhide__ = True

_getframe = sys._getframe
_get_ident = R._get_ident
_modules_get = sys.modules.get

on_importlib: "Callable[[Any], object]" = id  # _install's: wrap importlib's functions once it is loaded
watch: "dict[str, Callable[[Any], object]]" = {}  # module name -> called with it each time it has loaded
NOBODY = (None, -1, None)  # the import system itself asked (see _policy.asker)


def text(value: "Any") -> "Optional[str]":
    """A plain str (or None): records hold only built-in types, whatever the program used."""
    if value is None or type(value) is str:
        return value
    try:
        return str(value)
    except Exception:
        return "<unprintable %s>" % type(value).__name__


def is_lazy(loader: "Any") -> bool:
    return any(cls.__name__ == "LazyLoader" for cls in type(loader).__mro__)


def wrap(spec: "Any", search: "Record") -> None:
    """Put a proxy on spec.loader for the duration of the load (or reload)."""
    loader = spec.loader
    if loader is None:
        if search[S_NAMESPACE] and search[S_REASON] == "import":
            rec = R.new("load", spec.name, None, -1, None)  # namespace packages have no loader to time
            fill_load(rec, search, None, "namespace", "NamespaceLoader")
            rec[L_NAMESPACE] = True
            R.began(rec)
            R.end(rec)
        return
    if isinstance(loader, _Proxy):
        return
    if is_lazy(loader):
        proxy: "_Proxy" = _Lazy(loader, spec, search)
    elif hasattr(loader, "exec_module"):
        proxy = (_Exec if hasattr(loader, "create_module") else _ExecOnly)(loader, spec, search)
    elif hasattr(loader, "load_module"):
        proxy = _Legacy(loader, spec, search)
    else:
        return
    spec.loader = proxy


def fill_load(rec: "Record", search: "Optional[Record]", origin: "Any", kind: str, loader: "Optional[str]") -> None:
    rec[L_SEARCH] = search[ID] if search is not None else None
    rec[L_ORIGIN] = text(origin)
    rec[L_LOADER] = loader
    rec[L_TYPE] = kind
    rec[L_REPLACED] = rec[L_NAMESPACE] = rec[L_LAZY] = False
    rec[L_OBSERVED] = True


class _Proxy:
    """Stands in for spec.loader between find_spec and exec_module; the real loader is put back
    on the spec and the module before the module's code runs."""

    __slots__ = ("_real", "_rec", "_search", "_spec")

    def __init__(self, real: "Loader", spec: "Any", search: "Record") -> None:  # Any: spec.loader becomes a _Proxy
        self._real = real
        self._spec = spec
        self._search = search
        self._rec: "Optional[Record]" = None

    def __getattr__(self, name: str) -> "Any":
        if name == "__qualname__" and not isinstance(self._real, type):
            return type(self._real).__qualname__  # importlib names the loader in its warnings
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return repr(self._real)

    def _restore(self, module: "Any") -> None:
        real = self._real
        if self._spec.loader is self:
            self._spec.loader = real
        try:
            if module is not None and getattr(module, "__loader__", None) is self:
                module.__loader__ = real
        except Exception:
            pass

    def _open(self) -> "Record":
        """The record this load is timed in: a load, or for a reload the reload record.  While it runs
        its loader, imports met outside any Python frame of the module come from its compiled code (see
        _policy.asker)."""
        rec = self._rec
        search = self._search
        name = search[NAME]
        if rec is not None:
            _set_marker(rec, name)
            return rec
        if search[S_REASON] == "reload":
            open_ = R.top(_get_ident())
            reload = open_[0] if open_ is not None else None
            if reload is not None and reload[0] == "reload" and reload[NAME] == name and reload[R_SEARCH] is None:
                reload[R_SEARCH] = search[ID]
                self._rec = reload
                _set_marker(reload, name)
                return reload
            # importlib.reload bound before importlib was patched: the reload is timed here
            rec = R.new("reload", name, search[7], search[8], search[9])
            rec[R_SEARCH] = search[ID]
            _by_proxy[id(rec)] = rec
        else:
            rec = R.new("load", name, None, -1, None)
            loader = self._real
            fill_load(rec, search, getattr(self._spec, "origin", None), _policy.module_type(loader), search[S_LOADER])
        self._rec = rec
        R.began(rec)
        R.push(rec, name)
        return rec

    def _close(self, rec: "Record", module: "Any", exc: "Optional[BaseException]") -> None:
        name = rec[NAME]
        if R.details:
            _policy.load_done(rec[R_DETAILS if rec[0] == "reload" else L_DETAILS])
        if R.loading.get(name) == _get_ident():
            del R.loading[name]
        if rec[0] == "reload":
            _set_marker(rec, None)
            if _by_proxy.pop(id(rec), None) is not None:
                if exc is not None:
                    rec[R_ERROR] = _policy.describe(exc)
                end_reload_record(rec, _snapshots.pop(id(rec), None), module)
            return  # otherwise the importlib.reload hook closes its own record
        if exc is not None:
            rec[L_ERROR] = _policy.describe(exc)
        elif module is not None and _modules_get(name) is not module:
            if name in sys.modules:
                rec[L_REPLACED] = True
            else:  # the module took itself out of sys.modules: importlib then fails the import so
                rec[L_ERROR] = ("KeyError", repr(name))
        R.pop(rec)
        R.end(rec)
        if name == "importlib" and exc is None and R.active:
            on_importlib(module)
        if watch and exc is None and R.active and name in watch:
            try:
                watch[name](module)
            except Exception as err:
                R.note("internal", "watching a module", *_policy.describe(err))

    def _before_exec(self, rec: "Record", module: "Any") -> None:
        if rec[0] == "reload":
            if id(rec) not in _snapshots and id(rec) in _by_proxy:
                _snapshots[id(rec)] = _policy.snapshot(module)
            if R.details:
                rec[R_DETAILS] = _policy.load_details(self._spec, self._real)
        else:
            R.loading[rec[NAME]] = _get_ident()
            origin = getattr(self._spec, "origin", None)
            if type(origin) is str:
                _policy.is_machinery(origin)  # classify the module's file now: its imports' first hits go fast
            if R.details:
                rec[L_DETAILS] = _policy.load_details(self._spec, self._real)


class _Legacy(_Proxy):
    __slots__ = ()

    def load_module(self, fullname: str) -> "ModuleType":
        rec = self._open()
        if rec[0] == "reload":
            if id(rec) in _by_proxy and id(rec) not in _snapshots:
                _snapshots[id(rec)] = _policy.snapshot(_modules_get(fullname))
            if R.details:
                rec[R_DETAILS] = _policy.load_details(self._spec, self._real)
        elif rec[0] == "load":
            R.loading[fullname] = _get_ident()
        try:
            module = self._real.load_module(fullname)
        except BaseException as exc:
            self._restore(None)
            self._close(rec, None, exc)
            raise
        self._restore(module)
        self._close(rec, module, None)
        return module


class _ExecOnly(_Proxy):
    __slots__ = ()

    def exec_module(self, module: "ModuleType") -> None:
        self._restore(module)
        rec = self._open()
        real = self._real
        self._before_exec(rec, module)
        try:
            real.exec_module(module)
        except BaseException as exc:
            self._close(rec, module, exc)
            raise
        self._close(rec, module, None)


class _Exec(_ExecOnly):
    __slots__ = ()

    def create_module(self, spec: "ModuleSpec") -> "Optional[ModuleType]":
        rec = self._open()  # extension and built-in modules do most of their work here
        try:
            module = self._real.create_module(spec)
        except BaseException as exc:
            self._restore(None)
            self._close(rec, None, exc)
            raise
        _set_marker(rec, None)  # that frame returns now; exec_module sets its own
        return module


class _Lazy(_Proxy):
    """A LazyLoader: nothing runs now, so nothing is recorded now; the module's code runs at its first
    attribute use, through the inner loader, and that is its one load (``lazy``)."""

    __slots__ = ()

    def create_module(self, spec: "ModuleSpec") -> "Optional[ModuleType]":
        return self._real.create_module(spec)

    def exec_module(self, module: "ModuleType") -> None:
        self._restore(module)
        real = self._real
        real.exec_module(module)
        inner = self._spec.loader
        if inner is not getattr(real, "loader", None) or inner is None:
            return
        pending = _LazyExec(inner, self._spec, self._search)
        self._spec.loader = pending
        _lazy_pending[id(pending)] = pending


class _LazyExec(_Proxy):
    """The inner loader of a LazyLoader module, whose exec_module runs at the module's first use."""

    __slots__ = ()

    def exec_module(self, module: "ModuleType") -> None:
        self._restore(module)
        _lazy_pending.pop(id(self), None)
        real = self._real
        if not R.active:
            real.exec_module(module)
            return
        f = _getframe(1)
        open_ = R.top(_get_ident())
        code, lasti, importer = _policy.asker(f, open_[1] if open_ is not None else None) or NOBODY
        rec = R.new("load", self._search[NAME], code, lasti, importer)
        fill_load(rec, self._search, getattr(self._spec, "origin", None), _policy.module_type(real), None)
        rec[L_LOADER] = _policy.type_name(real)
        rec[L_LAZY] = True
        self._rec = rec
        R.began(rec)
        R.push(rec, rec[NAME])
        self._before_exec(rec, module)
        try:
            real.exec_module(module)
        except BaseException as exc:
            self._close(rec, module, exc)
            raise
        self._close(rec, module, None)


def _set_marker(rec: "Record", marker: "Any") -> None:
    st = R.stacks.get(_get_ident())
    if st:
        for i in range(len(st) - 1, -1, -1):
            if st[i][0] is rec:
                st[i] = (rec, marker)
                return


def _disguise(func: "Any") -> None:
    """Give func's frames importlib's file name, so that CPython's import-traceback trimming (which
    cuts chunks of importlib frames ending in _call_with_frames_removed) treats them as part of the
    import system: trimmed where untraced importlib frames are trimmed, shown where they are shown."""
    func.__code__ = func.__code__.replace(co_filename="<frozen importlib._bootstrap>")


for _method in (
    _Legacy.load_module,
    _ExecOnly.exec_module,
    _Exec.create_module,
    _Lazy.create_module,
    _Lazy.exec_module,
    _LazyExec.exec_module,
):
    _disguise(_method)


# --- reload --------------------------------------------------------------------------------------------


def _not_installed(module: "ModuleType") -> "ModuleType":
    return module


_orig_reload: "Callable[[ModuleType], ModuleType]" = _not_installed  # importlib.reload, once installed
_snapshots: "dict[int, Any]" = {}  # id(reload record) -> the module's namespace before the reload
_by_proxy: "dict[int, Record]" = {}  # reload records the loader proxy opened and must close
_lazy_pending: "dict[int, _Proxy]" = {}  # LazyLoader modules not used yet: their loader is put back at stop


def reload_hook(module: "ModuleType") -> "ModuleType":
    """importlib.reload while tracing: times the reload and records which names changed."""
    if not R.active:
        return _orig_reload(module)
    rec: "Optional[Record]" = None
    try:
        rec = start_reload(module, _getframe(1))
    except Exception as exc:
        R.note("internal", "reload hook", *_policy.describe(exc))
    if rec is None:
        return _orig_reload(module)
    try:
        result = _orig_reload(module)
    except BaseException as exc:
        rec[R_ERROR] = _policy.describe(exc)
        end_reload(rec, module)
        raise
    end_reload(rec, module)
    return result


def start_reload(module: "Any", caller: "Any") -> "Record":
    """Open the record of importlib.reload(module), called from frame caller."""
    spec = getattr(module, "__spec__", None)
    name = getattr(spec, "name", None) or getattr(module, "__name__", None) or "?"
    if caller is not None and caller.f_code.co_name == "reload" and caller.f_globals.get("__name__") == "imp":
        caller = caller.f_back  # imp.reload (3.9 to 3.11) only passes the call on
    open_ = R.top(_get_ident())
    code, lasti, importer = _policy.asker(caller, open_[1] if open_ is not None else None) or NOBODY
    rec = R.new("reload", str(name), code, lasti, importer)
    start_reload_record(rec, _policy.snapshot(module))
    return rec


def start_reload_record(rec: "Record", before: "Any") -> None:
    _snapshots[id(rec)] = before
    R.began(rec)
    R.push(rec, None)


def end_reload(rec: "Record", module: "Any") -> None:
    end_reload_record(rec, _snapshots.pop(id(rec), None), module)


def end_reload_record(rec: "Record", before: "Any", module: "Any") -> None:
    R.pop(rec)
    rec[12:17] = _policy.changes(before, module)
    R.end(rec)


def reset() -> None:
    """Forget everything; put back the real loader of LazyLoader modules never used while tracing."""
    for proxy in list(_lazy_pending.values()):
        proxy._restore(None)
    _lazy_pending.clear()
    watch.clear()
    _snapshots.clear()
    _by_proxy.clear()
