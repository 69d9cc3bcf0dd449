"""shop.checkout: `.` is this module's own package, shop."""

from . import prices  # the sibling module shop.prices
from .util.money import fmt  # shop.util.money


def pay(items: "list[str]") -> str:
    return "total " + fmt(sum(prices.PRICES[i] for i in items))


if __name__ == "__main__":
    print(pay(["apple"]))
