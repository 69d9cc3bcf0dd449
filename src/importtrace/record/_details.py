"""The --explain facts both hook implementations record: sys.path at a search, the import statement
as written (read back from the bytecode), what `from m import *` binds, and where a module's bytecode
came from and whether its cache file was written.

PYTEST_DONT_REWRITE

Cold code: called only while a trace records with explain=True (``path_tuple`` excepted, which every
search uses).  Each returns plain values (str, bool, tuples of str, dicts of them) or None, and never
raises into the import.  Imports only what the interpreter has at start-up, and nothing of ``record``.
"""

import _imp
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

_external = sys.modules["_frozen_importlib_external"]


def path_tuple(path: "Any") -> "Optional[tuple[str, ...]]":
    """A package's __path__ as strings, never failing."""
    if path is None:
        return None
    try:
        return tuple(p if type(p) is str else str(p) for p in path)
    except Exception:
        return None


# --- the facts of a search and of a hit ------------------------------------------------------------

_last_path: "tuple[str, ...]" = ()


def sys_path() -> "tuple[str, ...]":
    """sys.path now, as strings; the same tuple as last time while it is unchanged (the file keeps one)."""
    global _last_path
    now = tuple(p if type(p) is str else repr(p) for p in sys.path)
    if now != _last_path:
        _last_path = now
    return _last_path


def search_details(path: "Any", code: "Any", lasti: int) -> "Optional[dict[str, Any]]":
    """The facts of a search as it begins: sys.path at that moment (for a top-level name) and the import
    statement that asked, as written."""
    out: "dict[str, Any]" = {}
    if path is None:
        out["sys_path"] = sys_path()
    said = statement(code, lasti)
    if said is not None:
        out["statement"] = said
    return out or None


def namespace_details(details: "Optional[dict[str, Any]]", locations: "Any") -> "dict[str, Any]":
    """details plus the folders that make up a namespace package's __path__."""
    out = dict(details or {})
    out["namespace_path"] = path_tuple(locations) or ()
    return out


def hit_details(code: "Any", lasti: int) -> "Optional[dict[str, Any]]":
    """The facts of a cache hit as it begins: the statement that asked, as written."""
    said = statement(code, lasti)
    return None if said is None else {"statement": said}


# --- the import statement, read back from the bytecode -------------------------------------------------

_OPS = {  # LOAD_CONST, IMPORT_NAME, IMPORT_FROM, STORE_NAME, STORE_GLOBAL, STORE_FAST, EXTENDED_ARG
    (3, 9): (100, 108, 109, 90, 97, 125, 144),
    (3, 10): (100, 108, 109, 90, 97, 125, 144),
    (3, 11): (100, 108, 109, 90, 97, 125, 144),
    (3, 12): (100, 108, 109, 90, 97, 125, 144),
    (3, 13): (83, 75, 74, 114, 113, 110, 71),
}.get(sys.version_info[:2])


def statement(code: "Any", lasti: int) -> "Optional[str]":
    """The import statement at instruction lasti of code, as the program wrote it ('import a.b as c',
    'from ..x import y', 'from m import *'), rebuilt from the instructions around IMPORT_NAME; None for
    anything else (a call of __import__ or import_module, an unknown Python, code it cannot read)."""
    if _OPS is None or code is None or lasti < 4:
        return None
    try:
        return _statement(code, lasti)
    except Exception:
        return None


def _arg_at(raw: bytes, at: int, extended: int) -> int:
    """The full argument of the instruction at offset at (with its EXTENDED_ARG prefixes)."""
    arg, shift, before = raw[at + 1], 8, at - 2
    while before >= 0 and raw[before] == extended:
        arg |= raw[before + 1] << shift
        shift += 8
        before -= 2
    return arg


def _start_of(raw: bytes, at: int, extended: int) -> int:
    """The offset of the first EXTENDED_ARG prefix of the instruction at offset at (or at itself)."""
    while at >= 2 and raw[at - 2] == extended:
        at -= 2
    return at


def _statement(code: "Any", lasti: int) -> "Optional[str]":
    load_const, import_name, import_from, store_name, store_global, store_fast, extended = _OPS  # type: ignore[misc]
    raw = code.co_code
    if raw[lasti] != import_name:
        return None
    name = code.co_names[_arg_at(raw, lasti, extended)]
    at = _start_of(raw, lasti, extended) - 2
    if at < 2 or raw[at] != load_const:
        return None
    fromlist = code.co_consts[_arg_at(raw, at, extended)]
    at = _start_of(raw, at, extended) - 2
    if at < 0 or raw[at] != load_const:
        return None
    level = code.co_consts[_arg_at(raw, at, extended)]
    if type(level) is not int or type(name) is not str:
        return None

    def stored(at: int) -> "Optional[str]":  # the name the instruction at offset at binds, if a plain store
        op = raw[at]
        if op in (store_name, store_global):
            return str(code.co_names[_arg_at(raw, at, extended)])
        if op == store_fast:
            return str(code.co_varnames[_arg_at(raw, at, extended)])
        return None

    module = "." * level + name
    after = lasti + 2
    if fromlist is None:
        if raw[after] == import_from:  # import a.b as c: the submodule is fetched, then stored
            while raw[after] == import_from:
                after += 2
            alias = stored(after)
            return None if alias is None else "import %s as %s" % (module, alias)
        bound = stored(after)
        if bound is None:
            return None
        top = name.partition(".")[0]
        return "import %s" % module if bound == top else "import %s as %s" % (module, bound)
    if type(fromlist) is not tuple or not all(type(n) is str for n in fromlist):
        return None
    if fromlist == ("*",):
        return "from %s import *" % module
    parts = []
    for wanted in fromlist:  # IMPORT_FROM name, then the store of its binding, for each name in order
        if raw[after] != import_from:
            return None
        got = code.co_names[_arg_at(raw, after, extended)]
        bound = stored(after + 2)
        if got != wanted or bound is None:
            return None
        parts.append(wanted if bound == wanted else "%s as %s" % (wanted, bound))
        after += 4
    return "from %s import %s" % (module, ", ".join(parts))


# --- what `from m import *` binds -------------------------------------------------------------------------


def star_details(module: "Any", details: "Optional[dict[str, Any]]") -> "Optional[dict[str, Any]]":
    """details plus what `from ... import *` binds from module (just imported): the names in its __all__
    (star_all), or else every name not starting with _, and for a package without __all__ the submodules
    in its folders that are not loaded (star_skipped), which it leaves out.  Reads the namespace only:
    never a module __getattr__."""
    try:
        namespace = object.__getattribute__(module, "__dict__")
        listed = namespace.get("__all__") if type(namespace) is dict else None
    except Exception:
        return details
    out = dict(details or {})
    if listed is not None:
        if type(listed) not in (list, tuple) or not all(type(n) is str for n in listed):
            return details  # iterating something else could change it
        out["star"] = tuple(listed)
        out["star_all"] = True
        return out
    if "__getattr__" in namespace:
        return details  # __all__ could come from it: what import * reads is not known here
    out["star"] = tuple(k for k in namespace if type(k) is str and not k.startswith("_"))
    out["star_all"] = False
    path = path_tuple(namespace.get("__path__"))
    if path:
        out["star_skipped"] = _unloaded_submodules(path, namespace)
    return out


def _unloaded_submodules(path: "tuple[str, ...]", namespace: "dict[str, Any]") -> "tuple[str, ...]":
    """The public submodules in a package's folders that are not attributes of it."""
    suffixes = (".py", *_imp.extension_suffixes())
    found: "set[str]" = set()
    for folder in path:
        try:
            entries = _external._os.listdir(folder)
        except (OSError, TypeError, ValueError):
            continue
        for entry in entries:
            stem = next((entry[: -len(s)] for s in suffixes if entry.endswith(s)), None)
            if stem is None and _external._path_isfile(_external._path_join(folder, entry, "__init__.py")):
                stem = entry
            if stem and stem.isidentifier() and not stem.startswith("_") and stem not in namespace:
                found.add(stem)
    return tuple(sorted(found))


# --- where a module's bytecode came from, and whether the cache was written ------------------------------


def _stat(path: str) -> "Optional[tuple[int, int, int]]":
    try:
        st = _external._path_stat(path)
    except (OSError, ValueError):
        return None
    return st.st_mtime_ns, st.st_ino, st.st_size


def load_details(spec: "Any", loader: "Any") -> "dict[str, Any]":
    """The --explain facts of a load or reload, taken just before its code runs: where its code object
    will come from, decided as SourceLoader.get_code decides ('cached': a valid __pycache__ file; 'stale':
    one that no longer passes the check; 'compiled': no cache file; 'bytecode': a .pyc without source),
    the cache file (pyc) and how it is checked (pyc_check: 'timestamp', 'hash' or 'unchecked'), for a
    cached timestamp pyc whether the source was modified after the cache was written (source_newer),
    and that writing a new cache file is off (pyc_write 'disabled').  load_done adds what was written."""
    if isinstance(loader, _external.SourcelessFileLoader):
        return {"bytecode": "bytecode"}
    if not isinstance(loader, _external.SourceFileLoader):
        return {"bytecode": None}
    try:
        cached = spec.cached
    except Exception:
        cached = None
    if not isinstance(cached, str) or not cached:
        return {"bytecode": "compiled"}
    out: "dict[str, Any]" = {"pyc": cached}
    before = _stat(cached)
    decision, check = _decide(spec, loader, cached) if before is not None else ("compiled", None)
    out["bytecode"] = decision
    if check is not None:
        out["pyc_check"] = check
    if decision == "cached" and check == "timestamp":
        # Modified after the cache was written (and not merely dated in the future): the check passed all
        # the same, so the code that runs is older than the file.
        source = _stat(spec.origin)
        now = time.time_ns()
        out["source_newer"] = source is not None and before is not None and before[0] < source[0] <= now
    elif decision in ("compiled", "stale"):
        if sys.dont_write_bytecode:
            out["pyc_write"] = "disabled"
        else:
            out["_before"] = before  # load_done compares
    return out


def _decide(spec: "Any", loader: "Any", cached: str) -> "tuple[str, Optional[str]]":
    """('cached' or 'stale', how the cache file is checked) for an existing cache file."""
    try:
        data = loader.get_data(cached)
    except Exception:
        return "compiled", None
    check = "timestamp"
    try:
        flags = _external._classify_pyc(data, spec.name, {})
        if flags & 0b1:  # hash-based pyc
            mode = _imp.check_hash_based_pycs
            if mode == "never" or (mode != "always" and not flags & 0b10):
                return "cached", "unchecked"
            check = "hash"
            source_hash = _imp.source_hash(_external._RAW_MAGIC_NUMBER, loader.get_data(spec.origin))
            _external._validate_hash_pyc(data, source_hash, spec.name, {})
        else:
            stats = loader.path_stats(spec.origin)
            _external._validate_timestamp_pyc(data, int(stats["mtime"]), stats["size"], spec.name, {})
    except Exception:
        return "stale", check
    return "cached", check


def load_done(details: "Any") -> None:
    """After a load or reload ran: whether Python wrote its cache file ('written'), or tried and no file
    appeared ('read-only' when the folder cannot be written to, else 'failed')."""
    if type(details) is not dict or "_before" not in details:
        return
    before = details.pop("_before")
    pyc = details.get("pyc")
    if not isinstance(pyc, str):
        return
    after = _stat(pyc)
    if after is not None and after != before:
        details["pyc_write"] = "written"
    else:
        details["pyc_write"] = "failed" if _writable(pyc) else "read-only"


def _writable(path: str) -> bool:
    """Whether the folder path goes in (or the nearest one above it that exists) can be written to."""
    os_ = _external._os
    folder = _external._path_split(path)[0]
    try:
        while folder and not _external._path_isdir(folder):
            parent = _external._path_split(folder)[0]
            if parent == folder:
                break
            folder = parent
        return bool(os_.access(folder, os_.W_OK))
    except (OSError, ValueError, AttributeError):
        return True
