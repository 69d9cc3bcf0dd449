"""A package is a folder with an __init__.py: importing shop.cart runs shop/__init__.py first."""

import shop.cart  # shop/__init__.py runs, then shop/cart.py

shop.cart.add("apple")
from shop import catalog  # noqa: E402  a submodule not loaded yet: the from-list imports it

print("catalog:", catalog.ITEMS)
import shop  # noqa: E402  already loaded: a cache hit

print("shop.VERSION =", shop.VERSION)
