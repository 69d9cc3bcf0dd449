"""Never imported: itertools is built into the interpreter, which Python asks before sys.path."""

raise RuntimeError("this itertools.py is never imported")
