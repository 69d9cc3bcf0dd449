"""`python -m importtrace`: see importtrace.run._cli."""

import sys

if sys.path and not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)):
    # python -m put the current directory first; this process must not import the user's modules
    # (a local random.py or re.py would replace the standard library's here).  The program itself
    # runs in a child with the sys.path python would give it.
    del sys.path[0]

from importtrace.run._cli import main

if __name__ == "__main__":
    sys.exit(main())
