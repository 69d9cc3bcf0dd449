"""Version 2 of the settings: greeting and COLOR changed, BORDER is new, old_helper is gone."""

COLOR = "blue"
BORDER = 2


def greeting() -> str:
    return "hello from version 2"
