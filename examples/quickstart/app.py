"""A small program to trace:  python -m importtrace examples/quickstart/app.py"""

import json  # a standard-library package: searched, then loaded with the modules it needs

from shop import cart  # a local package: its __init__ runs first, then shop.cart loads
from shop.cart import total  # shop.cart is in sys.modules now: a cache hit, no search

try:
    import ujson  # an optional speed-up that is not installed: a failed search
except ImportError:
    ujson = None


def price() -> object:
    import decimal  # a function-level import: loaded the first time, cache hits after

    return decimal.Decimal("1.50")


print(json.dumps({"items": cart.count(), "total": str(total(price() for _ in range(3)))}))
