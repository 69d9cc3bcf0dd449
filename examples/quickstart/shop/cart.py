from .catalog import ITEMS  # catalog was loaded by shop/__init__.py: a cache hit


def count() -> int:
    return len(ITEMS)


def total(prices: object) -> object:
    return sum(prices)  # type: ignore[call-overload]
