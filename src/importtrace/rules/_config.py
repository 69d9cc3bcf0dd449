"""Where ``importtrace check`` gets its rules: ``[tool.importtrace]`` in pyproject.toml, and the
command line's options on top of it.  TOML and argparse are imported by the functions that need them.
"""

import os

from ._check import CONFIG_KEYS, OTHER_KEYS, ConfigError, Rules

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, Optional, Union

__all__ = ["add_arguments", "find_pyproject", "read_config", "rules_from_args", "rules_from_table"]


# --- configuration --------------------------------------------------------------------------------


def find_pyproject(start: "Union[str, os.PathLike[str]]" = ".") -> "Optional[str]":
    """The nearest pyproject.toml in ``start`` or a directory above it, or None."""
    here = os.path.abspath(os.fspath(start))
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def read_config(path: "Union[str, os.PathLike[str]]") -> Rules:
    """The rules in ``[tool.importtrace]`` of a pyproject.toml (empty Rules if it has none)."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name} is not valid TOML: {exc}") from None
    tool = data.get("tool", {})
    table = tool.get("importtrace", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: [tool.importtrace] must be a table")
    return rules_from_table(table, f"[tool.importtrace] in {name}")


def rules_from_table(table: "dict[str, Any]", source: str = "[tool.importtrace]") -> Rules:
    """Rules from the keys of a ``[tool.importtrace]`` table; ConfigError names ``source``."""
    values: "dict[str, Any]" = {}
    for key, value in table.items():
        canonical = key.replace("_", "-")
        if canonical in OTHER_KEYS:
            continue
        attr = CONFIG_KEYS.get(canonical)
        if attr is None:
            known = ", ".join(sorted(CONFIG_KEYS))
            raise ConfigError(f"{source}: unknown key {key!r} (the check rules are: {known})")
        if attr in values:
            raise ConfigError(f"{source}: {key!r} is given twice (as {canonical} and {attr})")
        values[attr] = value
    forbid = values.pop("forbid", [])
    if isinstance(forbid, str):
        forbid = [forbid]
    if not isinstance(forbid, list):
        raise ConfigError(f"{source}: forbid must be a list of module names or patterns")
    try:
        return Rules(forbid, **values)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


# --- the command line -------------------------------------------------------------------------------


def add_arguments(parser: "argparse.ArgumentParser") -> None:
    """The rule options of ``importtrace check`` (the program to run is the command line's to add)."""
    group = parser.add_argument_group("rules (added to those in [tool.importtrace] of pyproject.toml)")
    group.add_argument(
        "--forbid",
        metavar="PATTERN",
        action="append",
        default=[],
        help="fail if a module matching PATTERN is imported (a name also matches its submodules; "
        "globs like 'pandas*' work); repeat for more",
    )
    group.add_argument("--max-modules", metavar="N", type=count_arg, help="fail if more than N modules are loaded")
    group.add_argument(
        "--max-time",
        metavar="MS",
        type=_millis,
        help="fail if importing takes more than MS milliseconds (noisy: prefer --max-modules)",
    )
    group.add_argument(
        "--no-cycles",
        metavar="PATTERN",
        nargs="?",
        action="append",
        const="",
        default=[],
        help="fail on a circular import in the program's own code (not the standard library, not an installed "
        "package); with PATTERN ('mycli*'), on one that a module matching PATTERN takes part in; repeatable",
    )
    group.add_argument(
        "--config",
        metavar="PATH",
        help="read [tool.importtrace] from this pyproject.toml (default: the nearest one from the current directory)",
    )
    group.add_argument("--no-config", action="store_true", default=False, help="ignore pyproject.toml")


def rules_from_args(args: "argparse.Namespace", start: "Union[str, os.PathLike[str]]" = ".") -> Rules:
    """The command line's rules on top of the config file's (``--config``, else the nearest
    pyproject.toml from ``start``, unless ``--no-config``)."""
    given = Rules(
        getattr(args, "forbid", None) or [],
        getattr(args, "max_modules", None),
        getattr(args, "max_time", None),
        *_cycle_options(getattr(args, "no_cycles", None)),
    )
    if getattr(args, "no_config", False):
        return given
    path = getattr(args, "config", None) or find_pyproject(start)
    if path is None:
        return given
    return read_config(path).merge(given)


def _cycle_options(values: "Union[bool, list[str], None]") -> "tuple[bool, list[str]]":
    """(no cycles in the program's own code, patterns) from --no-cycles given bare ('') or with PATTERN."""
    if isinstance(values, bool) or values is None:
        return bool(values), []
    return "" in values, [v for v in values if v]


def count_arg(text: str) -> int:
    """argparse type for a module count: a whole number, 0 or more."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of modules, 0 or more, not {text!r}")
    return value


def _millis(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of milliseconds, 0 or more, not {text!r}")
    return value
