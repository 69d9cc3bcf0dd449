"""The compiled import hooks (record/_crecord/*.c): the interface of _pybackend.PyRecorder."""

from types import ModuleType
from typing import Any

class Recorder:
    name: str
    finder_type: type
    def __init__(self, policy: ModuleType) -> None: ...
    def __getattr__(self, name: str) -> Any: ...
