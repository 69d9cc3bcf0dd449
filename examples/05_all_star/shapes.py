"""A module that lists its public names in __all__."""

import math

__all__ = ["PI", "area"]

PI = math.pi
SECRET = "not in __all__, so import * leaves it out"


def area(radius: float) -> float:
    return PI * _square(radius)


def _square(x: float) -> float:
    return x * x
