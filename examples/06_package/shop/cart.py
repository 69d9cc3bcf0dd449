"""A submodule: shop.cart."""

print("shop/cart.py: running")


def add(item: str) -> None:
    print("added", item)
