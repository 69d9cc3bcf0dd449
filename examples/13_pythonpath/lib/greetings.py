"""lib/greetings.py: first on PYTHONPATH, so this is the one imported."""


def hello() -> str:
    return "hello from lib/greetings.py"
