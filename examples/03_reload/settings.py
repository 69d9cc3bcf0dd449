"""Version 1 of the settings."""

COLOR = "red"


def greeting() -> str:
    return "hello from version 1"


def old_helper() -> str:
    return "old_helper from version 1"
