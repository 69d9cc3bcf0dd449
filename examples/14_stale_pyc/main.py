"""A .pyc in __pycache__ is used only while it matches its source's modification time and size: an edit
that changes either makes it stale, and Python compiles again; an edit within the same second that keeps
the size is not seen."""

import importlib
import os
import pathlib

SOURCE = pathlib.Path(__file__).with_name("settings.py")
ORIGINAL = SOURCE.read_text()

import settings  # noqa: E402  compiled, and saved in __pycache__ (first run) or read from it

print("1.", settings.GREETING)
try:
    # An edit that changes the size: the cache file no longer matches, so the reload compiles again.
    SOURCE.write_text('GREETING = "hello, world!"\n')
    importlib.reload(settings)
    print("2.", settings.GREETING)

    # An edit that keeps the size, saved in the same second the cache file records: the check passes,
    # and the reload runs the old bytecode.  (The times are set by hand, as an editor saving twice within
    # one second would leave them; bytes 8 to 12 of the cache file hold that second.)
    cache = pathlib.Path(settings.__cached__)
    second = int.from_bytes(cache.read_bytes()[8:12], "little") * 10**9
    os.utime(cache, ns=(second + 1000, second + 1000))
    SOURCE.write_text('GREETING = "HELLO, WORLD!"\n')
    os.utime(SOURCE, ns=(second + 2000, second + 2000))
    importlib.reload(settings)
    print("3.", settings.GREETING, "(the file says HELLO, WORLD!)")
finally:
    SOURCE.write_text(ORIGINAL)
