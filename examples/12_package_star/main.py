"""`from package import *`: __all__ in __init__.py decides, and may name submodules; without it, only
what is already in the package's namespace (submodules not imported yet are left out)."""

import tools.hammer  # noqa: F401  loaded before the star import, so it is in the tools namespace

before = set(globals()) | {"before"}
from shop import *  # noqa: E402, F403  shop/__init__.py lists "cart" in __all__: Python imports shop.cart

print("from shop import * bound:", sorted(set(globals()) - before))

before = set(globals())
from tools import *  # noqa: E402, F403  no __all__: hammer is there, saw is not imported

print("from tools import * bound:", sorted(set(globals()) - before))
