"""app.helper."""


def greet() -> str:
    return "hello from app.helper"
