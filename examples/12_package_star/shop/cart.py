"""shop.cart: imported by `from shop import *`, because shop's __all__ names it."""

ITEMS: "list[str]" = []
