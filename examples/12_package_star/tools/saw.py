"""tools.saw: never imported, so `from tools import *` does not bind it."""
