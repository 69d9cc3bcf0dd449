"""The options this interpreter was started with (``python -u -X dev -m importtrace ...``), so that the
program's interpreter gets exactly the same ones: also those sys.flags does not show (-u, -x,
--check-hash-based-pycs, -i), spelled as the user gave them."""

from __future__ import annotations

import os
import sys

#: One-letter options that take a value: the rest of the argument (-Wdefault) or the next one (-W default).
_WITH_VALUE = "WX"
#: -c and -m end the interpreter's options (so does the first argument that is not an option: a script).
_PROGRAM = "cm"
_LONG_WITH_VALUE = ("--check-hash-based-pycs",)


def own_command_line() -> list[str] | None:
    """This process's command line as the operating system passed it: sys.orig_argv (3.10+), else
    /proc/self/cmdline (3.9 on Linux); None when neither is known (3.9 elsewhere, embedded)."""
    orig = getattr(sys, "orig_argv", None)
    if orig:
        return list(orig)
    try:
        with open("/proc/self/cmdline", "rb") as f:
            data = f.read()
    except OSError:
        return None
    args = [os.fsdecode(arg) for arg in data.split(b"\0")]
    if args and args[-1] == "":
        args.pop()  # every argument ends with a NUL
    return args or None


def split_options(argv: list[str]) -> tuple[list[str], str]:
    """The interpreter options at the start of argv[1:] as given, up to the program (-c, -m, a script,
    - or --), and the one-letter flags among them ('uBx' for ``-uB -x``), parsed as CPython does."""
    options: list[str] = []
    letters = ""
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--" or arg == "-" or not arg.startswith("-"):
            break
        if arg.startswith("--"):
            take = 2 if arg in _LONG_WITH_VALUE else 1
            options.extend(argv[i : i + take])
            i += take
            continue
        for j, letter in enumerate(arg[1:], 1):
            if letter in _PROGRAM:
                if j > 1:
                    options.append(arg[:j])  # -uBm module: -uB are options
                return options, letters
            if letter in _WITH_VALUE:
                take = 1 if j + 1 < len(arg) else 2
                break
            letters += letter
        else:
            take = 1
        options.extend(argv[i : i + take])
        i += take
    return options, letters


def interpreter_command() -> tuple[str, list[str], str]:
    """How this interpreter was started: its argv[0] as given, its options as given (else rebuilt from
    sys.flags, which misses -u, -x, -i and --check-hash-based-pycs), and their one-letter flags."""
    argv = own_command_line()
    if argv:
        options, letters = split_options(argv)
        return argv[0], options, letters
    options = _from_flags()
    return sys.executable, options, "".join(opt[1:] for opt in options if opt[:2] not in ("-W", "-X"))


def _from_flags() -> list[str]:
    """The options sys.flags, sys.warnoptions and sys._xoptions show."""
    flags = sys.flags
    args: list[str] = []
    for name, opt in (
        ("debug", "d"),
        ("dont_write_bytecode", "B"),
        ("no_site", "S"),
        ("verbose", "v"),
        ("bytes_warning", "b"),
        ("quiet", "q"),
        ("optimize", "O"),
    ):
        value = getattr(flags, name, 0)
        if value:
            args.append("-" + opt * int(value))
    if flags.isolated:
        args.append("-I")
    else:
        if flags.ignore_environment:
            args.append("-E")
        if flags.no_user_site:
            args.append("-s")
        if getattr(flags, "safe_path", False):
            args.append("-P")
    warnoptions = list(sys.warnoptions)
    if not flags.ignore_environment:  # the child reads PYTHONWARNINGS itself
        for opt in os.environ.get("PYTHONWARNINGS", "").split(","):
            if opt.strip() in warnoptions:
                warnoptions.remove(opt.strip())
    if flags.bytes_warning > 1 and "error::BytesWarning" in warnoptions:
        warnoptions.remove("error::BytesWarning")
    elif flags.bytes_warning and "default::BytesWarning" in warnoptions:
        warnoptions.remove("default::BytesWarning")
    if flags.dev_mode and "default" in warnoptions:
        warnoptions.remove("default")
    args.extend("-W" + opt for opt in warnoptions)
    for key, value in getattr(sys, "_xoptions", {}).items():
        args.extend(("-X", key if value is True else "%s=%s" % (key, value)))
    return args
