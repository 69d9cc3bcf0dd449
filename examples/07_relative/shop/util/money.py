"""shop.util.money: `..` is the package one up from shop.util, that is shop."""

from ..prices import CURRENCY


def fmt(amount: float) -> str:
    return "%.2f %s" % (amount, CURRENCY)
