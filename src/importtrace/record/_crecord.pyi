"""The compiled import hooks (record/_crecord/*.c): the interface of _pybackend.PyRecorder, and more."""

from types import ModuleType

from ._backend import Backend, Record

class Recorder(Backend):
    def __init__(self, policy: ModuleType) -> None: ...
    def resolve(self, records: list[Record]) -> list[Record]:
        """The portable form of raw records (faster than _export.portable)."""
    def machinery_changed(self) -> None:
        """Forget the machinery cache (called by _policy.add_machinery)."""
