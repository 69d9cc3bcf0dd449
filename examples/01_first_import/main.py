"""First import versus second: greet.py runs once; the second import is a cache hit."""

print("main: importing greet")
import greet  # noqa: E402  the first time: searched, loaded, greet.py's code runs

print("main: importing greet again")
import greet  # noqa: E402, F811  already in sys.modules: a cache hit, nothing runs

greet.hello("world")
