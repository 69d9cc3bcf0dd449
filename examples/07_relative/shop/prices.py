"""shop.prices."""

CURRENCY = "EUR"
PRICES = {"apple": 0.5, "pear": 0.75}
