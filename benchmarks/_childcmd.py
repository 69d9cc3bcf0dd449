"""Print, as JSON, the exact command `python -m importtrace SCRIPT ARGS` would start as its child.

Run with the interpreter being measured: ``python _childcmd.py OUT SCRIPT [ARGS...]``.  The command
comes from importtrace.run._program.child_command, which the command line itself uses: the benchmark then
times the recording child exactly as `python -m importtrace` starts it.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import importtrace
from importtrace.run import _program


def child_command(out: str, script: str, args: list[str]) -> list[str]:
    """The child's argv for running script traced, writing its trace to out."""
    return _program.child_command("script", script, args, out)


def main() -> None:
    out, script, *args = sys.argv[1:]
    info: dict[str, Any] = {
        "cmd": child_command(os.path.abspath(out), os.path.abspath(script), args),
        "importtrace": os.path.dirname(os.path.abspath(importtrace.__file__)),
        "version": getattr(importtrace, "__version__", "?"),
    }
    print(json.dumps(info))


if __name__ == "__main__":
    main()
