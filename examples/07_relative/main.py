"""Modules inside a package import each other with relative imports (leading dots)."""

from shop import checkout

print(checkout.pay(["apple", "pear"]))
