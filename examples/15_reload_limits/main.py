"""A reload runs one module's code again: not its submodules, and not the `from` copies other modules
made of its names."""

import importlib
import pathlib

import report
import shop

print("report says:", report.price())

importlib.reload(shop)  # shop/__init__.py runs again; shop.prices does not

PRICES = pathlib.Path(shop.prices.__file__)
ORIGINAL = PRICES.read_text()
try:
    PRICES.write_text("print('shop/prices.py runs')\nAPPLE = 0.75  # the new price\n")
    importlib.reload(shop.prices)  # shop.prices runs again, with the new price
    print("shop.prices.APPLE is now", shop.prices.APPLE)
    print("report still says:", report.price(), "(its `from shop.prices import APPLE` copy is stale)")
finally:
    PRICES.write_text(ORIGINAL)
