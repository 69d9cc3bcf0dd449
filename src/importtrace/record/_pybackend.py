"""The pure-Python hooks behind the interface the compiled ones have (``_crecord.Recorder``).

PYTEST_DONT_REWRITE

Like coverage.py's PyTracer and CTracer: ``_install`` and ``_session`` talk only to this interface,
so the two implementations are interchangeable and tested the same way.
"""

import _thread

from . import _export, _policy, _pyfinder, _pyloader, _pyrecord
from ._layout import H_COUNT, NAME

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType, ModuleType
    from typing import Any, Callable, Optional

    from _typeshed.importlib import MetaPathFinderProtocol

    from ._backend import ImportFunction, ImportModuleFunction, RawRecords, ReloadFunction, Sink


class PyRecorder:
    """The recorder state of the pure-Python hooks (module globals of _pyrecord, _pyfinder, _pyloader)."""

    name = "python"
    finder_type = _pyfinder.ImporttraceFinder

    def configure(self, clock: "Callable[[], int]", details: bool) -> None:
        _pyrecord.clock = clock
        _pyrecord.details = details

    def set_details(self, on: bool) -> None:
        _pyrecord.details = on

    def set_active(self, on: bool) -> None:
        _pyrecord.active = on

    def clock(self) -> int:
        return _pyrecord.clock()

    def import_hook(self, orig: "ImportFunction") -> "ImportFunction":
        _pyrecord._orig_import = orig
        return _pyrecord.import_hook

    def import_module_hook(self, orig: "ImportModuleFunction") -> "ImportModuleFunction":
        _pyrecord._orig_import_module = orig
        return _pyrecord.import_module_hook

    def reload_hook(self, orig: "ReloadFunction") -> "ReloadFunction":
        _pyloader._orig_reload = orig
        return _pyloader.reload_hook

    def new_finder(self, on_importlib: "Callable[[ModuleType], None]") -> "MetaPathFinderProtocol":
        _pyloader.on_importlib = on_importlib
        finder = _pyfinder.current = _pyfinder.ImporttraceFinder()
        return finder

    def finder(self) -> "Optional[MetaPathFinderProtocol]":
        return _pyfinder.current

    def watch(self, name: str, callback: "Optional[Callable[[Any], object]]") -> None:
        """Call callback(module) each time module name has loaded while recording (None: no longer)."""
        if callback is None:
            _pyloader.watch.pop(name, None)
        else:
            _pyloader.watch[name] = callback

    def redirect(self, orig: "Callable[..., Any]", before: "Callable[[tuple[Any, ...], Any], Any]") -> "Any":
        """orig, asking before(args, kwargs) first for new positional arguments (see _pyrecord.redirect)."""
        return _pyrecord.redirect(orig, before)

    def position(self) -> int:
        return len(_pyrecord.log)

    def new_id(self) -> int:
        return next(_pyrecord._ids)

    def take(self, start: int, stop: int, last: bool) -> "list[tuple[Any, ...]]":
        """The raw records log[start:stop], as tuples (hit counts read once, here)."""
        out = []
        for rec in _pyrecord.log[start:stop]:
            if rec[0] == "hit" and type(rec[H_COUNT]) is not int:
                rec = list(rec)
                rec[H_COUNT] = _pyrecord.count(rec[H_COUNT])
            out.append(tuple(rec))
        return out

    def loaded_names(self, records: "RawRecords") -> "set[str]":
        return {rec[NAME] for rec in records if rec[0] == "load"}

    def new_window(self) -> None:
        """Start counting hits in fresh records, so a trace that starts now sees its own first hits."""
        _pyrecord.sites.clear()
        _pyrecord._places.clear()
        _pyrecord._partials.clear()

    def after_fork(self) -> None:
        """In a forked child only the forking thread lives on: forget what the others had in progress."""
        tid = _thread.get_ident()
        _pyrecord._count_lock = _thread.allocate_lock()
        for table in (_pyrecord.stacks, _pyfinder._unanswered):
            for other in [t for t in table if t != tid]:
                del table[other]
        for name in [n for n, owner in _pyrecord.loading.items() if owner != tid]:
            del _pyrecord.loading[name]

    def reset(self) -> None:
        """Forget every record (when the last trace stops)."""
        R = _pyrecord
        self.new_window()
        R.details = False
        R.log = []
        for table in (R.notes, R.loading, R.stacks, R.threads, R.thread_names):
            table.clear()
        R.sink = None
        R.stream_fd = -1
        R._lines = _export.Lines()
        _pyfinder.reset()
        _pyloader.reset()

    def notes(self) -> "list[tuple[int, str, tuple[str, ...]]]":
        return _pyrecord.notes

    def note(self, code: str, data: "tuple[str, ...]") -> None:
        _pyrecord.note(code, *data)

    def thread_names(self) -> "dict[int, Optional[str]]":
        return dict(_pyrecord.thread_names)

    def thread_number(self, tid: int) -> int:
        return _pyrecord.thread_number(tid)

    def set_sink(self, sink: "Optional[Sink]") -> None:
        _pyrecord.sink = sink

    def stream_to(self, fd: "Optional[int]") -> None:
        """Append each record to the file fd as it ends (None or -1: no longer; written record by
        record, the file needs no cutting)."""
        _pyrecord.stream_fd = -1 if fd is None else fd

    def open_main(self) -> "Any":
        return _pyfinder.open_main()

    def close_main(self, handle: "Any", module: "Any", exc: "Optional[BaseException]") -> None:
        _pyfinder.close_main(handle, module, exc)

    def finders_ahead(self) -> "list[Any]":
        return _pyfinder.finders_ahead()

    def own_code(self) -> "set[CodeType]":
        """The code of the hooks' own functions, whose frames tracebacks shown to users leave out."""
        return {
            _pyrecord.import_hook.__code__,
            _pyrecord.import_module_hook.__code__,
            _pyloader.reload_hook.__code__,
            _pyfinder.ImporttraceFinder.find_spec.__code__,
            _pyloader._Legacy.load_module.__code__,
            _pyloader._ExecOnly.exec_module.__code__,
            _pyloader._Exec.create_module.__code__,
            _pyloader._Lazy.create_module.__code__,
            _pyloader._Lazy.exec_module.__code__,
            _pyloader._LazyExec.exec_module.__code__,
            _pyrecord.REDIRECTED_CODE,
        }


for _module in (_pyrecord, _pyfinder, _pyloader):  # the hooks' own frames are never the code that asked
    _policy.add_machinery(str(_module.__file__))
