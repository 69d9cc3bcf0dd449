"""Recording: the import hooks, and the recordings (traces in progress) that use them.

PYTEST_DONT_REWRITE

Two implementations of the hooks keep the same raw records (``importtrace.record._layout``): the compiled
one (``_crecord``, built when a C compiler is available) and the pure-Python one (``_pyrecord``,
``_pyfinder`` and ``_pyloader``), chosen once per process (``IMPORTTRACE_PURE=1`` forces the latter).  ``_install``
puts them in place, ``_session`` runs recordings on them, ``_export`` turns raw records into their
portable form.  The names below are the layer's interface: the library's ``trace``/``start``/``stop``,
and what the command line's process-side driver (``run/_child.py``) needs to hold, fork, stream and hand
over a recording.  Everything here imports only what the interpreter has loaded at start-up.
"""

from ._export import Lines, portable_one, stdlib_dir
from ._install import active, backend, compiled, copy_identity, is_finder
from ._policy import add_machinery
from ._session import (
    Recording,
    after_fork,
    as_texts,
    began,
    hold,
    portable_records,
    recorded_nothing,
    start,
    stop,
    trace,
)

__all__ = [
    "Lines",
    "Recording",
    "active",
    "add_machinery",
    "after_fork",
    "as_texts",
    "backend",
    "began",
    "compiled",
    "copy_identity",
    "hold",
    "is_finder",
    "portable_one",
    "portable_records",
    "recorded_nothing",
    "start",
    "stdlib_dir",
    "stop",
    "trace",
]
