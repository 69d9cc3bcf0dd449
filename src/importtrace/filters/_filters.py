"""The filters every output format shares: which events of a trace to show.

``filter_trace`` returns a new Trace; an event whose parent is filtered out moves up to its nearest
kept ancestor, and every kept event keeps its own times (a hidden load's time stays in its parent's).
Nothing here imports or inspects the traced program: standard-library detection works from names.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from fnmatch import translate
from typing import Callable

from ..trace._trace import KINDS, Event, Trace

# sys.stdlib_module_names (3.10+) for Python 3.9: the 3.10 list plus the modules 3.10 removed.
_STDLIB_39 = frozenset(
    """
    __future__ _abc _aix_support _ast _asyncio _bisect _blake2 _bootlocale _bootsubprocess _bz2 _codecs
    _codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _collections _collections_abc
    _compat_pickle _compression _contextvars _crypt _csv _ctypes _curses _curses_panel _datetime _dbm
    _decimal _elementtree _frozen_importlib _frozen_importlib_external _functools _gdbm _hashlib _heapq
    _imp _io _json _locale _lsprof _lzma _markupbase _md5 _msi _multibytecodec _multiprocessing _opcode
    _operator _osx_support _overlapped _peg_parser _pickle _posixshmem _posixsubprocess _py_abc
    _pydecimal _pyio _queue _random _scproxy _sha1 _sha256 _sha3 _sha512 _signal _sitebuiltins _socket
    _sqlite3 _sre _ssl _stat _statistics _string _strptime _struct _symtable _thread _threading_local
    _tkinter _tracemalloc _uuid _warnings _weakref _weakrefset _winapi _zoneinfo abc aifc antigravity
    argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii binhex bisect builtins
    bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall
    concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses
    datetime dbm decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler
    fcntl filecmp fileinput fnmatch formatter fractions ftplib functools gc genericpath getopt getpass
    gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr imp importlib
    inspect io ipaddress itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap
    marshal math mimetypes mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath
    nturl2path numbers opcode operator optparse os ossaudiodev parser pathlib pdb pickle pickletools
    pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile
    pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter runpy
    sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket
    socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string stringprep
    struct subprocess sunau symbol symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile
    termios textwrap this threading time timeit tkinter token tokenize trace traceback tracemalloc tty
    turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref
    webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
    """.split()
)

#: Top-level names of the standard library of the interpreter doing the rendering.
STDLIB_NAMES: frozenset[str] = frozenset(getattr(sys, "stdlib_module_names", _STDLIB_39))

_BUILTIN_ORIGINS = ("built-in", "frozen")
_BUILTIN_TYPES = ("builtin", "frozen")
# Modules whose cache hits come from the import machinery or from running a script, not the program.
_MACHINERY = frozenset(
    {
        "runpy",
        "pkgutil",
        "importlib",
        "importlib._bootstrap",
        "importlib._bootstrap_external",
        "_frozen_importlib",
        "_frozen_importlib_external",
    }
)

FILTER_OPTIONS = ("include", "exclude", "kinds", "min_duration", "depth", "hide_stdlib", "hide_noise", "pid")


def filter_trace(
    trace: Trace,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    min_duration: int | None = None,
    depth: int | None = None,
    hide_stdlib: bool = False,
    hide_noise: bool = False,
    pid: int | None = None,
) -> Trace:
    """The events of trace that pass every filter given, as a new Trace (trace itself if none is given).

    include/exclude: module-name globs (a plain name also matches its submodules); kinds: event kinds;
    min_duration: ns, drops events with a known shorter duration; depth: nesting levels kept (1 = only
    events outside any load); hide_stdlib / hide_noise: see is_stdlib and is_noise; pid: only that
    process's events (Trace.for_process).  Raises ValueError on a bad value."""
    if pid is not None:
        if not _is_int(pid):
            raise ValueError("pid must be a process id (a whole number), not %r" % (pid,))
        pids = trace.pids()
        if pid not in pids:
            known = ", ".join(str(p) for p in pids) or "none recorded"
            raise ValueError("no process %d in this trace (processes: %s)" % (pid, known))
        trace = trace.for_process(pid)
    include = _patterns("include", include)
    exclude = _patterns("exclude", exclude)
    if kinds is not None:
        kinds = _strings("kinds", kinds)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError("unknown event kind %r in kinds (choose from %s)" % (unknown[0], ", ".join(KINDS)))
    if min_duration is not None and (not _is_int(min_duration) or min_duration < 0):
        raise ValueError("min_duration must be a whole number of nanoseconds >= 0, not %r" % (min_duration,))
    if depth is not None and (not _is_int(depth) or depth < 1):
        raise ValueError("depth must be a whole number >= 1, not %r" % (depth,))
    for name, flag in (("hide_stdlib", hide_stdlib), ("hide_noise", hide_noise)):
        if not isinstance(flag, bool):
            raise ValueError("%s must be True or False, not %r" % (name, flag))

    tests: list[Callable[[Event], bool]] = []
    if kinds is not None:
        wanted = frozenset(kinds)
        tests.append(lambda e: e.kind in wanted)
    if include:
        inc = _matcher(include)
        tests.append(lambda e: inc(e.name))
    if exclude:
        exc = _matcher(exclude)
        tests.append(lambda e: not exc(e.name))
    if min_duration:
        least = min_duration
        tests.append(lambda e: e.duration is None or e.duration >= least)
    if depth is not None:
        levels = nesting(trace)
        limit = depth
        tests.append(lambda e: levels[e.id] < limit)
    if hide_stdlib:
        stdlib = stdlib_test(trace)
        tests.append(lambda e: not stdlib(e.name))
    if hide_noise:
        tests.append(lambda e: not is_noise(e))
    if not tests:
        return trace

    kept: dict[int, Event] = {}
    for e in trace.events:
        if all(test(e) for test in tests):
            kept[e.id] = e
    events = []
    for e in kept.values():
        parent = e.parent
        if parent is not None and parent not in kept:
            e = e.copy()
            e.parent = _kept_ancestor(trace, parent, kept)
        events.append(e)
    return Trace(events, trace.header)


def _kept_ancestor(trace: Trace, parent: int | None, kept: dict[int, Event]) -> int | None:
    seen: set[int] = set()
    while parent is not None and parent not in kept and parent not in seen:
        seen.add(parent)
        event = trace.event(parent)
        parent = event.parent if event is not None else None
    return parent if parent in kept else None


def nesting(trace: Trace) -> dict[int, int]:
    """Event id -> how many of its ancestors are in trace (0 for an event inside nothing)."""
    levels: dict[int, int] = {}
    by_id = {e.id: e for e in trace.events}
    for e in trace.events:
        if e.id in levels:
            continue
        chain = [e]
        seen = {e.id}
        parent = by_id.get(e.parent) if e.parent is not None else None
        while parent is not None and parent.id not in levels and parent.id not in seen:
            chain.append(parent)
            seen.add(parent.id)
            parent = by_id.get(parent.parent) if parent.parent is not None else None
        level = -1 if parent is None else levels.get(parent.id, -1)  # not there: parents in a loop
        for link in reversed(chain):
            level += 1
            levels[link.id] = level
    return levels


# --- what the filters test -----------------------------------------------------------------------


def stdlib_test(trace: Trace) -> Callable[[str], bool]:
    """A test of module names: is it the standard library, in this trace?  (``ModuleKinds.stdlib``)"""
    return ModuleKinds(trace).stdlib


STDLIB, THIRD_PARTY, OWN = "stdlib", "third-party", "own"


class ModuleKinds:
    """Where each module of a trace belongs: the standard library, an installed (third-party) package,
    or the program's own code.  The one definition of these words, for filters, reports and rules.

    A module counts as standard library when its top-level name is in the standard library's list
    (sys.stdlib_module_names) or it was loaded as a builtin or frozen module, unless the trace shows
    it was found in site-packages, or in the directory the program ran in outside a standard library
    layout (a local file shadowing a standard module, which people want to see).  Any other module is
    third-party when its file (or, without one, a file of its top-level package) is in site-packages
    or dist-packages, or when the trace knows no file for it at all; the rest is the program's own:
    ``__main__``, the package run with ``-m`` (even if installed), and files from anywhere else."""

    def __init__(self, trace: Trace) -> None:
        origins: dict[str, str] = {}
        builtin: set[str] = set()
        for e in trace.events:
            if e.kind == "load" and e.module_type in _BUILTIN_TYPES:
                builtin.add(e.name)
            elif e.kind in ("search", "load") and e.origin:
                if e.origin in _BUILTIN_ORIGINS:
                    builtin.add(e.name)
                else:
                    origins.setdefault(e.name, e.origin)
        self._origins = origins
        self._builtin = builtin
        cwd = trace.header.get("cwd")
        self._here = os.path.join(cwd, "") if isinstance(cwd, str) and cwd else None
        program = trace.header.get("program")
        target = program.get("target") if isinstance(program, dict) and program.get("mode") == "module" else None
        self._program = {"__main__"} | ({target.partition(".")[0]} if isinstance(target, str) else set())
        self._installed: dict[str, bool] | None = None
        self._stdlib: dict[str, bool] = {}
        self._kinds: dict[str, str] = {}

    def stdlib(self, name: str) -> bool:
        """Whether name is a standard-library module, in this trace."""
        answer = self._stdlib.get(name)
        if answer is None:
            if name in self._builtin:
                answer = True
            elif name.partition(".")[0] not in STDLIB_NAMES:
                origin = self._origins.get(name)  # a module generated at build time: _sysconfigdata_*
                answer = origin is not None and _STDLIB_FILE.search(origin) is not None
            else:
                origin = self._origins.get(name)
                answer = origin is None or not _outside_stdlib(origin, self._here)
            self._stdlib[name] = answer
        return answer

    def kind(self, name: str) -> str:
        """STDLIB, THIRD_PARTY or OWN."""
        answer = self._kinds.get(name)
        if answer is None:
            top = name.partition(".")[0]
            if self.stdlib(name):
                answer = STDLIB
            elif top in self._program:
                answer = OWN
            else:
                origin = self._origins.get(name) or self._origins.get(top)
                if origin is not None:
                    answer = THIRD_PARTY if _installed(origin) else OWN
                else:
                    answer = THIRD_PARTY if self._installed_packages().get(top, True) else OWN
            self._kinds[name] = answer
        return answer

    def own(self, name: str) -> bool:
        """Whether name is the program's own code (neither standard library nor an installed package)."""
        return self.kind(name) == OWN

    def _installed_packages(self) -> dict[str, bool]:
        """Top-level name -> whether the files the trace shows for its modules are installed ones."""
        if self._installed is None:
            found: dict[str, bool] = {}
            for name, origin in self._origins.items():
                top = name.partition(".")[0]
                found[top] = found.get(top, False) or _installed(origin)
            self._installed = found
        return self._installed


def _installed(origin: str) -> bool:
    """Whether a file is in an installation's package directory (site-packages, dist-packages)."""
    parts = _SEPARATORS.split(origin)
    return "site-packages" in parts or "dist-packages" in parts


def _outside_stdlib(origin: str, here: str | None) -> bool:
    """Whether a file is plainly not the standard library's: in site-packages, or under the working
    directory but not in a standard library layout (a CPython checkout's Lib/, lib/python3.X/)."""
    if _installed(origin):
        return True
    if here is None or not origin.startswith(here):
        return False
    return not any(_STDLIB_DIR.match(p) for p in _SEPARATORS.split(origin[len(here) :]))


_SEPARATORS = re.compile(r"[\\/]")
_STDLIB_DIR = re.compile(r"^(Lib|lib-dynload|python3\.\d+t?)$")
# a file directly in an installation's lib/python3.X/ or its lib-dynload/
_STDLIB_FILE = re.compile(r"[\\/]lib[\\/]python3\.\d+t?[\\/](lib-dynload[\\/])?[^\\/]+$")


def is_noise(event: Event) -> bool:
    """Events that are about the tracing rather than the program: importtrace's own imports, finder
    probes that are not imports (runpy, pkgutil, importlib.util.find_spec), and cache hits made by the
    import machinery or by runpy while starting the program."""
    if _own(event.name) or (event.importer is not None and _own(event.importer)):
        return True
    if event.kind == "search" and event.reason == "probe":
        return True
    return event.kind == "hit" and event.importer in _MACHINERY


def _own(name: str) -> bool:
    return name == "importtrace" or name.startswith("importtrace.")


# --- option checking -----------------------------------------------------------------------------


def _patterns(option: str, value: object) -> list[str]:
    if value is None:
        return []
    patterns = _strings(option, value)
    for p in patterns:
        if not p:
            raise ValueError("%s: empty module pattern" % option)
    return patterns


def _strings(option: str, value: object) -> list[str]:
    """A list of strings from a list, tuple or set of strings, or from one string."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise ValueError("%s must be a list of strings, not %r" % (option, value))


def _matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """One compiled test for several patterns, with _trace._matches' meaning; answers are cached."""
    exact: set[str] = set()
    prefixes: list[str] = []
    globs: list[str] = []
    for p in patterns:
        if any(c in p for c in "*?["):
            globs.append(translate(p))
        else:
            exact.add(p)
            prefixes.append(p + ".")
    glob = re.compile("|".join("(?:%s)" % g for g in globs)) if globs else None
    starts = tuple(prefixes)
    cache: dict[str, bool] = {}

    def match(name: str) -> bool:
        answer = cache.get(name)
        if answer is None:
            answer = (
                name in exact
                or (bool(starts) and name.startswith(starts))
                or (glob is not None and glob.match(name) is not None)
            )
            cache[name] = answer
        return answer

    return match


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
