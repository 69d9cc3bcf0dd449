"""Run by `python -m app`: as the module __main__, inside the package app."""

from . import helper  # works: under -m this file belongs to the package app

print("app/__main__.py runs, as", __name__, "(its spec says", __spec__.name + ")")
print(helper.greet())
