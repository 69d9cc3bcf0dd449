"""The shop package: its __all__ says what `from shop import *` binds, including a submodule."""

__all__ = ["VERSION", "cart"]
VERSION = "1.0"
