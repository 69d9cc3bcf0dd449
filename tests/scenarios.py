"""Recorder scenarios, run in a fresh interpreter by tests/test_backends.py, once with each hook
implementation: ``python scenarios.py DIR`` writes real packages into DIR, traces each scenario with a
fake clock, and prints one JSON object: scenario name -> the trace's portable records and notes.  The
two implementations must print the very same thing (ids and clock readings included).

Not a test module itself (no test_ prefix): it must run in a process of its own, so that both runs
start from the same empty state.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import itertools
import json
import os
import py_compile
import shutil
import sys
import textwrap
import zipfile
from typing import Any, Callable

sys.dont_write_bytecode = True  # both runs compile the same sources afresh

from odd_specs import KeptLoaderFinder  # noqa: E402  (this script's folder is sys.path[0])

import importtrace  # noqa: E402

FILES = {
    "plain.py": "VALUE = 1\n",
    "pkg/__init__.py": "from . import sub\nfrom .sub import THING\n__all__ = ['sub', 'leaf']\n",
    "pkg/sub.py": "THING = 2\nimport os.path\nimport os.path as p\nfrom os import sep, path\n",
    "pkg/leaf.py": "from . import sub as again\nfrom .sub import THING\nimport plain\n",
    "pkg/deep/__init__.py": "",
    "pkg/deep/er.py": "from .. import sub\nfrom ..sub import THING\nfrom . import __name__ as n\n",
    "ns_a/nspkg/one.py": "X = 1\n",
    "ns_b/nspkg/two.py": "from nspkg import one\n",
    "fails.py": "import plain\nraise RuntimeError('boom')\n",
    "cyc_a.py": "import cyc_b\nA = 1\n",
    "cyc_b.py": "import cyc_a\ntry:\n    from cyc_a import A\nexcept ImportError:\n    pass\n",
    "selfpkg/__init__.py": "from selfpkg import part\n",
    "selfpkg/part.py": "import selfpkg\n",
    "conf.py": "import os\nCOLOR = 'red'\nOLD = 1\n",
    "user.py": "from conf import COLOR\n",
    "lazy_used.py": "import plain\nV = 7\n",
    "lazy_unused.py": "V = 8\n",
    "replacer.py": "import sys\nsys.modules[__name__] = 42\n",
    "vanisher.py": "import sys\ndel sys.modules[__name__]\n",
    "legacy_mod.py": "L = 1\n",
    "star.py": "from pkg import *\n",
    # parts whose code is the same, each importing the package still initialising: the first part's code
    # is freed before the next one runs, which often gets its address (each is a circular import of its own)
    "twins/__init__.py": "".join("import twins.t%d\n" % i for i in range(12)),
    **{"twins/t%d.py" % i: "import twins\n" for i in range(12)},
    "starmiss.py": "__all__ = ['A']\nA = 1\nB = 2\n",
    "starpkg/__init__.py": "PUBLIC = 1\n_private = 2\n",
    "starpkg/loaded.py": "",
    "starpkg/left.py": "",
    "pyc/fresh.py": "X = 1\n",
    "pyc/edited.py": "COLOR = 'red'\n",
    "pyc/hashed.py": "H = 1\n",
    "kept_loader.py": "K = 1\n",
    "after_notes.py": "",
    "pyc/unchecked.py": "U = 1\n",
    "pyc/blocked/mod.py": "B = 1\n",
    "pyc/prefixed.py": "P = 1\n",
}


def scenario_plain() -> None:
    import plain  # noqa: F401
    import plain as again  # noqa: F401
    from plain import VALUE  # noqa: F401


def scenario_packages() -> None:
    import pkg.deep.er
    import pkg.leaf  # noqa: F401
    import star  # noqa: F401


def scenario_namespace() -> None:
    import nspkg.two  # noqa: F401


def scenario_zip() -> None:
    import zipped_mod  # noqa: F401


def scenario_failures() -> None:
    for name in ("fails", "no_such_module", "pkg.no_such_sub"):
        try:
            importlib.import_module(name)
        except Exception:
            pass
    try:
        from pkg import no_such_name  # type: ignore[attr-defined]  # noqa: F401
    except ImportError:
        pass


def scenario_cycles() -> None:
    import cyc_a  # noqa: F401
    import selfpkg  # noqa: F401


def scenario_star_first_import() -> None:
    import starpkg.loaded  # noqa: F401

    exec("from starmiss import *", {})  # not loaded yet: what * binds goes on its load
    exec("from starpkg import *", {})  # a package without __all__: left.py is left out


def scenario_pyc() -> None:
    """Bytecode caches written, reused, stale, hash-based, unwritable and elsewhere (pycache_prefix);
    every time set by hand, so that both runs see the very same decisions."""
    folder = os.path.join(ROOT, "pyc")
    sys.dont_write_bytecode = False
    second = 1_700_000_000_000_000_000
    try:
        for name in ("fresh", "edited"):
            os.utime(os.path.join(folder, name + ".py"), ns=(second + 100, second + 100))
        import edited
        import fresh  # noqa: F401  compiled, and the cache written

        cache = importlib.util.cache_from_source(edited.__file__)
        os.utime(cache, ns=(second + 200, second + 200))
        with open(edited.__file__, "w") as f:
            f.write("COLOR = 'blu'\n")  # the same size
        os.utime(edited.__file__, ns=(second + 300, second + 300))  # the same second, after the cache
        importlib.reload(edited)  # cached: the old code runs
        with open(edited.__file__, "w") as f:
            f.write("COLOR = 'green'\n")
        importlib.reload(edited)  # stale: compiled again
        for name, mode in (("hashed", "CHECKED_HASH"), ("unchecked", "UNCHECKED_HASH")):
            source = os.path.join(folder, name + ".py")
            py_compile.compile(source, invalidation_mode=getattr(py_compile.PycInvalidationMode, mode))
        import hashed  # noqa: F401
        import unchecked  # noqa: F401

        with open(os.path.join(folder, "blocked", "__pycache__"), "w") as f:
            f.write("a file where the cache folder would go")
        importlib.import_module("blocked.mod")  # compiled, the cache cannot be written
        sys.pycache_prefix = os.path.join(ROOT, "prefix")
        import prefixed  # noqa: F401  written under the prefix
    finally:
        sys.dont_write_bytecode = True
        sys.pycache_prefix = None


def scenario_calls() -> None:
    for _ in range(3):
        importlib.import_module("plain")
        importlib.import_module(".sub", "pkg")
        __import__(name="pkg", fromlist=["sub"])
        __import__("os", globals(), None, ["path"], 0)
    for _ in range(30):  # a hot loop: one record, counted
        import json  # noqa: F401


def scenario_blocked() -> None:
    sys.modules["blocked_mod"] = None  # type: ignore[assignment]
    for _ in range(2):
        try:
            import blocked_mod  # noqa: F401
        except ImportError:
            pass
    del sys.modules["blocked_mod"]


def scenario_reload() -> None:
    import conf
    import user  # noqa: F401

    with open(os.path.join(ROOT, "conf.py"), "w") as f:
        f.write("import os\nCOLOR = 'blue'\nNEW = 2\n")  # a new code object, maybe at the old one's address
    importlib.invalidate_caches()
    importlib.reload(conf)
    sys.modules.pop("kept_for_reload", None)


def scenario_lazy() -> None:
    class LazyFinder:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if not name.startswith("lazy_"):
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            assert spec is not None and spec.loader is not None
            spec.loader = importlib.util.LazyLoader(spec.loader)
            return spec

    finder = LazyFinder()
    sys.meta_path.insert(0, finder)
    try:
        with importtrace.trace(clock=CLOCK) as t:
            import lazy_unused  # noqa: F401
            import lazy_used

            lazy_used.V  # noqa: B018
    finally:
        sys.meta_path.remove(finder)
    RESULTS["lazy"] = dump(t.trace)


def scenario_probes() -> None:
    importlib.util.find_spec("colorsys")
    importlib.util.find_spec("no_such_probe")


def scenario_exec_loop() -> None:
    for _ in range(20):
        exec("import plain")


def scenario_extension() -> None:
    import _elementtree  # noqa: F401  (its C code imports copy and xml.etree.ElementPath while it loads)


def scenario_odd_entries() -> None:
    import replacer  # noqa: F401

    try:
        import vanisher  # noqa: F401
    except (KeyError, ImportError):
        pass
    sys.modules["an_alias"] = sys.modules["plain"]
    sys.modules["not_a_module"] = object()  # type: ignore[assignment]


def scenario_cleanup_odd() -> None:
    for name in ("an_alias", "not_a_module"):
        sys.modules.pop(name, None)


def scenario_legacy() -> None:
    class Legacy:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if name != "legacy_mod":
                return None
            return importlib.util.spec_from_loader(name, self)

        def load_module(self, name: str) -> Any:
            module = importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec(name))  # type: ignore[arg-type]
            sys.modules[name] = module
            return module

    finder = Legacy()
    sys.meta_path.insert(1, finder)
    try:
        import legacy_mod  # noqa: F401
    finally:
        sys.meta_path.remove(finder)


def scenario_identical_parts() -> None:
    import twins  # noqa: F401


def scenario_nested() -> None:
    with importtrace.trace() as inner:
        import pkg.sub  # noqa: F401
    RESULTS["nested-inner"] = dump(inner.trace)


class AheadFinder:
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        return None


def scenario_notes() -> None:
    """What the trace must admit to, noted the same by both: a finder ahead of ours, a spec that
    refuses the loader proxy, a stream whose writer fails, importlib.reload replaced by another tool,
    our finder taken out of sys.meta_path."""
    import importlib as lib

    from importtrace.record import backend

    def broken_sink(record: Any, began: bool) -> None:
        raise OSError("the pipe is gone")

    own_reload = lib.reload
    with importtrace.trace(clock=CLOCK) as t:
        sys.meta_path.insert(0, AheadFinder())
        sys.meta_path.insert(2, KeptLoaderFinder("kept_loader"))
        import kept_loader  # noqa: F401

        backend.set_sink(broken_sink)
        import after_notes  # noqa: F401

        backend.set_sink(None)
        lib.reload = lambda module: module
        del sys.meta_path[:3]
    lib.reload = own_reload
    RESULTS["notes"] = dump(t.trace)


def dump(trace: importtrace.Trace) -> dict[str, Any]:
    records = [list(r) for r in trace.records() or []]
    for r in records:
        for i, value in enumerate(r):
            if isinstance(value, (tuple, set, frozenset)):
                r[i] = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return {"records": records, "notes": trace.notes, "hooks": trace.header.get("hooks")}


ROOT = ""
CLOCK: Callable[[], int] = itertools.count(0, 1000).__next__
RESULTS: dict[str, Any] = {}


def main() -> None:
    global ROOT
    ROOT = sys.argv[1]
    shutil.rmtree(ROOT, ignore_errors=True)
    for rel, text in FILES.items():
        path = os.path.join(ROOT, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
    with zipfile.ZipFile(os.path.join(ROOT, "bundle.zip"), "w") as z:
        z.writestr("zipped_mod.py", "import plain\nZ = 1\n")
    sys.path[:0] = [
        ROOT,
        os.path.join(ROOT, "ns_a"),
        os.path.join(ROOT, "ns_b"),
        os.path.join(ROOT, "bundle.zip"),
        os.path.join(ROOT, "pyc"),
    ]
    explain = sys.argv[2:] == ["explain"]
    for name, func in list(globals().items()):
        if not name.startswith("scenario_"):
            continue
        if name in ("scenario_lazy", "scenario_notes"):
            func()
            continue
        with importtrace.trace(clock=CLOCK, explain=explain) as t:
            func()
        RESULTS[name[len("scenario_") :]] = dump(t.trace)
    print(json.dumps(RESULTS, sort_keys=True))


if __name__ == "__main__":
    main()
