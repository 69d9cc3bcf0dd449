"""Tracing must not change what the program loads: checked in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

BROAD = [
    "json",
    "re",
    "enum",
    "inspect",
    "argparse",
    "asyncio",
    "email.message",
    "importlib.metadata",
    "logging",
    "dataclasses",
    "typing",
    "decimal",
    "xml.dom.minidom",
    "http.client",
    "sqlite3",
    "collections",
    "functools",
    "threading",
    "subprocess",
    "tempfile",
    "zipfile",
    "csv",
    "pathlib",
    "unittest",
    "urllib.request",
    "string",
    "textwrap",
    "fractions",
    "statistics",
    "uuid",
]


def run(code: str, cwd: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_starting_a_trace_loads_nothing_but_importtrace(tmp_path: Path) -> None:
    result = run(
        """
        import sys, json
        before = set(sys.modules)
        import importtrace
        importtrace.start()
        after = set(sys.modules)
        importtrace.stop()
        print(json.dumps(sorted(after - before)))
        """,
        tmp_path,
    )
    assert result and all(m == "importtrace" or m.startswith("importtrace.") for m in result), result


def test_traced_program_loads_the_same_modules_as_untraced(tmp_path: Path) -> None:
    imports = "\n".join("import %s" % m for m in BROAD)
    untraced = run(
        """
        import sys
        before = set(sys.modules)
        %s
        import json as _json
        print(_json.dumps(sorted(set(sys.modules) - before)))
        """
        % imports.replace("\n", "\n        "),
        tmp_path,
    )
    traced = run(
        """
        import sys
        import importtrace
        before = set(sys.modules)
        importtrace.start()
        %s
        after = set(sys.modules)
        trace = importtrace.stop()
        import json as _json
        print(_json.dumps({"modules": sorted(after - before), "loaded": trace.loaded(),
                           "unobserved": [e.name for e in trace.events if e.kind == "load" and not e.observed],
                           "aliases": [e.name for e in trace.events if e.kind == "load" and e.alias]}))
        """
        % imports.replace("\n", "\n        "),
        tmp_path,
    )
    assert traced["modules"] == untraced
    # Trace.loaded() leaves out aliases: sys.modules entries that are another name for a module.
    assert sorted(traced["loaded"] + traced["aliases"]) == untraced
    # Only aliases that modules put into sys.modules themselves are not seen loading (os.path style).
    aliases = ("typing.io", "typing.re", "importlib._bootstrap", "importlib._bootstrap_external")
    assert all(name in aliases for name in traced["unobserved"]), traced["unobserved"]
    assert set(traced["aliases"]) <= set(aliases) and not set(traced["aliases"]) & set(traced["loaded"])


def test_no_site_interpreters_too(tmp_path: Path) -> None:
    """Under python -S even os is not loaded at start-up: importtrace must not load it either."""
    import importtrace

    src = str(Path(importtrace.__file__).resolve().parent.parent)
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, %r)
        before = set(sys.modules)
        import importtrace
        importtrace.start()
        after = set(sys.modules)
        import os
        trace = importtrace.stop()
        print(repr({"new": sorted(after - before), "loaded": trace.loaded()}))
        """
        % src
    )
    out = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    import ast

    result = ast.literal_eval(out.stdout.strip())
    assert all(m.split(".")[0] == "importtrace" for m in result["new"]), result["new"]
    assert "os" in result["loaded"]


def test_importlib_loaded_after_the_trace_started_is_wrapped_then(tmp_path: Path) -> None:
    result = run(
        """
        import sys, json
        preloaded = "importlib" in sys.modules
        import importtrace
        importtrace.start()
        import importlib
        importlib.import_module("colorsys")
        importlib.import_module("colorsys")
        trace = importtrace.stop()
        print(json.dumps({"preloaded": preloaded, "restored": importlib.import_module.__module__,
                          "hits": [(e.name, e.via, e.count) for e in trace.events if e.kind == "hit"
                                   and e.name == "colorsys"]}))
        """,
        tmp_path,
    )
    if result["preloaded"]:
        import pytest

        pytest.skip("this interpreter loads importlib at start-up")
    assert result["hits"] == [["colorsys", "import_module", 1]]
    assert result["restored"] == "importlib"
