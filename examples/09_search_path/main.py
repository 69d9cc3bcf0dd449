"""Where Python looks for modules: built-in modules first, then each folder on sys.path in order."""

import sys

print("sys.path[0], the script's folder, is searched first:", sys.path[0])

import random  # noqa: E402  finds random.py in this folder, not the standard library's random

print("random is", random.__file__)
print("a dice roll:", random.randint(1, 6))

import itertools  # noqa: E402  built in: no folder is searched, so the itertools.py here is never used

print("itertools is", getattr(itertools, "__file__", "built in"))
