"""Whose module is it: the standard library's, an installed package's, the program's own, or
importtrace's.  The one definition of these words, for filters, reports, rules and fresh_import.

PYTEST_DONT_REWRITE

A module's kind is read from what the trace recorded (its file, and the header's standard-library
directory and Python version), never from the running interpreter.  Only what the interpreter has at
start-up is imported here: fresh_import asks the same question while a trace records.
"""

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ..trace._anyevent import AnyEvent
    from ..trace._trace import Trace

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
STDLIB_NAMES: "frozenset[str]" = frozenset(getattr(sys, "stdlib_module_names", _STDLIB_39))

STDLIB, THIRD_PARTY, OWN = "stdlib", "third-party", "own"
_BUILTIN_ORIGINS = ("built-in", "frozen")
_BUILTIN_TYPES = ("builtin", "frozen")


def stdlib_names(python: object) -> "frozenset[str]":
    """Top-level standard-library names for the Python that recorded a trace (its header's "python"):
    this interpreter's list, plus the modules later versions removed when the trace comes from an older one."""
    names = STDLIB_NAMES
    if isinstance(python, str):
        try:
            version = tuple(int(x) for x in python.split(".")[:2])
        except ValueError:
            return names
        if version < sys.version_info[:2]:
            names = names | _STDLIB_39
    return names


def in_stdlib(
    name: str,
    origin: "Optional[str]",
    stdlib_dir: "Optional[str]" = None,
    names: "frozenset[str]" = STDLIB_NAMES,
    here: "Optional[str]" = None,
) -> bool:
    """Whether a module is the standard library's, from its name and its file (``origin``, or
    "built-in"/"frozen"), and the standard library's directory when it was recorded.

    A file in site-packages never is; a file in ``stdlib_dir`` (or, for a standard name, in a directory of
    compiled modules, lib-dynload or DLLs) is; any other file is not: a local ``random.py`` shadowing the
    standard module is the program's.  No file known: the name decides.  Without ``stdlib_dir`` (a trace
    from an older version), a standard name is the standard library's unless its file is under the
    working directory ``here`` outside a standard library layout, and another name only when its file
    sits directly in an installation's ``lib/python3.X/``."""
    if origin in _BUILTIN_ORIGINS:
        return True
    top = name.partition(".")[0]
    if origin is None:
        return top in names
    parts = _parts(origin)
    if "site-packages" in parts or "dist-packages" in parts:
        return False
    if stdlib_dir:
        if _inside(origin, stdlib_dir):
            return True
        return top in names and len(parts) > 1 and parts[-2] in ("lib-dynload", "DLLs")
    if top not in names:  # a module generated at build time: _sysconfigdata_*
        if len(parts) > 4 and parts[-2] == "lib-dynload":
            return _version_dir(parts[-3]) and parts[-4] == "lib"
        return len(parts) > 3 and _version_dir(parts[-2]) and parts[-3] == "lib"
    if here is None or not _inside(origin, here):
        return True
    inner = _parts(origin)[len(_parts(here.rstrip("/\\"))) :]
    return any(p in ("Lib", "lib-dynload") or _version_dir(p) for p in inner[:-1])


def _parts(path: str) -> "list[str]":
    return path.replace("\\", "/").split("/")


def _inside(path: str, folder: str) -> bool:
    """Whether path is in folder (or below it), whichever separators either uses."""
    path = path.replace("\\", "/")
    folder = folder.replace("\\", "/").rstrip("/") + "/"
    return path.startswith(folder)


def _version_dir(part: str) -> bool:
    """python3.X (or python3.Xt): the standard library's folder in an installation's lib/."""
    rest = part[len("python3.") :] if part.startswith("python3.") else ""
    rest = rest[:-1] if rest.endswith("t") else rest
    return rest.isdigit()


def _installed(origin: str) -> bool:
    """Whether a file is in an installation's package directory (site-packages, dist-packages)."""
    parts = _parts(origin)
    return "site-packages" in parts or "dist-packages" in parts


def is_importtrace(name: str) -> bool:
    """importtrace's own modules, which reports and rules never count (they may load lazily mid-trace)."""
    return name == "importtrace" or name.startswith("importtrace.")


def is_program(event: "AnyEvent") -> bool:
    """The program itself: a command-line trace's root load of ``__main__``, which no statement imported
    (its duration is the script's whole run)."""
    return event.name == "__main__" and event.parent is None and not (event.where or event.importer)


class ModuleKinds:
    """Where each module of a trace belongs: STDLIB (see ``in_stdlib``), THIRD_PARTY or OWN.

    A module that is not the standard library's is third-party when its file (or, without one, a file
    of its top-level package) is in site-packages or dist-packages, or when the trace knows no file for
    it at all; the rest is the program's own: ``__main__``, the package run with ``-m`` (even if
    installed), and files from anywhere else."""

    def __init__(self, trace: "Trace") -> None:
        origins: "dict[str, str]" = {}
        builtin: "set[str]" = set()
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
        header = trace.header
        stdlib = header.get("stdlib")
        self._stdlib_dir: "Optional[str]" = stdlib if isinstance(stdlib, str) and stdlib else None
        self._names = stdlib_names(header.get("python"))
        cwd = header.get("cwd")
        self._here = cwd if isinstance(cwd, str) and cwd else None
        program = header.get("program")
        target = program.get("target") if isinstance(program, dict) and program.get("mode") == "module" else None
        self._program = {"__main__"} | ({target.partition(".")[0]} if isinstance(target, str) else set())
        self._installed: "Optional[dict[str, bool]]" = None
        self._stdlib: "dict[str, bool]" = {}
        self._kinds: "dict[str, str]" = {}

    def stdlib(self, name: str) -> bool:
        """Whether name is a standard-library module, in this trace."""
        answer = self._stdlib.get(name)
        if answer is None:
            if name in self._builtin:
                answer = True
            else:
                origin = self._origins.get(name)
                answer = in_stdlib(name, origin, self._stdlib_dir, self._names, self._here)
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

    def _installed_packages(self) -> "dict[str, bool]":
        """Top-level name -> whether the files the trace shows for its modules are installed ones."""
        if self._installed is None:
            found: "dict[str, bool]" = {}
            for name, origin in self._origins.items():
                top = name.partition(".")[0]
                found[top] = found.get(top, False) or _installed(origin)
            self._installed = found
        return self._installed
