"""The traced program run as python runs it (the child's side of the command line): its command line
and sys.path as python would set them, the script, module or code run, an uncaught exception printed
without importtrace's frames, SystemExit turned into the exit status, the interpreter's first steps
at exit.

PYTEST_DONT_REWRITE

A recording module: it imports only what the interpreter has loaded at start-up.  Its frames, like
every module's in this folder, are left out of the program's tracebacks.
"""

import marshal
import sys

from ..record import backend

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, TracebackType
    from typing import Any, Optional

_external = sys.modules["_frozen_importlib_external"]
_os = _external._os  # posix or nt: `os` itself is not loaded under python -S
_HERE = _external._path_split(__file__)[0]
_OWN_CODE = backend.own_code() if hasattr(backend, "own_code") else set()


def program_orig_argv(argv0: str, mode: str, target: str, args: "list[str]") -> "Optional[list[str]]":
    """sys.orig_argv as `python OPTIONS (script | -m module | -c code) ARGS` gives it (3.10+; on 3.9,
    where python keeps none, the command a process record shows): the interpreter options are this
    process's own, which the command line copied from its own."""
    orig = getattr(sys, "orig_argv", None) or _cmdline()
    if orig is None:
        return None
    end = len(orig) - len(sys.argv) - (1 if sys.argv[0] == "-c" else 0)  # -c BOOT is one more
    program = {"module": ["-m", target], "code": ["-c", target]}.get(mode, [target])
    return [argv0, *orig[1:end], *program, *args]


def _cmdline() -> "Optional[list[str]]":
    """This process's command line from /proc (3.9 on Linux), None where there is none."""
    try:
        fd = _os.open("/proc/self/cmdline", _os.O_RDONLY)
    except OSError:
        return None
    try:
        data = b""
        while True:
            chunk = _os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    finally:
        _os.close(fd)
    encoding = sys.getfilesystemencoding()
    return [arg.decode(encoding, "surrogateescape") for arg in data.split(b"\0")[:-1]] or None


def unboot(pkgdir: str, from_file: bool, safe: bool) -> None:
    """Take out what the bootstrap added: its sys.path entry (which only served to import importtrace)
    and, when it ran as a file, the directory python added for it and its path-importer cache entry."""
    if sys.path and sys.path[0] == pkgdir:
        del sys.path[0]
        if pkgdir not in sys.path:
            sys.path_importer_cache.pop(pkgdir, None)
    if from_file:
        if not safe and sys.path:
            del sys.path[0]  # the directory of _boot.py, which python put there
        sys.path_importer_cache.pop(sys.argv[0], None)


def main_importer(path: str) -> "Any":
    """What `python PATH` asks first: a path importer means PATH is a directory or zip file."""
    try:
        return _external.PathFinder._path_importer_cache(path)
    except Exception:
        return None


def run(
    mode: str, target: str, abspath: str, globals_: "dict[str, Any]", skip_first_line: bool, compiled: "dict[str, Any]"
) -> None:
    """Run the program as python would; compiled["compile"]: how long compiling a script or -c code took
    (python compiles the file it runs on every run: it is never cached)."""
    if mode == "code":
        t0 = backend.clock()
        code = compile(target, "<string>", "exec")
        compiled["compile"] = backend.clock() - t0
        _register_source(code, target)
        exec(code, globals_)
    elif mode == "module":
        sys.modules["runpy"]._run_module_as_main(target)
    elif mode == "main":
        sys.modules["runpy"]._run_module_as_main("__main__", alter_argv=False)
    else:
        with open(abspath, "rb") as f:
            source = f.read()
        skip = skip_first_line and not abspath.endswith(".pyc")
        if skip:
            # python -x, as pymain_run_file: up to the first newline, which stays so that line
            # numbers keep their meaning; the rest is source, whatever its first bytes.
            newline = source.find(b"\n")
            source = source[newline:] if newline >= 0 else b""
        if not skip and source[:4] == _external.MAGIC_NUMBER:  # python runs a .pyc file given as the script
            code = marshal.loads(source[16:])
            globals_["__loader__"] = _external.SourcelessFileLoader("__main__", abspath)
        else:
            globals_["__loader__"] = _external.SourceFileLoader("__main__", abspath)
            t0 = backend.clock()
            code = compile(source, abspath, "exec", dont_inherit=True)
            compiled["compile"] = backend.clock() - t0
        globals_["__file__"] = abspath
        globals_["__cached__"] = None
        exec(code, globals_)


def _register_source(code: "CodeType", source: str) -> None:
    """Python 3.13+ keeps the -c source in linecache for tracebacks; it kept BOOT's, keep the program's."""
    linecache = sys.modules.get("linecache")
    cache = getattr(linecache, "cache", None)
    if not isinstance(cache, dict):
        return
    lines = [line + "\n" for line in source.splitlines()]
    if "<string>" in cache:
        cache["<string>"] = (len(source), None, lines, "<string>")
    for key, entry in list(cache.items()):
        if not isinstance(key, str) and isinstance(entry, tuple) and entry[-1:] == ("<string>",):
            del cache[key]
            cache[code] = (len(source), None, lines, "<string>")


def exit_status(exc: SystemExit) -> int:
    """What _Py_HandleSystemExit does: None is 0, an int is itself, anything else is printed and is 1."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)  # pytest exits with an IntEnum
    say(code)
    return 1


def print_uncaught(error: BaseException) -> None:
    """Print as python does for an uncaught exception: through sys.excepthook."""
    sys.last_type, sys.last_value, sys.last_traceback = type(error), error, error.__traceback__
    if sys.version_info >= (3, 12):
        sys.last_exc = error
    try:
        sys.excepthook(type(error), error, error.__traceback__)
    except BaseException:
        sys.__excepthook__(type(error), error, error.__traceback__)
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except Exception:
        pass


def finalize() -> None:
    """The first steps of Py_FinalizeEx, which may still import: join threads, run atexit handlers."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()
        except Exception:
            pass
    atexit = sys.modules.get("atexit")
    if atexit is not None:
        atexit._run_exitfuncs()


def say(line: object) -> None:
    """Print a line on the program's stderr (or the original one), as the interpreter prints at exit."""
    stream = sys.stderr if sys.stderr is not None else sys.__stderr__
    try:
        if stream is not None:
            stream.write(str(line) + "\n")
            stream.flush()
    except Exception:
        pass


def quiet(*args: "Any") -> None:
    """sys.excepthook for the final re-raise: the traceback was already printed."""


# --- tracebacks without importtrace ------------------------------------------------------------


def _ours(code: "CodeType") -> bool:
    """Code of importtrace itself: the hooks (some disguised as importlib) and this module."""
    return code in _OWN_CODE or code.co_filename.startswith(_HERE + _external.path_sep)


def clean(exc: BaseException, seen: "set[int]") -> None:
    """Drop importtrace's frames from exc's traceback, its chained exceptions and exception groups."""
    if id(exc) in seen:
        return
    seen.add(id(exc))
    tb: "Optional[TracebackType]" = exc.__traceback__
    kept: "list[TracebackType]" = []
    while tb is not None:
        if not _ours(tb.tb_frame.f_code) and not _is_bootstrap(tb):
            kept.append(tb)
        tb = tb.tb_next
    if exc.__traceback__ is not None:
        tb_type = type(exc.__traceback__)
        new: "Optional[TracebackType]" = None
        for entry in reversed(kept):
            new = tb_type(new, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
        exc.__traceback__ = new
    for chained in (exc.__cause__, exc.__context__):
        if chained is not None:
            clean(chained, seen)
    for inner in getattr(exc, "exceptions", ()) or ():
        if isinstance(inner, BaseException):
            clean(inner, seen)


def _is_bootstrap(tb: "TracebackType") -> bool:
    """The -c frame that ran BOOT: the outermost frame, whose code names importtrace.run._child."""
    code = tb.tb_frame.f_code
    return tb.tb_frame.f_back is None and code.co_filename == "<string>" and "importtrace.run._child" in code.co_names
