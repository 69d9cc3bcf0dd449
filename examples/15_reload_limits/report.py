"""A module that copied a name out of shop.prices."""

from shop.prices import APPLE


def price() -> float:
    return APPLE
