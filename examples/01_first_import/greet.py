"""A module: its top-level code runs once, the first time something imports it."""

print("greet: my top-level code is running")


def hello(name: str) -> None:
    print("hello,", name)
