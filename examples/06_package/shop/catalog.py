"""Another submodule: shop.catalog."""

ITEMS = ["apple", "pear"]
