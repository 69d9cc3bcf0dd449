"""Shared state: one module object, whoever imports it."""

print("counter.py runs (once)")
count = 0


def bump() -> None:
    global count
    count += 1
