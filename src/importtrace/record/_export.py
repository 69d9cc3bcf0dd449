"""From raw records to their portable form, once: code objects become file and line.

PYTEST_DONT_REWRITE

The library does this on a Trace's first query; the command line's child does it before handing its
records over (code objects cannot cross processes), so the parent gets them ready to use.  Also here:
the trace's header and its notes, and the modules that appeared in sys.modules without a load the hooks saw.
"""

import _imp
import sys

from . import _policy
from ._layout import CODE, H_VIA, ID, IMPORTER, LASTI, NAME, S_FOUND, S_ORIGIN, S_PATH

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from typing import Any, Optional

    Record = tuple[Any, ...]

    from ._backend import RawRecords

_external = sys.modules["_frozen_importlib_external"]


def portable(records: "RawRecords", resolve: "Any" = None) -> "list[Record]":
    """records with each (code, lasti) replaced by (file, line), the importer as a str, and a hit's via
    "__import__" where the call was not an import statement.  ``resolve`` is the compiled version."""
    if resolve is not None:
        return resolve(records)  # type: ignore[no-any-return]
    lines = Lines()
    return [portable_one(rec, lines) for rec in records]


def portable_one(rec: "Record", lines: "Lines") -> "Record":
    """One raw record made portable (see portable), reading lines through ``lines``: the streamed
    form of each record as it ends."""
    code = rec[CODE]
    if code is None or type(code) is str:
        return rec
    lasti = rec[LASTI]
    importer = rec[IMPORTER]
    if importer is not None and type(importer) is not str:
        importer = _text(importer)
    place = (code.co_filename, lines.line(code, lasti), importer)
    if rec[0] == "hit" and rec[H_VIA] == "import" and not _policy.is_import_name(code, lasti):
        return (*rec[:CODE], *place, *rec[IMPORTER + 1 : H_VIA], "__import__", *rec[H_VIA + 1 :])
    return (*rec[:CODE], *place, *rec[IMPORTER + 1 :])


def _text(value: "Any") -> str:
    try:
        return str(value)
    except Exception:
        return "<unprintable %s>" % type(value).__name__


class Lines:
    """Source lines of instructions, from a table built once per code object: CPython's own lookup
    (frame.f_lineno) scans the code's line table from its start, which made a module importing 2,000
    others quadratic."""

    def __init__(self) -> None:
        self.tables: "dict[int, tuple[CodeType, list[int], list[Optional[int]]]]" = {}

    def line(self, code: "CodeType", lasti: int) -> int:
        table = self.tables.get(id(code))
        if table is None or table[0] is not code:
            table = self.tables[id(code)] = (code, *_line_table(code))
        starts, lines = table[1], table[2]
        lo, hi = 0, len(starts)
        while lo < hi:  # the last range starting at or before lasti
            mid = (lo + hi) // 2
            if starts[mid] <= lasti:
                lo = mid + 1
            else:
                hi = mid
        line = lines[lo - 1] if lo else None
        return code.co_firstlineno if line is None else line


def _line_table(code: "CodeType") -> "tuple[list[int], list[Optional[int]]]":
    starts: "list[int]" = []
    lines: "list[Optional[int]]" = []
    if hasattr(code, "co_lines"):  # 3.10+
        for start, _end, line in code.co_lines():
            starts.append(start)
            lines.append(line)
        return starts, lines
    table = code.co_lnotab  # 3.9: (address increment, signed line increment) pairs
    addr, line = 0, code.co_firstlineno
    starts.append(0)
    lines.append(line)
    for i in range(0, len(table), 2):
        addr += table[i]
        delta = table[i + 1]
        line += delta - 256 if delta >= 128 else delta
        starts.append(addr)
        lines.append(line)
    return starts, lines


# --- what appeared without a load -------------------------------------------------------------------


def unobserved(name: str, new_id: int, t: int, thread: int) -> "Optional[Record]":
    """The record of a sys.modules entry that no load the hooks saw put there: a module another finder
    (ahead of importtrace's) loaded or code assigned, another name for a module (an alias such as
    ``os.path``), or an object that is not a module.  None for a LazyLoader module not used yet."""
    obj = sys.modules.get(name)
    if obj is None:
        return None
    alias: "Optional[str]" = None
    if isinstance(obj, type(sys)):
        namespace = object.__getattribute__(obj, "__dict__")  # a lazy module's attributes would load it
        spec = namespace.get("__spec__")
        loader = getattr(spec, "loader", None) or namespace.get("__loader__")
        if "LazyExec" in type(loader).__name__:
            return None  # the search is recorded; its code has not run, so there is no load
        real = getattr(spec, "name", None) or namespace.get("__name__")
        if isinstance(real, str) and real != name and sys.modules.get(real) is obj:
            alias = real
    else:
        spec = loader = None
        alias = "<%s>" % type(obj).__qualname__
    origin = getattr(spec, "origin", None)
    return (
        "load",
        new_id,
        None,
        thread,
        t,
        None,
        name,
        None,
        -1,
        None,
        None,
        origin if origin is None or type(origin) is str else str(origin),
        _policy.type_name(loader) if loader is not None else None,
        _policy.module_type(loader),
        False,
        False,
        False,
        False,
        None,
        None,
        alias,
    )


def stdlib_dir() -> "Optional[str]":
    """The standard library's directory (without importing os or sysconfig)."""
    known = getattr(sys, "_stdlib_dir", None)  # 3.11+
    if known:
        return str(known)
    codecs_file = getattr(sys.modules.get("codecs"), "__file__", None)
    return str(_external._path_split(codecs_file)[0]) if codecs_file else None


def pythonpath() -> "Optional[list[str]]":
    """The PYTHONPATH entries Python put on sys.path, as it put them (absolute), or None when it has none or
    the interpreter ignores the environment (-E, -I)."""
    if sys.flags.ignore_environment:
        return None
    environ = getattr(_external._os, "environ", {})
    raw = environ.get(b"PYTHONPATH") if b"PYTHONPATH" in environ else environ.get("PYTHONPATH")
    if not raw:
        return None
    if type(raw) is bytes:
        raw = raw.decode(sys.getfilesystemencoding(), "surrogateescape")
    here = cwd() or ""
    sep = ";" if sys.platform == "win32" else ":"
    return [p if _external._path_isabs(p) else _external._path_join(here, p) for p in raw.split(sep) if p]


def cwd() -> "Optional[str]":
    try:
        return str(_external._os.getcwd())  # posix: `os` itself is not loaded under python -S
    except OSError:
        return None


def note(at: int, code: str, data: "tuple[str, ...]") -> "dict[str, Any]":
    """A raw note as the trace keeps it: its code and named fields, no words (the renderers word it).
    Every code and field is described in docs/trace-format.md."""
    fields: "dict[str, Any]" = {"at": at, "code": code}
    if code in ("internal", "stream"):  # (where or what, then the exception's type and message if any)
        fields["where" if code == "internal" else "what"] = data[0]
        fields["error"] = {"type": data[1], "message": data[2]} if len(data) == 3 else None
    elif code == "shadowed":
        fields["finder"] = data[0]
    elif code == "repatched":
        fields["function"] = data[0]
    elif data:
        fields["data"] = list(data)
    return fields


def shadows(records: "RawRecords", path: "list[str]") -> "dict[int, list[str]]":
    """For --explain: each top-level module found on sys.path -> the other places further down sys.path
    that have a module of the same name (a local ``requests.py`` hides the installed one).  Runs after
    the program: a directory listing per sys.path entry, no import."""
    found: "dict[int, list[str]]" = {}
    listings: "dict[str, frozenset[str]]" = {}
    suffixes = (*_imp.extension_suffixes(), ".py", ".pyc")
    here = cwd() or ""
    for rec in records:
        name = rec[NAME]
        origin = rec[S_ORIGIN] if rec[0] == "search" else None
        if not origin or not rec[S_FOUND] or rec[S_PATH] is not None or "." in name:
            continue
        first = next(
            (i for i, entry in enumerate(path) if origin.startswith(_external._path_join(entry or here, ""))), None
        )
        if first is None:
            continue
        others = []
        for entry in path[first + 1 :]:
            folder = entry or here
            if folder not in listings:
                try:
                    listings[folder] = frozenset(_external._os.listdir(folder))
                except (OSError, TypeError, ValueError):
                    listings[folder] = frozenset()
            module = _module_in(folder, listings[folder], name, suffixes)
            if module is not None and module != origin:
                others.append(module)
        if others:
            found[rec[ID]] = others
    return found


def _module_in(folder: str, listing: "frozenset[str]", name: str, suffixes: "tuple[str, ...]") -> "Optional[str]":
    """The file or package that an import of top-level ``name`` would find in folder, if any."""
    if name in listing:
        init: str = _external._path_join(folder, name, "__init__.py")
        if _external._path_isfile(init):
            return init
    for suffix in suffixes:
        if name + suffix in listing:
            return str(_external._path_join(folder, name + suffix))
    return None
