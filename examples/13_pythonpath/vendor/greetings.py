"""vendor/greetings.py: later on PYTHONPATH, hidden by lib/greetings.py."""


def hello() -> str:
    return "hello from vendor/greetings.py"
