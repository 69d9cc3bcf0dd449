"""The raw record: one tuple per event, the same from the compiled and the pure-Python hooks.

PYTEST_DONT_REWRITE

A record holds what the hooks observed and nothing derived: no line numbers (the code object and
instruction offset stand in), no self time, no nesting beyond the parent's id.  ``_export`` turns
records into their portable form (code objects replaced by ``"file:line"``), once.

Every record starts with the same ten fields; the rest depend on the kind.
"""

KIND, ID, PARENT, THREAD, T0, T1, NAME, CODE, LASTI, IMPORTER = range(10)
# CODE, LASTI: the asking frame's code object and instruction offset (None, -1 when unknown).  In
# the portable form they are the file name and the line (None, -1), and IMPORTER is a str or None.
# T1 is None while in flight.
# THREAD is a small number per thread, by first appearance (1: the thread that started recording).

# search: a finder consultation
S_REASON, S_PATH, S_FINDER, S_FOUND, S_ORIGIN, S_LOADER, S_PACKAGE, S_NAMESPACE, S_ERROR, S_AHEAD, S_DETAILS = range(
    10, 21
)
# load: creating and executing a module (CODE, LASTI, IMPORTER are those of its search, unless it had none)
L_SEARCH, L_ORIGIN, L_LOADER, L_TYPE, L_REPLACED, L_NAMESPACE, L_LAZY, L_OBSERVED, L_ERROR, L_DETAILS, L_ALIAS = range(
    10, 21
)
# L_ALIAS: for an entry that appeared in sys.modules without a load, the name of the module it is
# another name for, or "<TYPE>" for an object that is not a module
# hit: a module served from sys.modules
H_FROMLIST, H_LEVEL, H_VIA, H_PARTIAL, H_WAITED, H_MISSING, H_COUNT, H_ERROR, H_DETAILS = range(10, 19)
# H_ERROR: a request that sys.modules itself refused (None stored under the name)
# *_DETAILS: facts recorded only with --explain (``_policy``), a dict or None
# reload: importlib.reload and what it changed
R_SEARCH, R_ERROR, R_ADDED, R_REMOVED, R_REBOUND, R_UNCHANGED, R_STALE, R_DETAILS = range(10, 18)

SIZES = {"search": 21, "load": 21, "hit": 19, "reload": 18}
