"""`from x import *` copies the names in x.__all__, or, without __all__, every name not starting with _."""

before = set(globals()) | {"before"}
from shapes import *  # noqa: E402, F403  the first import of shapes: it has __all__, only the names it lists

print("from shapes import * copied:", sorted(set(globals()) - before))

before = set(globals())
from plain import *  # noqa: E402, F403  plain has no __all__: every public name, even the module math

print("from plain import * copied:", sorted(set(globals()) - before))
