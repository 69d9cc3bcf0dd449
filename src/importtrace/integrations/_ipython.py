"""The IPython extension: ``%load_ext importtrace`` adds the ``%importtrace`` line magic and the
``%%importtrace`` cell magic, which run code traced and show how its modules were fetched.

    %importtrace --explain import json
    %%importtrace --explain --hide-stdlib
    import mymodule

They take the command line's report options (-f/--format, -o/--output, --color, --style, --explain,
the filters, --why) plus --all.  The report is HTML in Jupyter and text in a terminal.  Imports that
IPython itself makes while it runs the cell are left out (--all keeps them): they say nothing about
the cell.  Importing this module imports IPython; importtrace itself never does.
"""

from __future__ import annotations

import argparse
import ast
import html
import re
import shlex
import sys
from types import CodeType
from typing import Any, Callable, cast

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display as _display

from ..record import trace as recording_of
from ..renderers import RenderError, render
from ..run._options import UsageError as CommandUsageError
from ..run._options import parser as command_parser
from ..run._output import render_options, why_text, writable
from ..trace._anyevent import AnyEvent
from ..trace._trace import Trace

#: top-level packages whose own imports while running a cell are IPython's, not the cell's
MACHINERY = frozenset(
    {
        "IPython",
        "ipykernel",
        "traitlets",
        "jupyter_client",
        "jupyter_core",
        "zmq",
        "tornado",
        "comm",
        "debugpy",
        "prompt_toolkit",
        "matplotlib_inline",
        "stack_data",
        "executing",
        "pure_eval",
        "asttokens",
        "importtrace",
    }
)
#: IPython's display(), typed (its own signature is untyped in some versions)
show = cast("Callable[[Any], None]", _display)
_PROG = "%importtrace"
_USAGE = "%importtrace [options] statement   |   %%importtrace [options] (then the cell's code)"


class TraceReport:
    """What the magics display: the report as text (a terminal) and as HTML (Jupyter); ``trace`` is
    the Trace itself."""

    def __init__(self, trace: Trace, text: str, html_text: str) -> None:
        self.trace = trace
        self.text = text
        self.html = html_text

    def __repr__(self) -> str:
        return self.text.rstrip("\n")

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text.rstrip("\n"))

    def _repr_html_(self) -> str:
        return self.html


@magics_class
class ImporttraceMagics(Magics):
    """``%importtrace`` and ``%%importtrace``."""

    #: the report of the last traced cell, for a look at its Trace (``.trace``) afterwards
    last: TraceReport | None = None

    @line_cell_magic
    def importtrace(self, line: str, cell: str | None = None) -> Any:
        """Run a statement (%importtrace [options] statement) or a cell (%%importtrace [options]) traced,
        and show how its modules were searched, loaded, found in the cache and reloaded.

        Options as for `python -m importtrace`: -f/--format, -o/--output FILE, --color, --style, --explain,
        --include/--exclude PATTERN, --kind KIND, --min-duration MS, --depth N, --hide-stdlib, --hide-noise,
        --why MODULE; and --all: also show the imports IPython itself makes while it runs the code."""
        options, code = split_line(line, cell)
        ns = parse_options(options)
        if not code.strip():
            raise UsageError("nothing to trace: %s" % _USAGE)
        report, value = run(self.shell, code, ns)
        if report is not None:
            ImporttraceMagics.last = report
            show(report)
        return value


def parser() -> argparse.ArgumentParser:
    """The command line's parser for reports, as the magics take it (no program to run)."""
    p = command_parser("show")
    p.prog = _PROG
    p.usage = _USAGE
    p.description = "Run code traced and show how its modules were fetched."
    p.epilog = None
    p.add_argument("--all", action="store_true", help="also show the imports IPython makes while running the code")
    return p


def split_line(line: str, cell: str | None) -> tuple[list[str], str]:
    """The options and the code: for a cell, the whole line is options; for a line magic, options come
    first and the statement starts at the first word that is not one (or after --)."""
    if cell is not None:
        return _words(line), cell
    takes_value = {o for a in parser()._actions if a.nargs != 0 for o in a.option_strings}
    pos = 0
    words: list[str] = []
    expect_value = False
    for match in re.finditer(r"\S+", line):
        word = match.group()
        if expect_value:
            words.append(word)
            expect_value = False
        elif word == "--":
            pos = match.end()
            break
        elif word.startswith("-") and word != "-":
            words.append(word)
            expect_value = word in takes_value
        else:
            pos = match.start()
            break
        pos = match.end()
    return _words(" ".join(words)), line[pos:].strip()


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError("%s: %s" % (_PROG, exc)) from None


def parse_options(words: list[str]) -> argparse.Namespace:
    """The options, checked; IPython's UsageError (shown as one line) on a bad one."""
    try:
        ns = parser().parse_args(words)
    except CommandUsageError as exc:
        raise UsageError("%s: %s" % (_PROG, exc)) from None
    except SystemExit:  # --help or --version printed their text
        raise UsageError("%s: see the text above" % _PROG) from None
    return ns


def run(shell: Any, code: str, ns: argparse.Namespace) -> tuple[TraceReport | None, Any]:
    """Run code in the shell's namespace, traced; return the report to display (None when it went to a
    file, -o) and the value of the code's last expression, as a cell has."""
    try:
        output = writable(ns.output, "the report to") if ns.output else None
        options = render_options(ns, None if output else sys.stdout)
    except CommandUsageError as exc:
        raise UsageError("%s: %s" % (_PROG, exc)) from None
    compiled = compile_cell(shell, code)
    if compiled is None:
        return None, None
    value = None
    recording = recording_of(explain=bool(ns.explain) or ns.format == "story").start()
    try:
        value = execute(shell, *compiled)
    except SystemExit:
        recording.stop()
        shell.showtraceback(exception_only=True)
    except BaseException:  # the cell's own error: shown as IPython shows it, after the trace has stopped
        recording.stop()
        etype, error, tb = sys.exc_info()
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:  # start at the cell's frame
            tb = tb.tb_next
        shell.showtraceback((etype, error, tb), tb_offset=0)
    finally:
        recording.stop()
    trace = recording.trace if ns.all else cell_only(recording.trace)
    cells = cell_numbers(shell, trace)
    if cells:
        trace.header["cells"] = cells
    explained = EXPLAINED.setdefault(id(shell), set())  # a concept is explained in full once per session
    before = set(explained)
    try:
        text = render(trace, ns.format, **options, explained=explained)
        plain = text
        if options.get("color") or options.get("width") is not None:  # HTML wants neither
            plain = render(trace, ns.format, **dict(options, color=False, width=None, explained=before))
    except RenderError as exc:
        raise UsageError("%s: %s" % (_PROG, exc)) from None
    why = "".join(why_text(trace, module) for module in ns.why)
    if output:
        with open(output, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text + why)
        print("%s: wrote the %sreport to %s" % (_PROG, "" if ns.format == "auto" else ns.format + " ", output))
        return None, value
    if ns.format == "html":  # a page: in a terminal, say where to put it
        text = "%s: an HTML report of %d event%s; Jupyter shows it here, or write it to a file with -o FILE\n" % (
            _PROG,
            len(trace.events),
            "" if len(trace.events) == 1 else "s",
        )
    return TraceReport(trace, text + why, _html(plain, ns.format) + (_html(why, "text") if why else "")), value


def compile_cell(shell: Any, code: str) -> tuple[str, CodeType, CodeType | None] | None:
    """code as IPython compiles a cell (its magics and !commands transformed, registered for tracebacks):
    the body, and the last line apart when it is an expression whose value the cell shows.  None after
    showing a syntax error."""
    try:
        source = shell.transform_cell(code)
        filename = shell.compile.cache(source, shell.execution_count)
        tree = shell.transform_ast(shell.compile.ast_parse(source, filename=filename))
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = shell.compile(ast.Expression(tree.body.pop().value), filename, "eval")
        return filename, shell.compile(tree, filename, "exec"), last
    except (SyntaxError, OverflowError, ValueError):
        shell.showsyntaxerror()
        return None


def execute(shell: Any, filename: str, body: CodeType, last: CodeType | None) -> Any:
    """Run compiled cell code in the user's namespace; the value of its last expression, if any."""
    exec(body, shell.user_global_ns, shell.user_ns)
    return eval(last, shell.user_global_ns, shell.user_ns) if last is not None else None


def _html(text: str, format: str) -> str:
    """The report for Jupyter: the html format's page in a sandboxed frame, any other as escaped text."""
    if format == "html":
        return (
            '<iframe sandbox="allow-scripts" style="width:100%%;height:520px;border:1px solid #ccc" '
            'srcdoc="%s"></iframe>' % html.escape(text, quote=True)
        )
    return '<pre class="importtrace" style="font-size:12px;line-height:1.3">%s</pre>' % html.escape(text)


def cell_numbers(shell: Any, trace: Trace) -> dict[str, int]:
    """The cells the trace's places are in: their file name (as IPython compiled them) -> their number,
    so that the report says `In [3], line 2` as the prompt does."""
    known = getattr(getattr(shell, "compile", None), "_filename_map", None)
    if not isinstance(known, dict):
        return {}
    cells: dict[str, int] = {}
    for e in trace.events:
        file = e.file
        if file is not None and file not in cells and isinstance(known.get(file), int):
            cells[file] = known[file]
    return cells


def cell_only(trace: Trace) -> Trace:
    """The events of trace that the cell's code caused: without the imports IPython's own modules made
    while running it (and everything nested in them)."""
    dropped: set[int] = set()
    kept: list[AnyEvent] = []
    for e in trace.events:
        if (e.parent is not None and e.parent in dropped) or _machinery(e.importer):
            dropped.add(e.id)
        else:
            kept.append(e)
    if not dropped:
        return trace
    return Trace(kept, trace.header)


def _machinery(importer: str | None) -> bool:
    return importer is not None and importer.partition(".")[0] in MACHINERY


#: per shell (by id): the concepts its reports have explained in full, and the sys.path they listed
EXPLAINED: dict[int, set[str]] = {}


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext importtrace``: registers the magics."""
    EXPLAINED.pop(id(ipython), None)
    ipython.register_magics(ImporttraceMagics)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext importtrace``: removes the magics again."""
    manager = ipython.magics_manager
    for kind in ("line", "cell"):
        manager.magics[kind].pop("importtrace", None)
    manager.registry.pop(ImporttraceMagics.__name__, None)
