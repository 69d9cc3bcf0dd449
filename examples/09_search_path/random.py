"""A file named like a standard-library module shadows it for the whole program."""


def randint(a: int, b: int) -> int:
    return 4  # chosen by fair dice roll (https://xkcd.com/221/)
