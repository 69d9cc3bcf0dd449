"""The pure-Python hooks: the record log and the hit hooks (``__import__``, ``import_module``).

PYTEST_DONT_REWRITE

The reference implementation and the fallback of ``_crecord``, with the same interface and the same
raw records (``_layout``): a differential test runs every recorder scenario both ways.  Module-level
functions and globals, not methods, because global look-ups are the cheapest thing Python has.
Everything here runs inside the traced program's imports, so it never imports anything.
"""

import _thread
import marshal
import sys
import time

from . import _export, _policy
from ._layout import H_COUNT, H_DETAILS, H_ERROR, H_MISSING, ID, L_DETAILS, NAME, SIZES, T1, THREAD

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import CodeType, FrameType, ModuleType
    from typing import Any, Callable, Optional

    Namespace = Optional[Mapping[str, object]]

    Record = list[Any]

# pytest hides frames of modules that set this: the __import__ wrapper sits in import tracebacks.
__tracebackhide__ = True

_os = sys.modules["_frozen_importlib_external"]._os  # posix or nt: `os` is not loaded under python -S
_getframe = sys._getframe
_get_ident = _thread.get_ident
_modules_get = sys.modules.get
_is_machinery = _policy.is_machinery
_RECOMPILED = 8  # after this many code objects for one source place, count hits on the first record
MANY_SITES = 200_000  # past this many call sites, watch every place for recompiled code (bounded memory)

# --- state: one recorder per interpreter, shared by the traces that nest ------------------------------

clock: "Callable[[], int]" = time.perf_counter_ns
active = False
details = False  # also record what costs extra I/O (--explain)
log: "list[Record]" = []  # every record, in the order it began
_ids = iter(range(1, 1 << 62))  # next() on a range iterator is atomic under the GIL
sites: "dict[tuple[int, int, str], Record]" = {}  # (id(code), lasti, name asked) -> its hit (which holds code)
_places: "dict[tuple[Any, ...], list[Any]]" = {}  # source place -> [first hit, versions seen]
_partials: "dict[tuple[int, int, str, bool], Record]" = {}  # hits on modules still initialising
loading: "dict[str, int]" = {}  # module name -> thread ident, while its code runs under a loader proxy
stacks: "dict[int, list[tuple[Record, Any]]]" = {}  # thread ident -> open loads: (record, name if its loader runs)
threads: "dict[int, int]" = {}  # thread ident -> small number
thread_names: "dict[int, Optional[str]]" = {}  # small number -> name
notes: "list[tuple[int, str, tuple[str, ...]]]" = []  # (clock, code, data): what the trace must admit to
sink: "Optional[Callable[[tuple[Any, ...], bool], None]]" = None  # the stream writer
stream_fd = -1  # a child process's record (importtrace.run._child._ProcessFile): each record written as it ends
_lines = _export.Lines()
_count_lock = _thread.allocate_lock()  # repeated hits from several threads: no count is lost


# --- records -------------------------------------------------------------------------------------------


def thread_number(tid: int) -> int:
    n = threads.get(tid)
    if n is None:
        n = threads[tid] = len(threads) + 1
        thread_names[n] = _policy.thread_name(tid)
    return n


def top(tid: int) -> "Optional[tuple[Record, Any]]":
    """The innermost load or reload open on thread tid, and its name while its loader runs (else None)."""
    st = stacks.get(tid)
    return st[-1] if st else None


def new(kind: str, name: str, code: "Any", lasti: int, importer: "Any", t0: "Optional[int]" = None) -> "Record":
    """Open a record: the common fields, the kind's fields None (filled in by the caller)."""
    tid = _get_ident()
    open_ = top(tid)
    rec: "Record" = [
        kind,
        next(_ids),
        open_[0][ID] if open_ is not None else None,
        threads.get(tid) or thread_number(tid),
        clock() if t0 is None else t0,
        None,
        name,
        code,
        lasti,
        importer,
    ]
    rec.extend([None] * (SIZES[kind] - 10))
    log.append(rec)
    return rec


def began(rec: "Record") -> None:
    """A load or reload that began goes to the sink now; other records when they end."""
    if (sink is not None or stream_fd >= 0) and rec[0] in ("load", "reload"):
        if stream_fd >= 0:
            stream(rec)
        if sink is not None:
            emit(rec, True)


def end(rec: "Record") -> None:
    rec[T1] = clock()
    if stream_fd >= 0:
        stream(rec)
    if sink is not None:
        emit(rec, False)


def stream(rec: "Record") -> None:
    """Append rec, portable and marshalled, to the process record (one write: at most the events in
    flight are lost if the process is killed); on failure stop, with a note."""
    global stream_fd
    try:
        record = tuple(rec)
        if record[0] == "hit" and type(record[H_COUNT]) is not int:
            record = (*record[:H_COUNT], count(record[H_COUNT]), *record[H_COUNT + 1 :])
        data = marshal.dumps(_export.portable_one(record, _lines))
        while data:
            data = data[_os.write(stream_fd, data) :]
    except (OSError, ValueError):
        stream_fd = -1
        note("stream", "record")


def emit(rec: "Record", begin: bool) -> None:
    writer = sink
    if writer is not None:
        try:
            writer(tuple(rec), begin)
        except Exception as exc:  # a broken stream must never break the program's import
            note("stream", "stream", *_policy.describe(exc))


def note(code: str, *data: str) -> None:
    """Note what the trace must admit to: a code and its data (the renderers word it)."""
    notes.append((clock(), code, data))


def push(rec: "Record", marker: "Any") -> None:
    tid = _get_ident()
    st = stacks.get(tid)
    if st is None:
        st = stacks[tid] = []
    st.append((rec, marker))


def pop(rec: "Record") -> None:
    """Pop rec and anything left above it (a record whose loader never reached exec_module)."""
    st = stacks.get(_get_ident())
    if st and any(entry[0] is rec for entry in st):
        while st.pop()[0] is not rec:
            pass


# --- hits: builtins.__import__ and importlib.import_module ----------------------------------------------

_orig_import: "Callable[..., ModuleType]" = __import__
_orig_import_module: "Callable[..., ModuleType]" = __import__


_LIMIT = 1 << 62
_MISSING = object()


def _bump(hit: "Record") -> None:
    """One more hit at hit's call site.  A second hit turns the count into a range iterator, whose
    next() is atomic under the GIL, so that hits from several threads at once are all counted."""
    counter = hit[H_COUNT]
    if type(counter) is int:
        with _count_lock:
            counter = hit[H_COUNT]
            if type(counter) is int:
                counter = hit[H_COUNT] = iter(range(counter + 1, _LIMIT))
    next(counter)


def count(value: "Any") -> int:
    """The number of hits a record's count field stands for."""
    return value if type(value) is int else _LIMIT - value.__length_hint__() - 1


# import_hook and import_module_hook repeat their fast path rather than share it: a shared function
# would add a call to every repeated hit (measured: +30 to +140 ns on ~1 us, 3.11).
def import_hook(
    name: str,
    globals: "Namespace" = None,
    locals: "Namespace" = None,
    fromlist: "Optional[Sequence[str]]" = (),
    level: int = 0,
) -> "ModuleType":
    """builtins.__import__ while tracing: a repeated cache hit costs a few dict operations."""
    try:
        f = _getframe(1)
    except ValueError:  # called from C with no Python frame on the stack
        return _orig_import(name, globals, locals, fromlist, level)
    hit = sites.get((id(f.f_code), f.f_lasti, name))
    if hit is not None:
        absname = hit[NAME]
        if absname not in loading and _modules_get(absname) is not None:
            _bump(hit)
            return _orig_import(name, globals, locals, fromlist, level)
    if globals is None and level:
        # Omitted globals and globals=None fail differently in C (KeyError vs TypeError): omit them.
        return _orig_import(name, locals=locals, fromlist=fromlist, level=level)
    hit = _prepare_import(name, globals, fromlist, level, f)
    if hit is None:
        if details and _star(fromlist):
            return _star_miss(name, globals, locals, fromlist, level)
        return _orig_import(name, globals, locals, fromlist, level)
    try:
        module = _orig_import(name, globals, locals, fromlist, level)
    except BaseException as exc:
        end_hit(hit, exc)
        raise
    end_hit(hit, None, module)
    return module


def _star(fromlist: "Any") -> bool:
    """Whether a from-list (a tuple or list of str, nothing else is looked into) asks for *."""
    return type(fromlist) in (tuple, list) and all(type(x) is str for x in fromlist) and "*" in fromlist


def _star_miss(
    name: str, globals: "Namespace", locals: "Namespace", fromlist: "Optional[Sequence[str]]", level: int
) -> "ModuleType":
    """`from m import *` for a module not loaded yet, with --explain: what it binds goes on m's load."""
    absname = None
    if type(name) is str and type(level) is int:
        absname = name if level == 0 else _policy.resolve(name, globals, level)
    records, start = log, len(log)
    module = _orig_import(name, globals, locals, fromlist, level)
    if absname and records is log:
        number = threads.get(_get_ident())
        for rec in log[start:]:
            if rec[0] == "load" and rec[NAME] == absname and rec[THREAD] == number:
                rec[L_DETAILS] = _policy.star_details(module, rec[L_DETAILS])
                break
    return module


def _prepare_import(name: "Any", globals: "Any", fromlist: "Any", level: "Any", f: "FrameType") -> "Optional[Record]":
    """The slow path of an import statement or __import__ call: open a hit record if it is a first hit
    at this call site (None for a miss, which the finder records, or for a hit counted elsewhere)."""
    if not active or type(name) is not str or type(level) is not int:
        return None
    try:
        resolved = name if level == 0 else _policy.resolve(name, globals, level)
        return start_hit(name, resolved, f, fromlist, level, "import") if resolved else None
    except Exception as exc:
        note("internal", "__import__ hook", *_policy.describe(exc))
        return None


def import_module_hook(name: str, package: "Optional[str]" = None) -> "ModuleType":
    """importlib.import_module while tracing: its hits never reach builtins.__import__."""
    try:
        f = _getframe(1)
    except ValueError:
        return _orig_import_module(name, package)
    hit = sites.get((id(f.f_code), f.f_lasti, name))
    if hit is not None:
        absname = hit[NAME]
        if absname not in loading and _modules_get(absname) is not None:
            _bump(hit)
            return _orig_import_module(name, package)
    hit = _prepare_import_module(name, package, f)
    if hit is None:
        return _orig_import_module(name, package)
    try:
        module = _orig_import_module(name, package)
    except BaseException as exc:
        end_hit(hit, exc)
        raise
    end_hit(hit, None)
    return module


def _prepare_import_module(name: "Any", package: "Any", f: "FrameType") -> "Optional[Record]":
    """The slow path of importlib.import_module (see _prepare_import)."""
    if not active or type(name) is not str:
        return None
    try:
        resolved: "Optional[str]" = name
        level = 0
        if name.startswith("."):
            level = len(name) - len(name.lstrip("."))
            resolved = _policy.resolve(name[level:], {"__package__": package}, level)
        return start_hit(name, resolved, f, (), level, "import_module") if resolved else None
    except Exception as exc:
        note("internal", "import_module hook", *_policy.describe(exc))
        return None


def start_hit(key: str, absname: str, f: "FrameType", fromlist: "Any", level: int, via: str) -> "Optional[Record]":
    """Open a hit record if absname is in sys.modules; None for a miss (the finder records those)
    or for a hit counted on a record that already exists."""
    module = _modules_get(absname, _MISSING)
    if module is _MISSING:
        return None
    code: "Optional[CodeType]" = f.f_code
    lasti = f.f_lasti
    site = (id(code), lasti, key)
    filename = code.co_filename  # type: ignore[union-attr]
    tid = _get_ident()
    importer: "Any" = None
    if _is_machinery(filename):
        open_ = top(tid)
        asked = None if _policy.is_import_name(code, lasti) else _policy.asker(f, open_[1] if open_ else None)  # type: ignore[arg-type]
        if asked is None:
            # The import system's own requests are not the program's.  A record that is never exported
            # (it holds the code object, so id(code) stays its) keeps the hot path counting it.
            sites[site] = [
                *("hit", 0, None, 0, 0, 0, absname, code, lasti, None),
                *((), 0, via, False, False, None, 1, None, None),
            ]
            return None
        code, lasti, importer = asked
        if code is not None:
            filename = code.co_filename
    else:
        importer = f.f_globals.get("__name__")
    owner_ = loading.get(absname)
    if owner_ is None and module is not None:  # None: sys.modules refuses the name (see end_hit)
        owner_ = _policy.owner(absname, module, tid)
    if owner_ is not None:
        # A package's own __init__ importing its submodules hits the package while it initialises:
        # that is how packages work, not a circular import.
        waited = owner_ != tid
        partial = not waited and importer != absname
    else:
        waited = partial = False
    place = None
    if partial or waited:
        known = _partials.get((id(code), lasti, key, partial))
        if known is not None:
            _bump(known)
            return None
    else:
        known = sites.get(site)
        if known is not None:  # this site, while its module was still loading (a self-import)
            _bump(known)
            return None
        if filename[:1] == "<" or len(sites) > MANY_SITES:
            # Source compiled from a string (exec in a loop) makes a new code object, so a new site,
            # each time: past a few versions of one place, count them on its first record.
            place = (filename, getattr(code, "co_firstlineno", 0), getattr(code, "co_name", ""), lasti, absname, via)
            seen = _places.get(place)
            if seen is not None:
                if seen[1] >= _RECOMPILED:
                    _bump(seen[0])
                    return None
                seen[1] += 1
                place = None
    hit = new("hit", absname, code, lasti, importer)
    names: "tuple[str, ...]" = ()
    if fromlist and type(fromlist) in (tuple, list) and all(type(x) is str for x in fromlist):
        names = tuple(fromlist)  # never iterate or str() other objects: that could change them
    hit[10:18] = [names, level, via, partial, waited, None, 1, None]
    if details:
        hit[H_DETAILS] = _policy.hit_details(code, lasti)
    if partial or waited:
        _partials[(id(code), lasti, key, partial)] = hit
    else:
        sites[site] = hit
        if place is not None:
            _places[place] = [hit, 1]
    began(hit)
    return hit


def end_hit(hit: "Record", exc: "Optional[BaseException]", module: "Any" = None) -> None:
    """Close a hit record after the original import function returned module (or raised exc)."""
    if details and exc is None and "*" in hit[10]:
        hit[H_DETAILS] = _policy.star_details(module, hit[H_DETAILS])
    if exc is not None:
        if _modules_get(hit[NAME], _MISSING) is None:  # None in sys.modules: the import was refused
            hit[H_ERROR] = _policy.describe(exc)
    elif hit[13] and hit[10]:  # partial, with a from-list: which names were still missing
        module = _modules_get(hit[NAME])
        try:
            names = vars(module) if module is not None else {}
            hit[H_MISSING] = tuple(n for n in hit[10] if n != "*" and n not in names)
        except TypeError:
            pass
    end(hit)


# --- functions that start or end processes (the command line following child processes) -------------


def redirect(orig: "Callable[..., Any]", before: "Callable[[tuple[Any, ...], Any], Any]") -> "Callable[..., Any]":
    """orig, asking before(args, kwargs or None) first for new positional arguments (None: unchanged).
    A failure of before() never changes the call."""

    def redirected(*args: "Any", **kwargs: "Any") -> "Any":
        try:
            new = before(args, kwargs or None)
        except Exception:
            new = None
        if type(new) is tuple:
            return orig(*new, **kwargs)
        return orig(*args, **kwargs)

    return redirected


def _unchanged(args: "tuple[Any, ...]", kwargs: "Any") -> None:
    return None


REDIRECTED_CODE = redirect(id, _unchanged).__code__
