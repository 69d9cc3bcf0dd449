"""Process-tree workload: a pool of 4 worker processes, each importing the stdlib-heavy workload once
(in the pool's initializer), then the main process importing it too.

    python pool_stdlib.py METHOD      # spawn, forkserver or fork

Prints one JSON line: each worker's and the main process's time to import stdlib_heavy, wall clock
(perf_counter_ns) and CPU (process_time_ns, less disturbed by other processes on a busy machine),
measured in the process itself, so that the recording's cost can be compared between a child process
and the main one.  The pool is closed and joined (not terminated): workers end normally.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
from typing import Any

WORKERS = 4


def timed_import(queue: Any) -> None:
    start, cpu = time.perf_counter_ns(), time.process_time_ns()
    import stdlib_heavy  # noqa: F401

    queue.put((time.perf_counter_ns() - start, time.process_time_ns() - cpu))


def noop(n: int) -> int:
    return n


def main() -> None:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    ctx = mp.get_context(sys.argv[1] if len(sys.argv) > 1 else "spawn")
    queue = ctx.Queue()
    pool = ctx.Pool(WORKERS, initializer=timed_import, initargs=(queue,))
    pool.map(noop, range(WORKERS))
    workers = [queue.get() for _ in range(WORKERS)]
    pool.close()
    pool.join()
    start, cpu = time.perf_counter_ns(), time.process_time_ns()
    import stdlib_heavy  # noqa: F401

    main = (time.perf_counter_ns() - start, time.process_time_ns() - cpu)
    print(json.dumps({"workers": workers, "main": main}))


if __name__ == "__main__":
    main()
