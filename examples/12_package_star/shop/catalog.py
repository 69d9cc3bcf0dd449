"""shop.catalog: not in __all__, so `from shop import *` neither imports nor binds it."""
