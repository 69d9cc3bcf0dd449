"""Decisions both hook implementations share: which frames are the import machinery's, who asked,
what a relative name resolves to, which thread still initialises a module, and what a reload changed;
the --explain facts are in ``_details`` (the compiled hooks find them here, under the same names).

PYTEST_DONT_REWRITE

The compiled hooks call these on their rare paths; the pure-Python hooks call them always.  Like
everything under ``record``, this imports only what the interpreter has at start-up.
"""

import sys
import time

from . import _details

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, FrameType
    from typing import Any, Callable, Optional

_external = sys.modules["_frozen_importlib_external"]
_bootstrap = sys.modules["_frozen_importlib"]
_module_locks = getattr(_bootstrap, "_module_locks", {})
_modules_get = sys.modules.get
find_spec_legacy = getattr(_bootstrap, "_find_spec_legacy", None)  # 3.9 to 3.11 only
DEFAULT_CLOCK = time.perf_counter_ns  # the clock the compiled hooks read directly
# The --explain facts (and path_tuple), which the compiled hooks read from this module too.
hit_details = _details.hit_details
load_details = _details.load_details
load_done = _details.load_done
namespace_details = _details.namespace_details
path_tuple = _details.path_tuple
search_details = _details.search_details
star_details = _details.star_details

#: file name -> True for frames of the import machinery (importlib, these hooks, the pytest plugin's
#: fresh import): never the code that asked for a module.  Shared with the compiled hooks.
machinery: "dict[str, bool]" = {}
_MACHINERY_TAILS = (
    "/importlib/__init__.py",
    "/importlib/util.py",
    "/importlib/_bootstrap.py",
    "/importlib/_bootstrap_external.py",
)
#: the opcode of an import statement (IMPORT_NAME), to tell `import x` from a call of __import__
IMPORT_NAME = {(3, 9): 108, (3, 10): 108, (3, 11): 108, (3, 12): 108, (3, 13): 75}.get(sys.version_info[:2])


def is_machinery(filename: str) -> bool:
    """True for frames of importlib or of these hooks (cached: the compiled hook reads the dict)."""
    known = machinery.get(filename)
    if known is None:
        known = filename.startswith("<frozen importlib") or filename.replace("\\", "/").endswith(_MACHINERY_TAILS)
        machinery[filename] = known
    return known


#: called after add_machinery (the compiled hooks keep a cache of the dict)
machinery_listeners: "list[Callable[[], object]]" = []


def add_machinery(filename: str) -> None:
    """Count frames of filename as import machinery (a helper that imports on the caller's behalf)."""
    machinery[filename] = True
    for listener in machinery_listeners:
        listener()


def forget_program_files() -> None:
    """Drop the files classified as not machinery (the program's): kept across traces, they would grow
    with every new file a long-lived process imports."""
    for filename in [f for f, known in machinery.items() if not known]:
        del machinery[filename]
    for listener in machinery_listeners:
        listener()


def is_import_name(code: "CodeType", lasti: int) -> bool:
    """Whether the instruction at lasti is an import statement (IMPORT_NAME) rather than a call."""
    if IMPORT_NAME is None or lasti < 0:
        return True
    try:
        return code.co_code[lasti] == IMPORT_NAME
    except IndexError:
        return True


#: the importlib functions that call a loader's create_module, exec_module or load_module
LOADER_CALLERS = frozenset(("_load_unlocked", "module_from_spec", "_load_backward_compatible", "_exec"))


def asker(f: "Optional[FrameType]", loading: "Optional[str]") -> "Optional[tuple[Any, int, Any]]":
    """(code, lasti, importer) of the code that asked: the first frame, from f outwards, that is not
    the machinery's.  ``loading`` names the module whose loader is running on this thread, if any:
    meeting the importlib frame that called that loader first means the request came from inside the
    load without a Python frame of the module: from the module's compiled code, if the loader ran code
    through _call_with_frames_removed on the way ((None, -1, module)), else from the import system
    itself (None: importlib reading a file, say), which is no request of the program's."""
    called = False
    while f is not None:
        code = f.f_code
        if not is_machinery(code.co_filename):
            return code, f.f_lasti, f.f_globals.get("__name__")
        name = code.co_name
        if loading is not None and name in LOADER_CALLERS:
            return (None, -1, loading) if called else None
        if name == "_call_with_frames_removed":
            called = True
        f = f.f_back
    return None


def resolve(name: str, globals: "Any", level: int) -> "Optional[str]":
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


def owner(name: str, module: "Any", me: int) -> "Optional[int]":
    """The thread still initialising module, if any (for modules whose load the hooks did not time)."""
    try:
        if not getattr(module.__spec__, "_initializing", False):
            return None
    except Exception:
        return None
    try:
        ref = _module_locks.get(name)
        lock = ref() if ref is not None else None
        found = getattr(lock, "owner", None)
        if isinstance(found, int) and found:
            return found
    except Exception:
        pass
    return me


def describe(exc: BaseException) -> "tuple[str, str]":
    """(type name, message) of an exception, never raising."""
    try:
        message = str(exc)
    except Exception:
        message = f"<unprintable {type(exc).__name__}>"
    return type(exc).__qualname__, message


def type_name(obj: "Any") -> str:
    """The class name importtrace shows for a finder or loader (a class itself names itself)."""
    if isinstance(obj, type):
        return obj.__qualname__
    return type(obj).__qualname__


_zipimporter = getattr(sys.modules.get("zipimport"), "zipimporter", None)
_MODULE_TYPES: "list[tuple[Any, str]]" = [
    (_external.ExtensionFileLoader, "extension"),
    (_external.SourcelessFileLoader, "bytecode"),
    (_external.SourceFileLoader, "source"),
]
if _zipimporter is not None:
    _MODULE_TYPES.insert(0, (_zipimporter, "zip"))


def module_type(loader: "Any") -> str:
    """What kind of module a loader makes: source, bytecode, extension, builtin, frozen, zip, ..."""
    if loader is None:
        return "unknown"
    if loader is _bootstrap.BuiltinImporter or isinstance(loader, _bootstrap.BuiltinImporter):
        return "builtin"
    if loader is _bootstrap.FrozenImporter or isinstance(loader, _bootstrap.FrozenImporter):
        return "frozen"
    for cls, kind in _MODULE_TYPES:
        if isinstance(loader, cls):
            return kind
    if "Namespace" in type_name(loader):
        return "namespace"
    return "other"


def thread_name(tid: int) -> "Optional[str]":
    """The name of thread tid, if the program loaded threading (importtrace never imports it)."""
    threading = _modules_get("threading")
    try:
        thread = threading._active.get(tid) if threading is not None else None
        return None if thread is None else str(thread.name)
    except Exception:
        return None


# --- reload: what changed ---------------------------------------------------------------------------

_IMPORT_ATTRS = frozenset(
    ("__name__", "__loader__", "__spec__", "__file__", "__cached__", "__package__", "__path__", "__builtins__")
)
_SHARED_TYPES = (type(None), bool, int, float, complex, str, bytes, tuple, frozenset)


def snapshot(module: "Any") -> "Optional[dict[str, Any]]":
    try:
        return dict(vars(module))
    except TypeError:
        return None


def changes(before: "Optional[dict[str, Any]]", module: "Any") -> "tuple[Any, ...]":
    """(added, removed, rebound, unchanged, stale) names of a reload, from the namespace before it."""
    if before is None:
        return (), (), (), (), ()
    try:
        after = vars(module)
    except TypeError:
        after = {}
    added = tuple(sorted(k for k in after if k not in before and k not in _IMPORT_ATTRS))
    removed = tuple(sorted(k for k in before if k not in after and k not in _IMPORT_ATTRS))
    rebound = tuple(
        sorted(k for k, v in after.items() if k in before and before[k] is not v and k not in _IMPORT_ATTRS)
    )
    unchanged = tuple(  # the program's own names only: dunders such as __doc__ say nothing
        sorted(k for k, v in after.items() if k in before and before[k] is v and not k.startswith("__"))
    )
    replaced = {k: before[k] for k in rebound + removed}
    stale = holders(replaced, module) if replaced else ()
    return added, removed, rebound, unchanged, stale


def holders(replaced: "dict[str, Any]", reloaded: "Any") -> "tuple[str, ...]":
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
                return tuple(found)
    return tuple(found)


for _file in ("_details", "_export", "_install", "_policy", "_session"):  # the recorder's own frames never ask
    add_machinery(__file__.replace("_policy", _file))
