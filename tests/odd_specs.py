"""A finder whose spec refuses a new loader, so the loader proxy cannot go on it (an internal note, the
import itself unharmed).  Shared by tests/test_notes.py and tests/scenarios.py (which runs as a script
and imports it as a top-level module)."""

from __future__ import annotations

import importlib.machinery
from typing import Any


class KeptLoaderSpec(importlib.machinery.ModuleSpec):
    """A spec whose loader, once set, stays."""

    @property  # type: ignore[override]
    def loader(self) -> Any:
        return self.__dict__["_loader"]

    @loader.setter
    def loader(self, value: Any) -> None:
        if "_loader" in self.__dict__:
            raise AttributeError("this spec keeps its loader")
        self.__dict__["_loader"] = value


class KeptLoaderFinder:
    """Finds the module named (on sys.path) with a KeptLoaderSpec; nothing else."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != self.name:
            return None
        found = importlib.machinery.PathFinder.find_spec(name, path, target)
        return found and KeptLoaderSpec(name, found.loader, origin=found.origin)
