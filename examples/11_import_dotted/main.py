"""`import shop.cart` imports shop, then shop.cart, and binds only the name shop."""

import shop.cart  # shop/__init__.py runs, then shop/cart.py; the name bound here is shop

print("names bound here:", sorted(n for n in dir() if not n.startswith("_")))
print(shop.cart.add("apple"))  # reach the submodule through the package

try:
    cart  # noqa: B018  not bound by `import shop.cart`
except NameError as exc:
    print("NameError:", exc)

import shop.cart as basket  # noqa: E402  `as` binds the submodule itself

print("basket is shop.cart:", basket is shop.cart)
