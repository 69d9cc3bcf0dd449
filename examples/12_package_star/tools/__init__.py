"""The tools package has no __all__."""

NAME = "tools"
