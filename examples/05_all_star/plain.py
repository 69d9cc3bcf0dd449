"""A module without __all__: `from plain import *` takes every name that does not start with _."""

import math

TAU = 2 * math.pi
_hidden = "starts with _, so import * leaves it out"


def circumference(radius: float) -> float:
    return TAU * radius
