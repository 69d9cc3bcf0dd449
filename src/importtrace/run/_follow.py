"""Following the program's child processes: a Python child started from a traced process runs through
importtrace's bootstrap, exactly as the command line starts the program itself.

PYTEST_DONT_REWRITE

Nothing is set in the environment and nothing is imported into the program for this: the functions
that start a process from a command (``_posixsubprocess.fork_exec``, behind subprocess and
multiprocessing's spawn and forkserver start methods, and ``os.posix_spawn``, ``os.posix_spawnp``) are
replaced, each as soon as its module is loaded, by a stand-in that rewrites the command when it runs
this interpreter (the same executable once symlinks are resolved: a venv of it counts) on a script,
``-m module`` or ``-c code``:

    python [options] app.py args  ->  python [options] .../importtrace/run/_boot.py PKGDIR "" DIR ... app.py args

The bootstrap undoes every trace of itself before the program's first line (see importtrace.run._child), so
the child sees the same sys.argv, sys.path, sys.modules (but importtrace's own) and sys.orig_argv as
under plain ``python``.  Anything else (``sh -c true``, a REPL, a program read from stdin, ``--version``)
starts unchanged.  ``os.execv`` and ``os.execve`` (behind every ``os.exec*`` and ``os.spawn*``) first let
the traced process hand over what it recorded, since the new program replaces it.

Like the recording modules, this one imports only what the interpreter has at start-up: ``os`` is used
only once a process is being started, when the program has loaded it.  The command line imports it for
boot_command alone: the recorder is imported where the stand-ins are put in place, in the traced process.
"""

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

#: The command the parent runs after ``python [flags] -c`` for -c programs (its names are removed from
#: __main__); other programs start from the file _boot.py next to this module.
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from importtrace.run._child import main; main()"

#: What the traced process does before it is replaced by an exec (importtrace.run._child sets them):
#: on_exec() hands over the trace so far and says whether the new program may be followed.
on_exec: "Callable[[], bool]" = bool
#: on_exit(status) hands over the trace of a child process that calls os._exit.
on_exit: "Optional[Callable[[int], None]]" = None

_session: "Optional[Session]" = None


class Session:
    """What a followed child needs: importtrace's package directory, the directory where each process
    writes its record, and the options of the command line (``explain``)."""

    def __init__(self, directory: str, pkgdir: str, explain: bool) -> None:
        self.directory = directory
        self.pkgdir = pkgdir
        self.explain = explain
        self._interpreters: "Optional[set[str]]" = None

    def interpreters(self) -> "set[str]":
        """The real paths of this interpreter (and of the one a venv's stands for)."""
        if self._interpreters is None:
            os = sys.modules["os"]
            found = {getattr(sys, "executable", ""), getattr(sys, "_base_executable", "")}
            self._interpreters = {os.path.realpath(p) for p in found if p}
        return self._interpreters

    def command(self, argv: "Any", executable: "Any", cwd: "Any", env: "Any") -> "Optional[list[Any]]":
        """argv rewritten to run through the bootstrap, or None to start it unchanged: executable is
        the program file the system will run, cwd the child's working directory (None: this one's), env
        its environment (a mapping or a list of b"NAME=value"; None: this one's)."""
        os = sys.modules["os"]
        if not isinstance(argv, (list, tuple)) or not argv or executable is None:
            return None
        texts = [os.fsdecode(a) for a in argv]
        here = os.fsdecode(cwd) if cwd is not None else os.getcwd()
        program = os.path.join(here, os.fsdecode(executable))
        if os.path.realpath(program) not in self.interpreters():
            return None
        parsed = parse_python(texts)
        if parsed is None:
            return None
        options, letters, mode, target, rest = parsed
        if _lists_imports(options, letters, env) or _traced_already(mode, target):
            return None
        if mode != "code" and sys.version_info >= (3, 13) and not ("P" in letters or "I" in letters):
            # 3.13 words an AttributeError on a module beside the script (or in the directory of -m) by
            # comparing it with the sys.path[0] python computed at start-up, which is the bootstrap's
            # own directory through the bootstrap: "consider renaming" would become "circular import"
            return None
        abspath = path0 = ""
        if mode == "script":
            abspath = target if os.path.isabs(target) else os.path.join(here, target)
            if os.path.isdir(abspath):
                if not any(os.path.isfile(os.path.join(abspath, m)) for m in ("__main__.py", "__main__.pyc")):
                    return None  # python's own error
            elif not os.path.isfile(abspath):
                return None
            path0 = os.path.dirname(os.path.realpath(abspath))
        elif mode == "module":
            path0 = here
        flags = ",".join(name for name, on in (("explain", self.explain), ("x", "x" in letters)) if on)
        args = list(argv[rest:])
        return boot_command(
            argv[0], options, mode, target, abspath, path0, args, self.pkgdir, "", self.directory, "", flags
        )


def boot_command(
    executable: "Any",
    options: "list[str]",
    mode: str,
    target: str,
    abspath: str,
    path0: str,
    args: "list[Any]",
    pkgdir: str,
    out: str,
    session: str,
    stream: str,
    flags: str,
    argv0: "Optional[str]" = None,
) -> "list[Any]":
    """The bootstrap's command line (read by importtrace.run._child.main): ``python OPTIONS (_boot.py |
    -c BOOT) PKGDIR OUT SESSION STREAM FLAGS ARGV0 MODE TARGET ABSPATH PATH0 ARGS...``."""
    boot = ["-c", BOOT] if mode == "code" else [pkgdir + "/importtrace/run/_boot.py"]
    if argv0 is None:
        argv0 = sys.modules["os"].fsdecode(executable)
    boot_args = [pkgdir, out, session, stream, flags, argv0, mode, target, abspath, path0]
    return [executable, *options, *boot, *boot_args, *args]


def _lists_imports(options: "list[str]", letters: str, env: "Any") -> bool:
    """Whether python would list its imports on stderr (-v, -X importtime, or their environment
    variables): through the bootstrap the list would have importtrace's own, so such a child is left
    untraced, its output as it would be."""
    if "v" in letters or any("importtime" in o for o in _joined(options)):
        return True
    if "E" in letters or "I" in letters:
        return False
    os = sys.modules["os"]
    if env is None:
        found = os.environ
    elif isinstance(env, (list, tuple)):
        found = {}
        for item in env:
            name, _, value = os.fsdecode(item).partition("=")
            found[name] = value
    else:
        found = {os.fsdecode(k): os.fsdecode(v) for k, v in env.items()}
    return bool(found.get("PYTHONVERBOSE") or found.get("PYTHONPROFILEIMPORTTIME"))


def _joined(options: "list[str]") -> "list[str]":
    """-X options with their value ("-X", "importtime" as "-Ximporttime")."""
    out: "list[str]" = []
    for option in options:
        if out and out[-1] in ("-X", "-W"):
            out[-1] += option
        else:
            out.append(option)
    return [o for o in out if o.startswith("-X")]


def _traced_already(mode: str, target: str) -> bool:
    """A command that runs importtrace's own bootstrap (a program traced by another importtrace
    command line, itself a child of this program): that one records it."""
    if mode == "code":
        return target == BOOT
    return mode == "script" and target.replace("\\", "/").endswith("importtrace/run/_boot.py")


#: One-letter options that take a value (the rest of the argument, or the next one).
_WITH_VALUE = "WX"
_LONG_WITH_VALUE = ("--check-hash-based-pycs",)
#: Options after which python runs no program of ours (help, version) or that it would refuse.
_NOT_A_RUN = "hV?"
_LONG_NOT_A_RUN = ("--help", "--version", "--help-env", "--help-xoptions", "--help-all")


def parse_python(argv: "list[str]") -> "Optional[tuple[list[str], str, str, str, int]]":
    """``python`` command line argv -> (its options as given, their one-letter flags, mode (script,
    module or code), target, index in argv of the program's first argument), as CPython parses it;
    None when it runs no program we can follow (a REPL, stdin, --help, --version)."""
    options: "list[str]" = []
    letters = ""
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            if i + 1 >= len(argv) or argv[i + 1] == "-":
                return None
            return options, letters, "script", argv[i + 1], i + 2
        if arg == "-":
            return None
        if not arg.startswith("-"):
            return options, letters, "script", arg, i + 1
        if arg.startswith("--"):
            if arg in _LONG_NOT_A_RUN or arg.split("=")[0] in _LONG_NOT_A_RUN:
                return None
            take = 2 if arg in _LONG_WITH_VALUE else 1
            options.extend(argv[i : i + take])
            i += take
            continue
        take = 1
        for j, letter in enumerate(arg[1:], 1):
            if letter in "cm":
                if j > 1:
                    options.append(arg[:j])  # -uBm module: -uB are options
                mode = "code" if letter == "c" else "module"
                if j + 1 < len(arg):
                    return options, letters, mode, arg[j + 1 :], i + 1
                if i + 1 >= len(argv):
                    return None  # python's own error
                return options, letters, mode, argv[i + 1], i + 2
            if letter in _NOT_A_RUN:
                return None
            if letter in _WITH_VALUE:
                take = 1 if j + 1 < len(arg) else 2
                break
            letters += letter
        options.extend(argv[i : i + take])
        i += take
    return None  # no program: the REPL


# --- the stand-ins ---------------------------------------------------------------------------------


def install(directory: str, pkgdir: str, explain: bool, child: bool) -> None:
    """Follow the child processes of this process (and, for a child itself, hand its trace over when
    it calls os._exit): patch os and _posixsubprocess now if loaded, and each time they load."""
    global _session
    backend = _recorder().backend
    _session = Session(directory, pkgdir, explain)
    patch_os = _patch_os if child else _patch_os_main
    for name, patch in (("os", patch_os), ("_posixsubprocess", _patch_posixsubprocess)):
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
        backend.watch(name, patch)


def _recorder() -> "Any":
    """importtrace.record, loaded in a traced process (looked up, not imported: an import statement
    here would be recorded in the program's trace)."""
    return sys.modules["importtrace.record"]


def _patch_os_main(os: "Any") -> None:
    _replace(os, "posix_spawn", _posix_spawn)
    _replace(os, "posix_spawnp", _posix_spawnp)
    _replace(os, "execv", _exec)
    _replace(os, "execve", _exec)


def _patch_os(os: "Any") -> None:
    _patch_os_main(os)
    _replace(os, "_exit", _exit)


def patch_exit() -> None:
    """A forked child hands its trace over on os._exit too."""
    os = sys.modules.get("os")
    if os is not None:
        _replace(os, "_exit", _exit)


def _patch_posixsubprocess(module: "Any") -> None:
    _replace(module, "fork_exec", _fork_exec)


def _replace(module: "Any", name: str, before: "Callable[[tuple[Any, ...], Any], Any]") -> None:
    record = _recorder()
    orig = getattr(module, name, None)
    if orig is None or getattr(orig, "__importtrace_redirect__", False):
        return
    stand_in = record.backend.redirect(orig, before)
    record.copy_identity(stand_in, orig)
    try:
        stand_in.__importtrace_redirect__ = True
    except (AttributeError, TypeError):
        pass
    setattr(module, name, stand_in)


def _fork_exec(args: "tuple[Any, ...]", kwargs: "Any") -> "Optional[tuple[Any, ...]]":
    """_posixsubprocess.fork_exec(args, executable_list, close_fds, pass_fds, cwd, env, ...)."""
    if _session is None or len(args) < 6:
        return None
    cwd = args[4]
    executable = _first_executable(args[1], cwd)
    new = _session.command(args[0], executable, cwd, args[5])
    return None if new is None else (new, *args[1:])


def _posix_spawn(args: "tuple[Any, ...]", kwargs: "Any") -> "Optional[tuple[Any, ...]]":
    """os.posix_spawn(path, argv, env, ...)."""
    if _session is None or len(args) < 2:
        return None
    new = _session.command(args[1], args[0], None, args[2] if len(args) > 2 else None)
    return None if new is None else (args[0], new, *args[2:])


def _posix_spawnp(args: "tuple[Any, ...]", kwargs: "Any") -> "Optional[tuple[Any, ...]]":
    """os.posix_spawnp(file, argv, env, ...): file is looked up on PATH."""
    if _session is None or len(args) < 3:
        return None
    new = _session.command(args[1], _which(args[0], args[2]), None, args[2])
    return None if new is None else (args[0], new, *args[2:])


def _exec(args: "tuple[Any, ...]", kwargs: "Any") -> "Optional[tuple[Any, ...]]":
    """os.execv(path, args) and os.execve(path, args, env): this process is replaced."""
    if not on_exec() or _session is None or len(args) < 2:
        return None
    new = _session.command(args[1], args[0], None, args[2] if len(args) > 2 else None)
    return None if new is None else (args[0], new, *args[2:])


def _exit(args: "tuple[Any, ...]", kwargs: "Any") -> None:
    """os._exit(status) in a child process: hand its trace over first."""
    if on_exit is not None and args and type(args[0]) is int:
        on_exit(args[0])


def _first_executable(candidates: "Any", cwd: "Any") -> "Any":
    """The program fork_exec will run: the first of its candidates (PATH entries) that can be run."""
    os = sys.modules["os"]
    for path in candidates or ():
        full = os.path.join(os.fsdecode(cwd), os.fsdecode(path)) if cwd is not None else path
        if os.access(full, os.X_OK) and not os.path.isdir(full):
            return full
    return None


def _which(name: "Any", env: "Any") -> "Any":
    """name looked up on the PATH of env (as posix_spawnp does), or itself if it has a directory."""
    os = sys.modules["os"]
    name = os.fsdecode(name)
    if os.path.dirname(name):
        return name
    for folder in os.get_exec_path(env if isinstance(env, dict) else None):
        full = os.path.join(folder, name)
        if os.access(full, os.X_OK) and not os.path.isdir(full):
            return full
    return None
