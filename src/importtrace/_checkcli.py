"""`importtrace check`: placeholder until the rule engine lands."""

from __future__ import annotations


def check_main(args: list[str]) -> int:
    from ._cli import UsageError

    raise UsageError("check is not available yet")
