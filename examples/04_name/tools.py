"""A module that can also be run on its own: python tools.py runs its self-test."""


def double(x: int) -> int:
    return 2 * x


print("tools.py: my __name__ is", repr(__name__))

if __name__ == "__main__":  # only when tools.py is the top-level file, not when it is imported
    print("tools.py: self-test:", double(21) == 42)
