"""The source's shape, read from the files: no import cycles (imports inside functions count), each
layer imports only the layers below it, and no module grows past about 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "importtrace"

#: Bottom to top: a package may import its own modules and those of packages before it in this list.
LAYERS = ["trace", "record", "filters", "rules", "renderers", "run", "integrations"]
LONGEST = 420  # lines: "about 400"


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "__pycache__" in parts or "_crecord" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names[name] = path
    return names


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """importtrace modules that name imports anywhere in its source, by their full names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("importtrace"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("importtrace"):
                target = node.module
            else:
                continue
            for alias in node.names:
                full = target + "." + alias.name
                found.add(full if full in known else target)
    return {f for f in found if f in known and f != name}


def graph() -> dict[str, set[str]]:
    known = module_names()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_no_module_imports_itself_through_others() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_layers_import_only_downwards() -> None:
    wrong = []
    for name, targets in graph().items():
        mine = layer(name)
        if mine is None:
            continue
        for target in targets:
            theirs = layer(target)
            if theirs is not None and LAYERS.index(theirs) > LAYERS.index(mine):
                wrong.append("%s imports %s" % (name, target))
    assert sorted(wrong) == []


def test_renderers_never_import_the_recorder() -> None:
    edges = graph()
    assert (
        sorted(
            n
            for n, ts in edges.items()
            if n.startswith("importtrace.renderers") and any(t.startswith("importtrace.record") for t in ts)
        )
        == []
    )


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_names(tree: ast.Module) -> set[str]:
    """The _names a module defines that others could reach as attributes: its module-level and class-level
    names, and what its methods assign to self or cls.  A function's locals and arguments are nobody's
    attribute, an alias of something else's private (``_os = _external._os``) is not a definition, and an
    assignment to another object's attribute (``recording._t0 = 0``) is a use, not a definition."""
    found: set[str] = set()

    def bind(target: ast.AST, value: ast.AST | None) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and not (isinstance(value, ast.Attribute) and value.attr == node.id):
                found.add(node.id)

    def body(nodes: list[ast.stmt], in_class: bool) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
                if isinstance(node, ast.ClassDef):
                    body(node.body, True)
                elif in_class:  # a method: what it assigns to self/cls
                    for sub in ast.walk(node):
                        if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store):
                            if isinstance(sub.value, ast.Name) and sub.value.id in ("self", "cls"):
                                found.add(sub.attr)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                bind(node.target, node.value)
            elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("importtrace")):
                found.update(a.asname for a in node.names if a.asname)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):  # TYPE_CHECKING blocks and the like
                for field in ("body", "orelse", "finalbody"):
                    body(getattr(node, field, []), in_class)
                for handler in getattr(node, "handlers", []):
                    body(handler.body, in_class)

    body(tree.body, False)
    return {n for n in found if _private(n)}


def private_uses(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, name) of each _attribute this module reaches on something not a module it imported from the
    standard library (``sys._getframe`` is Python's, not a layer's): ``x._name``, read or written, and
    getattr/setattr/hasattr/delattr(x, "_name")."""
    stdlib = {
        a.asname or a.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for a in node.names
        if not a.name.startswith("importtrace")
    }
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in stdlib):
                uses.append((node.lineno, node.attr))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
            and not (isinstance(node.args[0], ast.Name) and node.args[0].id in stdlib)
        ):
            uses.append((node.lineno, node.args[1].value))
    return uses


def test_layers_use_each_other_only_through_public_names() -> None:
    """A layer may import another's modules, but takes from them only names without a leading
    underscore, and reaches no _attribute that only another layer defines (a Recording's _t0, say)."""
    known = module_names()
    trees = {name: ast.parse(path.read_text(), str(path)) for name, path in known.items()}
    defined: dict[str | None, set[str]] = {}
    for name, tree in trees.items():
        defined.setdefault(layer(name), set()).update(private_names(tree))
    wrong = []
    for name, tree in trees.items():
        mine = layer(name)
        package = name if known[name].name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("importtrace")):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    full = target + "." + alias.name
                    if layer(full) != mine and _private(alias.name):
                        wrong.append("%s:%d imports %s" % (name, node.lineno, full))
        for line, attr in private_uses(tree):
            others = {other for other, names in defined.items() if other != mine and attr in names}
            if others and attr not in defined.get(mine, set()):
                wrong.append("%s:%d uses %s of %s" % (name, line, attr, "/".join(sorted(map(str, others)))))
    assert sorted(wrong) == []


def test_every_module_is_short_enough_to_read() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in module_names().values()
        if (n := len(p.read_text().splitlines())) > LONGEST
    }
    assert long == {}


def test_the_folders_are_the_pipeline() -> None:
    top = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert top == sorted(LAYERS)
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_the_trace_queries_are_declared_on_what_holds_a_trace() -> None:
    """A Recording and the pytest fixture answer the Trace's queries; type checkers see them only when
    each is declared (trace/_queries.py), not reached through __getattr__."""
    from importtrace.integrations.pytest_plugin import ImportTrace
    from importtrace.record import Recording
    from importtrace.trace._queries import TraceQueries
    from importtrace.trace._trace import Trace

    internal = {"from_dicts", "from_records", "to_dicts", "records", "segments", "t0"}
    queries = {n for n in vars(Trace) if not n.startswith("_")} - internal
    assert sorted(queries - set(vars(TraceQueries))) == []
    assert issubclass(Recording, TraceQueries) and issubclass(ImportTrace, TraceQueries)
