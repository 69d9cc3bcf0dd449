"""Tools for circles."""

PI = 3.14159


def area(radius: float) -> float:
    return PI * radius * radius
