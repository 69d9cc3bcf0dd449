"""Notes on bytecode: where a module's code came from (a .pyc, or compiled from source) and whether the cache
file was written, as the trace observed it (shared by the load and reload notes)."""

from __future__ import annotations

import os

from ...trace._event import LoadEvent, ReloadEvent
from .._text import esc
from ._core import Note, NotesBase, _same


class BytecodeNotes(NotesBase):
    """Where a loaded or reloaded module's bytecode came from."""

    def _pyc(self, e: LoadEvent | ReloadEvent, origin: str | None = None) -> str:
        """Where the cache file is, said briefly: __pycache__/x.pyc next to the source, else its path."""
        pyc = e.pyc or ""
        origin = origin or (e.origin if e.kind == "load" else None) or ""
        folder = os.path.dirname(pyc)
        if (
            origin
            and os.path.basename(folder) == "__pycache__"
            and _same(os.path.dirname(folder), os.path.dirname(origin))
        ):
            return "__pycache__/" + esc(os.path.basename(pyc))
        prefix = self.trace.header.get("pycache_prefix")
        where = self.facts.path(pyc)
        if isinstance(prefix, str) and prefix and pyc.startswith(os.path.join(prefix, "")):
            return "%s (under sys.pycache_prefix, set by PYTHONPYCACHEPREFIX or -X pycache_prefix)" % where
        return where

    def _bytecode(self, e: LoadEvent | ReloadEvent, origin: str | None = None) -> tuple[Note | None, str]:
        """Where the module's code came from, and whether a cache file was written, as observed: a note (in
        full the first time, and for anything to watch out for), else a few words for the load's note."""
        bytecode = e.bytecode
        file = self._file(e, origin) or "the source"
        if bytecode is None:
            return None, ""
        if bytecode == "bytecode":
            return Note("no source file, only a compiled .pyc: Python runs that bytecode as it is"), ""
        recorded = e.pyc is not None  # without a cache path only the decision was recorded
        pyc = self._pyc(e, origin) if recorded else "__pycache__"
        if bytecode == "cached":
            if e.source_newer:
                return (
                    Note(
                        "Python ran the OLD bytecode in %s: %s was modified after that file was written, but in "
                        "the same second and to the same size, and Python's check compares only the modification "
                        "time (in whole seconds) and the size, so it does not see the edit" % (pyc, file),
                        True,
                    ),
                    "",
                )
            if e.pyc_check == "unchecked":
                text = (
                    "bytecode from %s, used without looking at %s (an unchecked hash-based .pyc): an edit of %s is "
                    "not run until that file is rebuilt" % (pyc, file, file)
                )
                return Note(text), ""
            if e.pyc_check == "hash":
                return Note("bytecode from %s: the hash of %s's text it records still matches" % (pyc, file)), ""
            if not recorded:
                return Note("bytecode from __pycache__ (it passed Python's check against %s)" % file), ""
            if self.first("cached"):
                text = (
                    "bytecode from %s: it records %s's modification time and size, both still the same, so "
                    "nothing was compiled" % (pyc, file)
                )
                return Note(text), ""
            return None, "bytecode from %s" % pyc
        if bytecode == "stale":
            if not recorded:
                text = (
                    "the __pycache__ file no longer passed Python's check against %s, so Python compiled it again"
                    % file
                )
            elif e.pyc_check == "hash":
                text = "%s records another hash of %s's text, so Python compiled %s again" % (pyc, file, file)
            else:
                text = (
                    "%s records another modification time or size for %s than it has now, so Python compiled %s again"
                    % (
                        pyc,
                        file,
                        file,
                    )
                )
            written, trouble = self._written(e, True, origin)
            return Note(text + written, trouble), ""
        if bytecode != "compiled":
            return None, ""
        written, trouble = self._written(e, self.first("compiled %s" % e.pyc_write), origin)
        if trouble or self.first("compiled"):
            where = (
                "__pycache__ file"
                if not e.pyc or os.path.basename(os.path.dirname(e.pyc)) == "__pycache__"
                else "cache file"
            )
            return Note("no %s yet, so Python compiled %s to bytecode%s" % (where, file, written), trouble), ""
        return None, "compiled%s" % written

    def _written(self, e: LoadEvent | ReloadEvent, full: bool, origin: str | None = None) -> tuple[str, bool]:
        """What happened to new bytecode: saved or not (and why, when known); and whether to warn."""
        write = e.pyc_write
        pyc = self._pyc(e, origin)
        if write == "written":
            return (" and saved it as %s, for the next run" % pyc if full else ", saved %s" % pyc), False
        if write == "disabled" or (write is None and e.pyc is None and self.trace.header.get("dont_write_bytecode")):
            if full:
                return (
                    "; it did not save it: sys.dont_write_bytecode is set (PYTHONDONTWRITEBYTECODE or python -B)",
                    False,
                )
            return ", not saved: PYTHONDONTWRITEBYTECODE", False
        if write == "read-only":
            return (
                "; it tried to save it as %s, but that folder is read-only, so no file was written (Python ignores "
                "that, and compiles again next time)" % pyc,
                True,
            )
        if write == "failed":
            return (
                "; it tried to save it as %s, but no file was written (Python ignores that, and compiles again next "
                "time)" % pyc,
                True,
            )
        return "", False
