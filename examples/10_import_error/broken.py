"""A module whose top-level code raises."""

print("broken: running")
RATE = 1 / 0  # ZeroDivisionError: the import fails here
