"""The shop package: this file runs first, whenever anything in shop is imported."""

print("shop/__init__.py: running")
VERSION = "1.0"
