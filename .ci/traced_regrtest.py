"""Run CPython's regression test runner with an importtrace trace active (library mode).

Usage: python .ci/traced_regrtest.py TRACE.jsonl [regrtest arguments...]
The trace is saved however regrtest exits, so the caller can check it really recorded.
"""

import sys

import importtrace

out = sys.argv.pop(1)
importtrace.start()
from test.libregrtest.main import main  # noqa: E402  (imported while tracing, like the tests)

sys.argv[0] = "traced-regrtest"
try:
    main()
finally:
    importtrace.stop().save(out)
