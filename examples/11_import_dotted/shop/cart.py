"""shop.cart: reached as shop.cart after `import shop.cart`."""


def add(item: str) -> str:
    return "added " + item
