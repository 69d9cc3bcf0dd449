"""`python -m importtrace`: see importtrace._cli."""

import sys

from importtrace._cli import main

if __name__ == "__main__":
    sys.exit(main())
