"""The recording hooks: a first meta-path finder, loader proxies, and wrappers on the import functions.

PYTEST_DONT_REWRITE

Everything here runs inside the traced program's imports, so this module imports only what
every interpreter has loaded at start-up (sys, builtins, _imp, _thread, time) and never imports
anything while recording.  Hooks only append raw records; ``_session`` turns them into events.
"""

import _imp
import _thread
import builtins
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, FrameType, ModuleType
    from typing import Any, Callable, Optional

_external = sys.modules["_frozen_importlib_external"]
if _external._os.environ.get("IMPORTTRACE_PURE" if sys.platform == "win32" else b"IMPORTTRACE_PURE"):
    _speedups: "Any" = None  # the pure-Python hooks, on request (tests run both ways)
else:
    try:
        from . import _speedups  # the compiled hot path, when the build had a compiler
    except ImportError:
        _speedups = None

_untrack = getattr(_speedups, "untrack", None)  # see _speedups.untrack: records hold no cycles

# pytest hides frames of modules that set this: the __import__ wrapper sits in every import traceback.
__tracebackhide__ = True

_getframe = sys._getframe
_get_ident = _thread.get_ident
_modules_get = sys.modules.get
_bootstrap = sys.modules["_frozen_importlib"]
_find_spec_legacy = getattr(_bootstrap, "_find_spec_legacy", None)  # 3.9 to 3.11 only
_module_locks = getattr(_bootstrap, "_module_locks", {})

# --- state shared by the hooks: one recorder per interpreter, sessions share it ------------------

_clock: "Callable[[], int]" = time.perf_counter_ns
_active = False
_details = False  # also record what costs extra I/O (where each module's bytecode came from)
_events: "list[_Record]" = []  # every record, in the order its event began
_sites: "dict[tuple[int, int, str], _Hit]" = {}  # (id(code), lasti, name argument) -> hit being counted
_places: "dict[tuple[str, int, str, int, str, str], list[Any]]" = {}  # place -> [first hit, versions]
_partials: "dict[tuple[int, int, str, bool], _Hit]" = {}  # hits on modules still initialising
_loading: "dict[str, int]" = {}  # module name -> thread ident, while its code runs under our proxy
_stacks: "dict[int, list[_Record]]" = {}  # thread ident -> open load and reload records
_notes: "list[tuple[int, str, str]]" = []  # (clock, code, message): what the trace must admit to
_ids = iter(range(1, 1 << 62))  # next() on a range iterator is atomic under the GIL
_sink: "Optional[Callable[[_Record, bool], None]]" = None  # streaming writer: (record, began)
_ahead_seen: "list[Any]" = []
_thread_names: "dict[int, Optional[str]]" = {}
_unanswered: "dict[int, tuple[str, Any, Any]]" = {}  # thread -> the last search the finder found nothing for

_RECOMPILED = 8  # after this many code objects for one source place, count hits on the first record
_MANY_SITES = 200_000  # past this many call sites, watch every place for recompiled code (bounded memory)

_orig_import: "Callable[..., Any]" = builtins.__import__
_installed: "dict[str, Any]" = {}  # what install() put in place: "import", "import_module", "reload"
_orig_import_module: "Callable[..., Any]" = builtins.__import__  # replaced when importlib is patched
_orig_reload: "Callable[[Any], Any]" = id
_importlib: "Optional[ModuleType]" = None  # the importlib module whose functions we replaced


# --- raw records ---------------------------------------------------------------------------------


class _Record:
    """One event as the hooks see it: live objects kept, derived fields left for the session."""

    __slots__ = ("id", "importer", "kind", "name", "parent", "t0", "t1", "tid", "where")

    def __init__(self, kind: str, name: str, parent: "Optional[_Record]", t0: "Optional[int]" = None) -> None:
        self.id = next(_ids)
        self.kind = kind
        self.name = name
        self.t0 = _clock() if t0 is None else t0
        self.t1: "Optional[int]" = None
        self.tid = _get_ident()
        self.parent = parent
        self.importer: "Optional[str]" = None
        self.where: "Optional[tuple[CodeType, int]]" = None  # (code, instruction offset) of the caller


class _Search(_Record):
    __slots__ = ("ahead", "error", "finder", "namespace", "path", "reason", "spec")

    def __init__(self, name: str, parent: "Optional[_Record]", t0: "Optional[int]" = None) -> None:
        _Record.__init__(self, "search", name, parent, t0)
        self.finder: "Any" = None
        self.spec: "Any" = None
        self.reason = "import"
        self.path: "Optional[list[str]]" = None
        self.namespace = False
        self.error: "Optional[tuple[str, str]]" = None
        self.ahead: "Optional[list[str]]" = None


class _Load(_Record):
    __slots__ = ("bytecode", "error", "lazy", "loader", "namespace", "origin", "replaced", "search", "spec")

    def __init__(self, name: str, parent: "Optional[_Record]") -> None:
        _Record.__init__(self, "load", name, parent)
        self.spec: "Any" = None
        self.loader: "Any" = None
        self.search: "Optional[_Search]" = None
        self.error: "Optional[tuple[str, str]]" = None
        self.replaced = False
        self.namespace = False
        self.lazy = False
        self.origin: "Optional[str]" = None  # for loads without a spec (the program's __main__)
        self.bytecode: "Optional[str]" = None  # details mode: where the code object came from


class _Hit(_Record):
    __slots__ = ("code", "count", "fromlist", "lasti", "level", "missing", "partial", "via", "waited")

    def __init__(self, name: str, parent: "Optional[_Record]", t0: "Optional[int]" = None) -> None:
        _Record.__init__(self, "hit", name, parent, t0)
        self.fromlist: "tuple[str, ...]" = ()
        self.level = 0
        self.count = 1
        self.partial = False
        self.waited = False
        self.via = "import"
        self.code: "Optional[CodeType]" = None
        self.lasti = -1
        self.missing: "Optional[list[str]]" = None


class _Reload(_Record):
    __slots__ = ("added", "before", "by_proxy", "error", "rebound", "removed", "search", "stale", "unchanged")

    def __init__(self, name: str, parent: "Optional[_Record]") -> None:
        _Record.__init__(self, "reload", name, parent)
        self.before: "Optional[dict[str, Any]]" = None
        self.added: "list[str]" = []
        self.removed: "list[str]" = []
        self.rebound: "list[str]" = []
        self.error: "Optional[tuple[str, str]]" = None
        self.search: "Optional[_Search]" = None
        self.by_proxy = False
        self.unchanged: "list[str]" = []
        self.stale: "list[str]" = []


# --- small helpers -------------------------------------------------------------------------------


def _push(rec: "_Record") -> None:
    st = _stacks.get(rec.tid)
    if st is None:
        st = _stacks[rec.tid] = []
    st.append(rec)


def _top() -> "Optional[_Record]":
    st = _stacks.get(_get_ident())
    return st[-1] if st else None


def _pop(rec: "_Record") -> None:
    """Pop rec and anything left above it (a record whose loader never reached exec_module)."""
    st = _stacks.get(rec.tid)
    if st and rec in st:
        while st.pop() is not rec:
            pass


def _begin(rec: "_Record") -> None:
    _events.append(rec)
    if _untrack is not None and rec.kind in ("hit", "load"):
        # Hits and loads point only to records opened before them, specs, loaders and code, none of
        # which point back, so the collector may skip them.  A search can sit in a cycle (search ->
        # spec -> loader proxy -> search) if importlib drops the spec before loading, and a reload is
        # always in one (reload.search -> search.parent -> reload): untracked, the pair would never be freed.
        _untrack(rec)
    if rec.tid not in _thread_names:
        _thread_names[rec.tid] = _thread_name(rec.tid)
    if _sink is not None:
        _emit(rec, True)


def _thread_name(tid: int) -> "Optional[str]":
    threading = _modules_get("threading")  # only if the program loaded it: we never import it
    try:
        thread = threading._active.get(tid) if threading is not None else None
        return None if thread is None else str(thread.name)
    except Exception:
        return None


def _end(rec: "_Record") -> None:
    rec.t1 = _clock()
    if _sink is not None:
        _emit(rec, False)


def _emit(rec: "_Record", began: bool) -> None:
    sink = _sink
    if sink is not None:
        try:
            sink(rec, began)
        except Exception as exc:  # a broken stream must never break the program's import
            _note("stream", "writing the stream failed: {}: {}".format(*_describe(exc)))


def _note(code: str, message: str) -> None:
    _notes.append((_clock(), code, message))


def _describe(exc: BaseException) -> "tuple[str, str]":
    try:
        message = str(exc)
    except Exception:
        message = f"<unprintable {type(exc).__name__}>"
    return type(exc).__qualname__, message


_machinery: "dict[str, bool]" = {}
_MACHINERY_TAILS = (
    "/importlib/__init__.py",
    "/importlib/util.py",
    "/importlib/_bootstrap.py",
    "/importlib/_bootstrap_external.py",
)


def _is_machinery(filename: str) -> bool:
    """True for frames of importlib or of these hooks: never the code that asked for a module."""
    known = _machinery.get(filename)
    if known is None:
        known = filename.startswith("<frozen importlib") or filename.replace("\\", "/").endswith(_MACHINERY_TAILS)
        _machinery[filename] = known
    return known


def _caller(f: "Optional[FrameType]") -> "Optional[FrameType]":
    """The first frame, from f outwards, that belongs to the program rather than the machinery."""
    while f is not None and _is_machinery(f.f_code.co_filename):
        f = f.f_back
    return f


def _attribute(rec: "_Record", f: "Optional[FrameType]") -> None:
    """Fill in who asked and where, from the first program frame at or outside f."""
    f = _caller(f)
    if f is not None:
        rec.importer = f.f_globals.get("__name__")
        rec.where = (f.f_code, f.f_lasti)  # the line is worked out at export: f_lineno scans the code


def _resolve(name: str, globals: "Any", level: int) -> "Optional[str]":
    """The absolute name of a relative import, as importlib computes it, or None if it would fail."""
    if not isinstance(globals, dict):
        return None
    package = globals.get("__package__")
    if package is None:
        spec = globals.get("__spec__")
        if spec is not None:
            package = getattr(spec, "parent", None)
        else:
            package = globals.get("__name__")
            if isinstance(package, str) and "__path__" not in globals:
                package = package.rpartition(".")[0]
    if not package or not isinstance(package, str):
        return None
    bits = package.rsplit(".", level - 1)
    if len(bits) < level:
        return None
    return f"{bits[0]}.{name}" if name else bits[0]


def _owner(name: str, module: "Any") -> "Optional[int]":
    """The thread still initialising module, if any (for modules whose load we did not wrap)."""
    try:
        if not getattr(module.__spec__, "_initializing", False):
            return None
    except Exception:
        return None
    try:
        ref = _module_locks.get(name)
        lock = ref() if ref is not None else None
        owner = getattr(lock, "owner", None)
        if isinstance(owner, int) and owner:
            return owner
    except Exception:
        pass
    return _get_ident()


# --- hits: builtins.__import__ and importlib.import_module ---------------------------------------


def _import(name: str, globals: "Any" = None, locals: "Any" = None, fromlist: "Any" = (), level: int = 0) -> "Any":
    """builtins.__import__ while tracing (pure Python; _speedups has the same in C): a repeated
    cache hit costs a few dict operations."""
    try:
        f = _getframe(1)
    except ValueError:  # called from C with no Python frame on the stack
        return _orig_import(name, globals, locals, fromlist, level)
    hit = _sites.get((id(f.f_code), f.f_lasti, name))
    if hit is not None:
        absname = hit.name
        if absname not in _loading and _modules_get(absname) is not None:
            hit.count += 1
            return _orig_import(name, globals, locals, fromlist, level)
    if globals is None and level:
        # Omitted globals and globals=None fail differently in C (KeyError vs TypeError): omit them.
        return _orig_import(name, locals=locals, fromlist=fromlist, level=level)
    hit = _prepare_import(name, globals, fromlist, level, f)
    if hit is None:
        return _orig_import(name, globals, locals, fromlist, level)
    try:
        module = _orig_import(name, globals, locals, fromlist, level)
    except BaseException:
        _end_hit(hit, True)
        raise
    _end_hit(hit, False)
    return module


def _prepare_import(name: "Any", globals: "Any", fromlist: "Any", level: "Any", f: "FrameType") -> "Optional[_Hit]":
    """The slow path of an import statement or __import__ call: open a hit record if it is a first hit
    at this call site (None for a miss, which the finder records, or for a hit counted elsewhere)."""
    if not _active or type(name) is not str or type(level) is not int:
        return None
    try:
        resolved = name if level == 0 else _resolve(name, globals, level)
        return _start_hit(name, resolved, f, fromlist, level, "import") if resolved else None
    except Exception as exc:
        _note("internal", "__import__ hook: {}: {}".format(*_describe(exc)))
        return None


def _import_module(name: str, package: "Optional[str]" = None) -> "Any":
    """importlib.import_module while tracing: its hits never reach builtins.__import__."""
    try:
        f = _getframe(1)
    except ValueError:
        return _orig_import_module(name, package)
    hit = _sites.get((id(f.f_code), f.f_lasti, name))
    if hit is not None:
        absname = hit.name
        if absname not in _loading and _modules_get(absname) is not None:
            hit.count += 1
            return _orig_import_module(name, package)
    hit = _prepare_import_module(name, package, f)
    if hit is None:
        return _orig_import_module(name, package)
    try:
        module = _orig_import_module(name, package)
    except BaseException:
        _end_hit(hit, True)
        raise
    _end_hit(hit, False)
    return module


def _prepare_import_module(name: "Any", package: "Any", f: "FrameType") -> "Optional[_Hit]":
    """The slow path of importlib.import_module (see _prepare_import)."""
    if not _active or type(name) is not str:
        return None
    try:
        resolved: "str | None" = name
        level = 0
        if name.startswith("."):
            level = len(name) - len(name.lstrip("."))
            resolved = _resolve(name[level:], {"__package__": package}, level)
        return _start_hit(name, resolved, f, (), level, "import_module") if resolved else None
    except Exception as exc:
        _note("internal", "import_module hook: {}: {}".format(*_describe(exc)))
        return None


def _start_hit(key: str, absname: str, f: "FrameType", fromlist: "Any", level: int, via: str) -> "Optional[_Hit]":
    """Open a hit record if absname is in sys.modules; None for a miss (the finder records those)
    or for a hit counted on a record that already exists."""
    module = _modules_get(absname)
    if module is None:
        return None
    code = f.f_code
    lasti = f.f_lasti
    filename = code.co_filename
    site = (id(code), lasti, key)
    if _is_machinery(filename):
        # importlib's own file reading asks __import__ for _io on every source load: not the program's
        # request.  A record that is never exported keeps the hot path counting it cheaply.
        _sites[site] = _Hit(absname, None, 0)
        return None
    importer = f.f_globals.get("__name__")
    owner = _loading.get(absname)
    if owner is None:
        owner = _owner(absname, module)
    if owner is not None:
        # A package's own __init__ importing its submodules hits the package while it initialises:
        # that is how packages work, not a circular import.
        waited = owner != _get_ident()
        partial = not waited and importer != absname
    else:
        waited = partial = False
    place = None
    if partial or waited:
        known = _partials.get((id(code), lasti, key, partial))
        if known is not None:
            known.count += 1
            return None
    else:
        known = _sites.get(site)
        if known is not None:  # this site, while its module was still loading (a self-import)
            known.count += 1
            return None
        if filename[:1] == "<" or len(_sites) > _MANY_SITES:
            # Source compiled from a string (exec in a loop) makes a new code object, so a new site,
            # each time: past a few versions of one place, count them on its first record.
            place = (filename, code.co_firstlineno, code.co_name, lasti, absname, via)
            seen = _places.get(place)
            if seen is not None:
                if seen[1] >= _RECOMPILED:
                    seen[0].count += 1
                    return None
                seen[1] += 1
                place = None
    hit = _Hit(absname, _top())
    hit.via = via
    hit.level = level
    if fromlist and type(fromlist) in (tuple, list) and all(type(x) is str for x in fromlist):
        hit.fromlist = tuple(fromlist)  # never iterate or str() other objects: that could change them
    hit.code = code
    hit.lasti = lasti
    hit.importer = importer
    if partial or waited:
        hit.partial = partial
        hit.waited = waited
        _partials[(id(code), lasti, key, partial)] = hit
    else:
        _sites[site] = hit
        if place is not None:
            _places[place] = [hit, 1]
    _begin(hit)
    return hit


def _end_hit(hit: "_Hit", failed: bool) -> None:
    """Close a hit record after the original import function returned (or raised, if failed)."""
    if hit.partial and hit.fromlist and not failed:
        module = _modules_get(hit.name)
        try:
            names = vars(module) if module is not None else {}
            hit.missing = [n for n in hit.fromlist if n != "*" and n not in names]
        except TypeError:
            pass
    _end(hit)


# --- reload --------------------------------------------------------------------------------------

_IMPORT_ATTRS = frozenset(
    ("__name__", "__loader__", "__spec__", "__file__", "__cached__", "__package__", "__path__", "__builtins__")
)


def _reload(module: "Any") -> "Any":
    """importlib.reload while tracing: times the reload and records which names changed."""
    if not _active:
        return _orig_reload(module)
    rec: "_Reload | None" = None
    try:
        rec = _start_reload(module)
        caller: "Optional[FrameType]" = _getframe(1)
        if caller is not None and caller.f_code.co_name == "reload" and caller.f_globals.get("__name__") == "imp":
            caller = caller.f_back  # imp.reload (3.9 to 3.11) only passes the call on
        _attribute(rec, caller)
    except Exception as exc:
        _note("internal", "reload hook: {}: {}".format(*_describe(exc)))
    if rec is None:
        return _orig_reload(module)
    try:
        result = _orig_reload(module)
    except BaseException as exc:
        rec.error = _describe(exc)
        _end_reload(rec, module)
        raise
    _end_reload(rec, module)
    return result


def _start_reload(module: "Any") -> "_Reload":
    spec = getattr(module, "__spec__", None)
    name = getattr(spec, "name", None) or getattr(module, "__name__", None) or "?"
    rec = _Reload(str(name), _top())
    try:
        rec.before = dict(vars(module))
    except TypeError:
        rec.before = None
    _begin(rec)
    _push(rec)
    return rec


def _end_reload(rec: "_Reload", module: "Any") -> None:
    _pop(rec)
    before = rec.before
    rec.before = None
    if before is not None:
        try:
            after = vars(module)
        except TypeError:
            after = {}
        rec.added = sorted(k for k in after if k not in before and k not in _IMPORT_ATTRS)
        rec.removed = sorted(k for k in before if k not in after and k not in _IMPORT_ATTRS)
        rec.rebound = sorted(
            k for k, v in after.items() if k in before and before[k] is not v and k not in _IMPORT_ATTRS
        )
        rec.unchanged = sorted(  # the program's own names only: dunders such as __doc__ say nothing
            k for k, v in after.items() if k in before and before[k] is v and not k.startswith("__")
        )
        replaced = {k: before[k] for k in rec.rebound + rec.removed}
        if replaced:
            rec.stale = _holders(replaced, module)
    _end(rec)


def _holders(replaced: "dict[str, Any]", reloaded: "Any") -> "list[str]":
    """'module.name' for every other module still bound to an object the reload replaced: the stale
    bindings that `from module import name` leaves behind.  Immutable built-in values (None, small
    ints, interned strings) are shared by coincidence, so they count only under the same name."""
    by_id = {id(obj): (obj, name) for name, obj in replaced.items()}
    found: "list[str]" = []
    getattribute = object.__getattribute__
    for module_name, module in list(sys.modules.items()):
        if module is None or module is reloaded or module_name.split(".")[0] == "importtrace":
            continue
        try:
            namespace = getattribute(module, "__dict__")  # never triggers a lazy module's load
            items = list(namespace.items())
        except Exception:
            continue
        for attr, value in items:
            entry = by_id.get(id(value))
            if entry is None or entry[0] is not value:
                continue
            if type(value) in _SHARED_TYPES and attr != entry[1]:
                continue
            found.append("%s.%s" % (module_name, attr))
            if len(found) >= 200:
                return found
    return found


_SHARED_TYPES = (type(None), bool, int, float, complex, str, bytes, tuple, frozenset)


# --- searches and loads: the meta-path finder and the loader proxies -----------------------------


class ImporttraceFinder:
    """First in sys.meta_path: asks the finders after it, records the answer, times the load."""

    def __repr__(self) -> str:
        return "<importtrace finder>"

    def find_spec(self, fullname: str, path: "Any" = None, target: "Any" = None) -> "Any":
        if not _active or self is not _finder:
            return None  # a copy left in sys.meta_path by a restored snapshot: inert
        meta_path = sys.meta_path
        asked = _unanswered.pop(_get_ident(), None)
        if asked is not None and asked[0] == fullname and asked[1] is path and asked[2] is target:
            if sum(1 for f in meta_path if f is self) > 1:
                return None  # this finder twice in meta_path: importlib asks again what it just asked
        for i, finder in enumerate(meta_path):  # noqa: B007 (i is used after the loop)
            if finder is self:
                break
        else:
            return None  # removed while importlib was iterating a copy of meta_path
        rec = _Search(fullname, _top(), 0)
        if target is not None:
            rec.reason = "reload"
        else:
            try:
                caller = _getframe(2).f_code.co_name
            except ValueError:
                caller = ""
            if caller != "_find_and_load_unlocked":
                rec.reason = "probe"
        if path is not None:
            try:
                rec.path = [str(p) for p in path]
            except Exception:
                pass
        if i:
            ahead = [x for x in meta_path[:i] if not isinstance(x, ImporttraceFinder)]
            if ahead:
                rec.ahead = [_finder_name(x) for x in ahead]
                _shadowed(ahead)
        _attribute(rec, _getframe(1))
        rec.t0 = _clock()
        _begin(rec)
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
                    rec.finder = finder
                    break
        except BaseException as exc:
            rec.error = _describe(exc)
            _end(rec)
            raise
        rec.spec = spec
        if spec is None:
            _unanswered[rec.tid] = (fullname, path, target)
        else:
            loader = getattr(spec, "loader", None)
            if loader is None and getattr(spec, "submodule_search_locations", None) is not None:
                rec.namespace = True
            if rec.reason != "probe":
                try:
                    _wrap(spec, rec)
                except Exception as exc:
                    _note("internal", "loader proxy: {}: {}".format(*_describe(exc)))
        _end(rec)
        return spec

    def invalidate_caches(self) -> None:
        """Nothing cached here; the finders after this one are called by importlib directly."""


def _finder_name(finder: "Any") -> str:
    if isinstance(finder, type):
        return finder.__qualname__
    return type(finder).__qualname__


def finders_ahead() -> "list[Any]":
    """The finders in sys.meta_path ahead of importtrace's (which then never see what they serve)."""
    meta_path = list(sys.meta_path)
    for i, finder in enumerate(meta_path):
        if finder is _finder:
            return [f for f in meta_path[:i] if not isinstance(f, ImporttraceFinder)]
    return []


def finder_removed() -> bool:
    """Whether the program took the active finder out of sys.meta_path (by restoring a snapshot, say)."""
    return _active and not any(f is _finder for f in sys.meta_path)


def _remove_finders() -> None:
    """Take every importtrace finder out of sys.meta_path, including copies a restored snapshot put back."""
    meta_path = sys.meta_path
    for i in range(len(meta_path) - 1, -1, -1):
        if isinstance(meta_path[i], ImporttraceFinder):
            del meta_path[i]


def shadow_note(finder: "Any") -> str:
    return (
        f"{_finder_name(finder)} was inserted ahead of importtrace's finder in sys.meta_path: modules "
        "it serves are loaded without search and load events (they appear as unobserved loads)"
    )


def _shadowed(ahead: "list[Any]") -> None:
    for finder in ahead:
        if not any(finder is seen for seen in _ahead_seen):
            _ahead_seen.append(finder)
            _note("shadowed", shadow_note(finder))


def _wrap(spec: "Any", search: "_Search") -> None:
    """Put a proxy on spec.loader for the duration of the load (or reload)."""
    loader = spec.loader
    if loader is None:
        if search.namespace and search.reason == "import":
            rec = _Load(spec.name, search.parent)  # namespace packages have no loader to time
            rec.spec = spec
            rec.search = search
            rec.namespace = True
            rec.importer, rec.where = search.importer, search.where
            _begin(rec)
            _end(rec)
        return
    if isinstance(loader, _Proxy):
        return
    if hasattr(loader, "exec_module"):
        proxy: "_Proxy" = (_Exec if hasattr(loader, "create_module") else _ExecOnly)(loader, spec, search)
    elif hasattr(loader, "load_module"):
        proxy = _Legacy(loader, spec, search)
    else:
        return
    spec.loader = proxy


class _Proxy:
    """Stands in for spec.loader between find_spec and exec_module; the real loader is put back
    on the spec and the module before the module's code runs."""

    __slots__ = ("_real", "_rec", "_search", "_spec")

    def __init__(self, real: "Any", spec: "Any", search: "_Search") -> None:
        self._real = real
        self._spec = spec
        self._search = search
        self._rec: "Optional[_Record]" = None

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

    def _open(self) -> "_Record":
        """The record this load is timed in: a load, or for a reload the reload record."""
        rec = self._rec
        if rec is not None:
            return rec
        search = self._search
        if not _active:  # begun after every trace stopped (a LazyLoader module's first use): in no trace
            rec = self._rec = _Load(search.name, None)
            return rec
        if search.reason == "reload":
            top = _top()
            if isinstance(top, _Reload) and top.name == search.name and top.search is None:
                top.search = search
                self._rec = top
                return top
            reload = rec = _Reload(search.name, search.parent)  # reload bound before importlib was patched
            reload.importer, reload.where = search.importer, search.where
            reload.search = search
            reload.by_proxy = True
        elif search.reason == "lazy":
            load = rec = _Load(search.name, _top())  # LazyLoader: the code runs at first attribute use
            load.spec, load.loader, load.lazy = self._spec, self._real, True
            _attribute(load, _getframe(2))
        else:
            load = rec = _Load(search.name, search.parent)
            load.spec, load.loader, load.search = self._spec, self._real, search
            load.importer, load.where = search.importer, search.where
        self._rec = rec
        _begin(rec)
        _push(rec)
        return rec

    def _close(self, rec: "_Record", module: "Any", exc: "Optional[BaseException]") -> None:
        name = rec.name
        if _loading.get(name) == rec.tid:
            del _loading[name]
        if isinstance(rec, _Reload):
            if rec.by_proxy:
                if exc is not None:
                    rec.error = _describe(exc)
                _end_reload(rec, module)
            return  # otherwise the importlib.reload wrapper closes its own record
        assert isinstance(rec, _Load)
        if exc is not None:
            rec.error = _describe(exc)
        elif module is not None and _modules_get(name) is not module:
            rec.replaced = True
        _pop(rec)
        _end(rec)
        if name == "importlib" and exc is None and _active:
            _patch_importlib(module)


class _Legacy(_Proxy):
    __slots__ = ()

    def load_module(self, fullname: str) -> "Any":
        rec = self._open()
        if isinstance(rec, _Reload):
            if rec.before is None:
                _snapshot(rec, _modules_get(fullname))
        else:
            _loading[fullname] = rec.tid
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

    def exec_module(self, module: "Any") -> None:
        self._restore(module)
        rec = self._open()
        real = self._real
        if isinstance(rec, _Reload):
            if rec.before is None:
                _snapshot(rec, module)
        else:
            _loading[rec.name] = rec.tid
            origin = getattr(self._spec, "origin", None)
            if _active and type(origin) is str:
                _is_machinery(origin)  # classify the module's file now: its imports' first hits can go fast
            if _details and isinstance(rec, _Load):
                rec.bytecode = _bytecode(self._spec, real)
        try:
            real.exec_module(module)
        except BaseException as exc:
            self._close(rec, module, exc)
            raise
        if type(real).__name__ == "LazyLoader" and self._spec.loader is getattr(real, "loader", None):
            # LazyLoader deferred the real exec to first attribute access: time that one too.
            inner = self._spec.loader
            lazy = _Search(self._search.name, None, 0)
            lazy.reason = "lazy"
            lazy.importer, lazy.where = self._search.importer, self._search.where
            self._spec.loader = _ExecOnly(inner, self._spec, lazy)
        self._close(rec, module, None)


class _Exec(_ExecOnly):
    __slots__ = ()

    def create_module(self, spec: "Any") -> "Any":
        rec = self._open()  # extension and built-in modules do most of their work here
        try:
            return self._real.create_module(spec)
        except BaseException as exc:
            self._restore(None)
            self._close(rec, None, exc)
            raise


def _disguise(func: "Any") -> None:
    """Give func's frames importlib's file name, so that CPython's import-traceback trimming (which
    cuts chunks of importlib frames ending in _call_with_frames_removed) treats them as part of the
    import system: trimmed where untraced importlib frames are trimmed, shown where they are shown."""
    func.__code__ = func.__code__.replace(co_filename="<frozen importlib._bootstrap>")


for _method in (_Legacy.load_module, _ExecOnly.exec_module, _Exec.create_module):
    _disguise(_method)


def _bytecode(spec: "Any", loader: "Any") -> "Optional[str]":
    """Where the module's code object will come from, decided as SourceLoader.get_code decides:
    'cached' (a valid __pycache__ file), 'stale' (one that no longer matches the source),
    'compiled' (no cache file), 'bytecode' (a module shipped as .pyc only)."""
    if isinstance(loader, _external.SourcelessFileLoader):
        return "bytecode"
    if not isinstance(loader, _external.SourceFileLoader):
        return None
    try:
        cached = spec.cached
        if not cached:
            return "compiled"
        data = loader.get_data(cached)
    except Exception:
        return "compiled"
    try:
        flags = _external._classify_pyc(data, spec.name, {})
        if flags & 0b1:  # hash-based pyc
            check = _imp.check_hash_based_pycs
            if check == "always" or (check != "never" and flags & 0b10):
                source_hash = _imp.source_hash(_external._RAW_MAGIC_NUMBER, loader.get_data(spec.origin))
                _external._validate_hash_pyc(data, source_hash, spec.name, {})
        else:
            stats = loader.path_stats(spec.origin)
            _external._validate_timestamp_pyc(data, int(stats["mtime"]), stats["size"], spec.name, {})
    except Exception:
        return "stale"
    return "cached"


def _snapshot(rec: "_Reload", module: "Any") -> None:
    try:
        rec.before = dict(vars(module))
    except TypeError:
        pass


# --- installing and removing the hooks -----------------------------------------------------------

_finder = ImporttraceFinder()  # a new one per install: copies of an older one are inert
_own_code = {
    _import.__code__,
    _import_module.__code__,
    _reload.__code__,
    ImporttraceFinder.find_spec.__code__,
    _Legacy.load_module.__code__,
    _ExecOnly.exec_module.__code__,
    _Exec.create_module.__code__,
}
_machinery[_import.__code__.co_filename] = True


def _patch_importlib(importlib: "Any") -> None:
    """Wrap importlib.import_module and importlib.reload (now, or when the program imports importlib)."""
    global _importlib, _orig_import_module, _orig_reload
    if _importlib is not None:
        return
    try:
        orig_import_module = importlib.import_module
        orig_reload = importlib.reload
    except AttributeError:
        return
    _orig_import_module = orig_import_module
    _orig_reload = orig_reload
    _copy_identity(_import_module, orig_import_module)
    _copy_identity(_reload, orig_reload)
    hook: "Any" = _import_module
    if _speedups is not None:
        hook = _speedups.Hook(
            orig_import_module,
            _prepare_import_module,
            _end_hit,
            _import_module,
            _sites,
            _loading,
            sys.modules,
            _Hit,
            True,
            **_hook_state(),
        )
        _copy_identity(hook, orig_import_module)
    importlib.import_module = _installed["import_module"] = hook
    if _active and hasattr(hook, "set_active"):
        hook.set_active(True)
        hook.set_fast(_sink is None)
    importlib.reload = _installed["reload"] = _reload
    _importlib = importlib


def _hook_state() -> "dict[str, Any]":
    """What the compiled hook needs to record a first hit itself, exactly as _start_hit would."""
    return {
        "events": _events,
        "stacks": _stacks,
        "thread_names": _thread_names,
        "machinery": _machinery,
        "ids": _ids,
        "clock": _clock,
        "many_sites": _MANY_SITES,
    }


def _switch_hooks(active: bool) -> None:
    for hook in (_installed.get("import"), _installed.get("import_module")):
        if hook is not None and hasattr(hook, "set_active"):
            hook.set_active(active)
            hook.set_fast(_sink is None)


def _copy_identity(wrapper: "Any", wrapped: "Any") -> None:
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(wrapper, attr, getattr(wrapped, attr))
        except (AttributeError, TypeError):
            pass
    wrapper.__wrapped__ = wrapped


def set_details(on: bool) -> None:
    """Record the facts that cost extra I/O (bytecode provenance), for --explain."""
    global _details
    _details = on


def install(clock: "Optional[Callable[[], int]]" = None) -> None:
    """Put the hooks in place: the finder first in sys.meta_path, the wrappers on the import functions."""
    global _active, _clock, _orig_import, _finder
    if _active:
        return
    if clock is not None:
        _clock = clock
    _orig_import = builtins.__import__
    _copy_identity(_import, _orig_import)
    hook: "Any" = _import
    if _speedups is not None:
        hook = _speedups.Hook(
            _orig_import, _prepare_import, _end_hit, _import, _sites, _loading, sys.modules, _Hit, **_hook_state()
        )
        _copy_identity(hook, _orig_import)
    builtins.__import__ = _installed["import"] = hook
    _remove_finders()
    _finder = ImporttraceFinder()
    sys.meta_path.insert(0, _finder)
    _active = True
    importlib = _modules_get("importlib")
    if importlib is not None:
        _patch_importlib(importlib)
    _switch_hooks(True)


def uninstall() -> "list[tuple[int, str, str]]":
    """Take the hooks out again; where another tool replaced one of ours since, leave theirs in place
    (ours then passes every call straight through).  Returns notes on what was left."""
    global _active, _clock, _importlib
    left: "list[tuple[int, str, str]]" = []
    if not _active:
        return left
    _active = False
    _switch_hooks(False)
    if builtins.__import__ is _installed.get("import"):
        builtins.__import__ = _orig_import
    else:
        left.append(
            (
                _clock(),
                "repatched",
                "builtins.__import__ was replaced by another tool during "
                "the trace; it was left in place and importtrace's wrapper now passes calls through",
            )
        )
    _remove_finders()
    if _importlib is not None:
        for attr, ours, orig in (
            ("import_module", _installed.get("import_module"), _orig_import_module),
            ("reload", _installed.get("reload"), _orig_reload),
        ):
            if getattr(_importlib, attr, None) is ours:
                setattr(_importlib, attr, orig)
            else:
                left.append(
                    (
                        _clock(),
                        "repatched",
                        f"importlib.{attr} was replaced by another tool during the trace; it was left in place",
                    )
                )
        _importlib = None
    _clock = time.perf_counter_ns
    return left


def new_window() -> None:
    """Start counting hits in fresh records, so a trace that starts now sees its own first hits.
    (Cleared in place: the compiled hook holds the same dicts.)"""
    _sites.clear()
    _places.clear()
    _partials.clear()
    for hook in (_installed.get("import"), _installed.get("import_module")):
        if hook is not None and hasattr(hook, "clear_cache"):
            hook.clear_cache()


def reset() -> None:
    """Forget every record (when the last session stops)."""
    global _sink, _details
    new_window()
    _details = False
    _events.clear()  # in place: the compiled hooks hold this list
    _notes.clear()
    _loading.clear()
    _stacks.clear()
    del _ahead_seen[:]
    _thread_names.clear()
    _unanswered.clear()
    _sink = None
    for filename in [f for f, machinery in _machinery.items() if not machinery]:
        del _machinery[filename]  # the program's files (every one traced would stay); importlib's stay known


def is_own_frame(code: "CodeType") -> bool:
    """True for the code of the import wrappers (used to drop their frame from printed tracebacks)."""
    return code in _own_code


def active() -> bool:
    return _active


def clock() -> int:
    return _clock()


def events() -> "list[_Record]":
    return _events


def notes() -> "list[tuple[int, str, str]]":
    return _notes


def set_sink(sink: "Optional[Callable[[_Record, bool], None]]") -> None:
    global _sink
    _sink = sink
    if _active:
        _switch_hooks(True)


def thread_names() -> "dict[int, Optional[str]]":
    return dict(_thread_names)


def open_main() -> "_Load":
    """A load record for the program's __main__, which runs by exec() rather than through a loader."""
    rec = _Load("__main__", _top())
    _begin(rec)
    _push(rec)
    return rec


def close_main(rec: "_Load", module: "Any", exc: "Optional[BaseException]") -> None:
    rec.origin = getattr(module, "__file__", None)
    rec.loader = getattr(module, "__loader__", None)
    if exc is not None:
        rec.error = _describe(exc)
    _pop(rec)
    _end(rec)
