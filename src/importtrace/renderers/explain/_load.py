"""Notes on loads: a module's code run for the first time (its file, bytecode, timing, failure), and the
program's own __main__."""

from __future__ import annotations

import os

from ...trace._event import LoadEvent, ReloadEvent
from .._text import esc, took
from ._binding import BindingNotes
from ._bytecode import BytecodeNotes
from ._core import _BUILTIN_ORIGINS, Note, _no_parent, _same


class LoadNotes(BytecodeNotes, BindingNotes):
    """Notes for load events, __main__'s among them."""

    def _main(self, e: LoadEvent) -> list[Note]:
        out: list[Note] = []
        origin = e.origin
        target = self.program.get("target")
        target = target if isinstance(target, str) else ""
        if self.mode == "code" or not origin or origin in _BUILTIN_ORIGINS:
            out.append(
                Note(
                    "the program: the code given with -c runs as the module __main__, so "
                    '`__name__ == "__main__"` is true in it'
                )
            )
        else:
            file = os.path.basename(origin)
            stem = esc(file.rpartition(".")[0] or file)
            name = '__name__ == "__main__" is true in it, and false in every module it imports'
            if self.mode == "module" and target:
                real = self._module_name("__main__")
                package = real.rpartition(".")[0]
                parent = self.first_loads.get(package) if package else None
                ran = "python -m %s: " % esc(target)
                if parent is not None:
                    ran += "Python imported the package %s first (its __init__.py ran: see below), then " % esc(package)
                    ran += "ran %s" % self._file_of(origin, real)
                else:
                    ran += "Python ran %s" % self._file_of(origin, real)
                text = "%s as the module __main__, not as %s: %s; relative imports in it count from %s" % (
                    ran,
                    esc(real),
                    name,
                    esc(package) if package else "nothing (it is top-level)",
                )
            elif self.mode == "main":
                text = "Python ran %s as the module __main__: %s" % (self.facts.path(origin), name)
            else:
                text = "%s is the program: Python runs it as the module __main__, not as %s, so %s" % (
                    esc(file),
                    stem,
                    name,
                )
            out.append(Note(text))
        if e.error is not None:
            out.append(Note("the program stops with %s" % self.facts.error(e), True))
            if _no_parent(e):
                out.append(Note(self._no_parent_advice(e), True))
        elif e.duration is not None:
            out.append(Note(self._main_time(e, origin)))
        return out

    def _main_time(self, e: LoadEvent, origin: str | None) -> str:
        text = "the whole program took %s" % took(e.duration)
        compiled = self.program.get("compile")
        own = e.self_duration
        if own is None or (own == e.duration and not isinstance(compiled, int)):
            return text
        file = esc(os.path.basename(origin)) if origin and origin not in _BUILTIN_ORIGINS else "the code"
        parts = []
        if isinstance(compiled, int) and 0 <= compiled <= own:
            parts.append(
                "%s compiling %s (the file you run is compiled on every run, never cached)" % (took(compiled), file)
                if self.first("main compile")
                else "%s compiling it" % took(compiled)
            )
            parts.append("%s running its own code" % took(own - compiled))
        else:
            parts.append("%s in %s itself" % (took(own), file))
        if own != e.duration:
            parts.append("the rest in the imports below")
        text = "%s: %s" % (text, ", ".join(parts))
        if self.jargon and self.first("jargon self"):
            text += " (self, on the line above: the time in a module's own code, without its nested imports)"
        return text

    def _file_of(self, origin: str, module: str) -> str:
        """origin as 'shop/checkout.py' (the module's own folder and file)."""
        parts = module.split(".")
        base = os.path.basename(origin)
        if len(parts) > 1:
            return esc("/".join(parts[:-1]) + "/" + base)
        return esc(base)

    def _no_parent_advice(self, e: LoadEvent) -> str:
        """What to do about 'attempted relative import with no known parent package' in e."""
        if e.name == "__main__":
            file = esc(os.path.basename(e.origin or "")) or "the file"
            return (
                "%s ran as a script, which has no package, so its relative imports (from . import ...) fail. "
                "If it is part of a package, run it as a module of that package, from the folder that holds "
                "the package: python -m package.%s" % (file, esc(os.path.basename(e.origin or "module.py"))[:-3])
            )
        return (
            "%s is a top-level module (found directly in a sys.path folder, not in a package), so it has no "
            "package and its relative imports (from . import ...) fail: use absolute imports in it, or move it "
            "into a package" % esc(e.name)
        )

    def _load(self, e: LoadEvent) -> list[Note]:
        name = esc(e.name)
        if not e.observed:
            return [
                Note(
                    "%s appeared in sys.modules without an import the tracer could see: code put it there "
                    "(as os does for os.path), or a finder ahead of importtrace's loaded it" % name
                )
            ]
        if e.namespace or e.module_type == "namespace":
            if self.first("namespace load"):
                text = (
                    "a namespace package: Python makes an empty module whose __path__ lists its folders; with no "
                    "__init__.py, no code runs"
                )
            else:
                text = "a namespace package: no code to run"
            return [Note(text), *self._load_binding(e)]
        out: list[Note] = []
        twin = self._twin(e)
        if twin is not None:
            out.append(twin)
        bytecode, brief = self._bytecode(e)
        out.append(Note(self._ran(e, brief)))
        package = self._is_package(e)
        if package and self.first("package"):
            out.append(
                Note(
                    "%s is a package: its __init__.py runs first, before any of its submodules, which load only "
                    "when something imports them" % name
                )
            )
        elif not package and "." in e.name and e.error is None and e.duration is not None:
            parent, _, last = e.name.rpartition(".")
            if self.first("submodule"):
                out.append(
                    Note(
                        "a submodule: its package %s was imported first, and now %s is also the attribute %s of %s"
                        % (esc(parent), name, esc(last), esc(parent))
                    )
                )
        if bytecode is not None:
            out.append(bytecode)
        if e.lazy:
            out.append(Note("lazy: importlib.util.LazyLoader ran its code only when a name in it was first used"))
        if e.error is not None and _no_parent(e):
            out.append(Note(self._no_parent_advice(e), True))
        if e.error is not None:
            if self.first("failed load"):
                text = (
                    "its code raised %s, so the import failed: Python took %s out of sys.modules again, and a "
                    "later import starts over with a new search" % (self.facts.error(e), name)
                )
            else:
                text = "raised %s: the import failed, and %s was taken out of sys.modules" % (self.facts.error(e), name)
            out.append(Note(text, True))
        elif e.duration is None:
            out.append(Note("still running when the trace stopped", True))
        if e.replaced:
            out.append(Note("its code put another object into sys.modules under its name: importers get that object"))
        return out + self._load_binding(e)

    def _ran(self, e: LoadEvent, brief: str) -> str:
        """The first note of a load: a new module, and its code run (with where its bytecode came from, in
        a few words, once that has been explained)."""
        name = esc(e.name)
        kind = e.module_type or "unknown"
        file = self._file(e)
        timing = self._timing(e, brief)
        earlier = self.first_loads.get(e.name)
        if earlier is not None and earlier is not e and earlier.start < e.start:
            why = "the earlier one failed" if earlier.error is not None else "it was no longer in sys.modules"
            first = "imported again from scratch (%s)" % why
        else:
            first = "first import"
        if kind == "builtin":
            return "%s: a built-in module, made from the interpreter's own code (no file to run)" % first
        if kind == "extension":
            return (
                "%s: an extension module (compiled machine code, %s): Python loaded it and ran its initialisation%s"
                % (
                    first,
                    file or name,
                    timing,
                )
            )
        what = "its frozen code (stored inside the interpreter)" if kind == "frozen" else "%s" % (file or name)
        if self.first("load"):
            return "%s: Python made a new module object, added it to sys.modules and ran %s in it, top to bottom%s" % (
                first,
                what,
                timing,
            )
        if first == "first import":
            return "ran %s%s" % (what, timing)
        return "%s: ran %s%s" % (first, what, timing)

    def _timing(self, e: LoadEvent | ReloadEvent, brief: str = "") -> str:
        """' (1.2ms, 300us of it in its own code; brief)': the time, and the bytecode's origin in brief."""
        bits = []
        if e.duration is not None and e.error is None:
            if e.self_duration is not None and e.self_duration != e.duration:
                bits.append("%s, %s of it in its own code" % (took(e.duration), took(e.self_duration)))
            else:
                bits.append(took(e.duration))
        if brief:
            bits.append(brief)
        text = " (%s)" % "; ".join(bits) if bits else ""
        if self.jargon and e.self_duration != e.duration and e.duration is not None and self.first("jargon self"):
            text += ". self, on the line above: the time in the module's own code, without its nested imports"
        return text

    def _twin(self, e: LoadEvent) -> Note | None:
        """A module loaded from the same file as __main__: the top-level file imported by its own name."""
        main = self.main
        if main is None or not main.origin or not e.origin or main.origin in _BUILTIN_ORIGINS:
            return None
        if not _same(main.origin, e.origin):
            return None
        return Note(
            "%s is already running as __main__. Importing it by its file's name makes a second, separate module, "
            '%s, and runs its code again, this time with __name__ == %s, so its `if __name__ == "__main__":` '
            "block is skipped" % (esc(os.path.basename(e.origin)), esc(e.name), esc(repr(e.name))),
            True,
        )
