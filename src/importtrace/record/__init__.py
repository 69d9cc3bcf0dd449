"""Recording: the import hooks, and the recordings (traces in progress) that use them.

PYTEST_DONT_REWRITE

Two implementations of the hooks keep the same raw records (``importtrace.record._layout``): the compiled
one (``_crecord``, built when a C compiler is available) and the pure-Python one (``_pyrecord``,
``_pyfinder`` and ``_pyloader``), chosen once per process (``IMPORTTRACE_PURE=1`` forces the latter).  ``_install``
puts them in place, ``_session`` runs recordings on them, ``_export`` turns raw records into their
portable form.  Everything here imports only what the interpreter has loaded at start-up.
"""

from ._install import active, backend, compiled, is_finder
from ._policy import add_machinery
from ._session import Recording, start, stop, trace

__all__ = ["Recording", "active", "add_machinery", "backend", "compiled", "is_finder", "start", "stop", "trace"]
