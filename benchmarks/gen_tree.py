"""Generate workload 1: a deterministic tree of about 2,000 small modules in nested packages.

Layout: ``bt/pNN/qNN/mNN.py`` (10 x 10 x 19 = 1,900 leaves, 111 packages and ``bt._all``: 2,012
modules).  ``bt/_all.py`` imports every leaf in a fixed order, so each leaf's own 12 import
statements (every statement form: ``import a.b``, ``import a.b as x``, ``from a import b``,
``from . import x``, ``from .x import y``, ``from ..y import z``, ``from ... import p``) all name
modules loaded before it: 22,800 cache hits, each from its own statement, plus 2,011 searches and loads.
The tree's ``main.py`` is one line, so that compiling the script (never cached) costs next to nothing.

Files are only rewritten when their content changes, so compiled bytecode stays valid between runs.
Run it directly to (re)generate: ``python benchmarks/gen_tree.py [DIR]``.
"""

from __future__ import annotations

import os
import random
import sys

ROOT = "bt"
TOPS = 10  # bt.p00 .. bt.p09
SUBS = 10  # bt.pNN.q00 .. q09
LEAVES = 19  # bt.pNN.qNN.m00 .. m18
SEED = 20240607  # any fixed number: the tree depends only on this and the sizes above


def _p(i: int) -> str:
    return "p%02d" % i


def _q(j: int) -> str:
    return "q%02d" % j


def _m(k: int) -> str:
    return "m%02d" % k


def leaf_names() -> list[str]:
    """Every leaf module, in the order bt._all imports them."""
    return [f"{ROOT}.{_p(i)}.{_q(j)}.{_m(k)}" for i in range(TOPS) for j in range(SUBS) for k in range(LEAVES)]


def _leaf_source(i: int, j: int, k: int, loaded: list[tuple[int, int, int]], rng: random.Random) -> str:
    """Twelve imports of modules already loaded when leaf (i, j, k) runs, one per statement form."""

    def earlier() -> tuple[int, int, int]:
        return loaded[rng.randrange(len(loaded))] if loaded else (i, j, k)

    a = earlier()
    b = earlier()
    c = earlier()
    d = earlier()
    lines = [f'"""Generated leaf {ROOT}.{_p(i)}.{_q(j)}.{_m(k)}: twelve imports of already-loaded modules."""', ""]
    if loaded:
        lines.append(f"import {ROOT}.{_p(a[0])}.{_q(a[1])}.{_m(a[2])}")  # absolute, dotted
        lines.append(f"import {ROOT}.{_p(b[0])}.{_q(b[1])}.{_m(b[2])} as _b")  # absolute with as
        lines.append(f"from {ROOT}.{_p(c[0])}.{_q(c[1])} import {_m(c[2])}")  # from package import module
    else:  # the very first leaf: only the packages above it are loaded
        lines.append(f"import {ROOT}.{_p(i)}.{_q(j)}")
        lines.append(f"import {ROOT}.{_p(i)} as _b")
        lines.append(f"from {ROOT}.{_p(i)} import {_q(j)}")
    lines.append(f"from {ROOT}.{_p(d[0])} import {_q(d[1])}")  # from package import subpackage
    lines.append(f"from {ROOT} import {_p(rng.randrange(i + 1))}")  # from the root
    if k:
        sib = rng.randrange(k)
        lines.append(f"from . import {_m(sib)}")  # relative, sibling module
        lines.append(f"from .{_m(rng.randrange(k))} import VALUE")  # relative, name from a sibling
    else:
        lines.append("from . import VALUE")  # relative, name from the package
        lines.append("from . import __name__ as _pkg")
    if j:
        lines.append(f"from ..{_q(rng.randrange(j))} import {_m(rng.randrange(LEAVES))}")  # parent's other child
    else:
        lines.append(f"from .. import {_q(0)}")
    lines.append(f"from ... import {_p(rng.randrange(i + 1))}")  # three levels up
    lines.append("import os")  # modules every interpreter has loaded at start-up
    lines.append("from os import path")
    lines.append("import sys as _sys")
    lines += [
        "",
        f"VALUE = {(i * SUBS + j) * LEAVES + k}",
        "",
        "",
        "def value() -> int:",
        "    return VALUE",
        "",
    ]
    return "\n".join(lines)


def generate() -> dict[str, str]:
    """Relative path -> file content for the whole tree (deterministic)."""
    rng = random.Random(SEED)
    files: dict[str, str] = {}
    files["main.py"] = f'"""Workload 1: load the generated tree."""\nimport {ROOT}._all  # noqa: F401\n'
    files[f"{ROOT}/__init__.py"] = '"""Generated tree root."""\nVALUE = -1\n'
    files[f"{ROOT}/_all.py"] = '"""Import every leaf, in order."""\n\n' + "".join(
        f"import {name}\n" for name in leaf_names()
    )
    loaded: list[tuple[int, int, int]] = []
    for i in range(TOPS):
        files[f"{ROOT}/{_p(i)}/__init__.py"] = f'"""Generated package {ROOT}.{_p(i)}."""\nVALUE = {i}\n'
        for j in range(SUBS):
            files[f"{ROOT}/{_p(i)}/{_q(j)}/__init__.py"] = (
                f'"""Generated package {ROOT}.{_p(i)}.{_q(j)}."""\nVALUE = {i * SUBS + j}\n'
            )
            for k in range(LEAVES):
                files[f"{ROOT}/{_p(i)}/{_q(j)}/{_m(k)}.py"] = _leaf_source(i, j, k, loaded, rng)
                loaded.append((i, j, k))
    return files


def write_tree(directory: str) -> tuple[int, int]:
    """Write the tree under directory, touching only files whose content changed.
    Returns (number of modules, number of files rewritten)."""
    files = generate()
    changed = 0
    for rel, text in files.items():
        path = os.path.join(directory, *rel.split("/"))
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        changed += 1
    modules = sum(1 for rel in files if rel.startswith(ROOT + "/"))
    return modules, changed


def import_statements() -> int:
    """How many import statements the leaves run (each exactly once)."""
    return sum(text.count("\nimport ") + text.count("\nfrom ") for rel, text in generate().items() if "/m" in rel)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "work", "tree")
    n, changed = write_tree(target)
    print(f"{target}: {n} modules ({changed} files written), {import_statements()} import statements in the leaves")
