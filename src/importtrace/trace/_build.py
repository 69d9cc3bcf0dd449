"""Events made from what the recorder kept: portable records (``build``) and serialised dicts
(``_event_from_dict``, type-checked), and the self time derived for loads.

PYTEST_DONT_REWRITE

Module-level imports are limited to what the interpreter has at start-up (see ``_trace``).
"""

from ._event import _CLASSES, _DEFAULTS, COMMON_FIELDS, KIND_FIELDS, HitEvent, LoadEvent, ReloadEvent, SearchEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Optional, Union

    from ._anyevent import AnyEvent


def _fill_self_durations(events: "Sequence[AnyEvent]") -> None:
    """Self time of loads and reloads: their duration minus their nested searches, loads and reloads.
    A value already present is kept: a filtered trace keeps the self time of the full one."""
    nested: "dict[int, int]" = {}
    for e in events:
        if e.kind != "hit" and e.parent is not None and e.duration is not None:
            nested[e.parent] = nested.get(e.parent, 0) + e.duration
    for e in events:
        if (e.kind == "load" or e.kind == "reload") and e.self_duration is None and e.duration is not None:
            e.self_duration = max(0, e.duration - nested.get(e.id, 0))


def build(
    records: "Optional[list[tuple[Any, ...]]]",
    t0: int,
    asked: "Optional[dict[int, tuple[Any, Any]]]" = None,
    pid: "Optional[int]" = None,
) -> "list[AnyEvent]":
    """Events from portable records (see importtrace.record._layout), all of process ``pid``.  ``asked`` maps
    search ids to their (where, importer), which a load takes from its search: pass the same dict to
    build in pieces."""
    if not records:
        return []
    new = object.__new__
    out: "list[AnyEvent]" = []
    append = out.append
    if asked is None:
        asked = {}
    e: "AnyEvent"
    for r in records:
        kind = r[0]
        where = None if r[7] is None else "%s:%d" % (r[7], r[8])
        importer = r[9]
        if kind == "hit":
            e = new(HitEvent)
            e.fromlist, e.level, e.via, e.partial, e.waited = list(r[10]), r[11], r[12], r[13], r[14]
            e.missing = None if r[15] is None else list(r[15])
            e.count, e.error = r[16], _error(r[17])
            _hit_details(e, r[18])
        elif kind == "search":
            e = new(SearchEvent)
            e.reason, e.finder, e.found, e.origin, e.loader = r[10], r[12], r[13], r[14], r[15]
            e.path = None if r[11] is None else list(r[11])
            e.package, e.namespace, e.error = r[16], r[17], _error(r[18])
            e.ahead = None if r[19] is None else list(r[19])
            details = r[20] or {}
            e.shadows, e.sys_path = details.get("shadows"), _list(details.get("sys_path"))
            e.namespace_path, e.statement = _list(details.get("namespace_path")), details.get("statement")
            asked[r[1]] = where, importer
        elif kind == "load":
            e = new(LoadEvent)
            e.search, e.origin, e.loader, e.module_type = r[10], r[11], r[12], r[13]
            e.replaced, e.namespace, e.lazy, e.observed, e.error = r[14], r[15], r[16], r[17], _error(r[18])
            _load_details(e, r[19])
            e.alias = r[20]
            e.unfinished = r[5] is None and r[17]
            if e.search is not None and where is None and importer is None:
                where, importer = asked.get(e.search, (None, None))
            e.self_duration = None
        else:
            e = new(ReloadEvent)
            e.search, e.error = r[10], _error(r[11])
            e.added, e.removed, e.rebound, e.unchanged, e.stale = (list(x or ()) for x in r[12:17])
            _load_details(e, r[17])
            e.self_duration = None
        e.id, e.kind, e.parent, e.thread, e.name, e.importer, e.where = r[1], kind, r[2], r[3], r[6], importer, where
        e.start = r[4] - t0
        e.duration = None if r[5] is None else r[5] - r[4]
        e.pid = pid
        append(e)
    return out


def _load_details(e: "Union[LoadEvent, ReloadEvent]", details: "Optional[dict[str, Any]]") -> None:
    """A load's or reload's --explain facts (see record._policy.load_details and star_details)."""
    if not details:
        e.bytecode = e.pyc = e.pyc_check = e.source_newer = e.pyc_write = None
        if isinstance(e, LoadEvent):
            e.star = e.star_all = e.star_skipped = None
        return
    get = details.get
    e.bytecode, e.pyc, e.pyc_check, e.source_newer = get("bytecode"), get("pyc"), get("pyc_check"), get("source_newer")
    e.pyc_write = get("pyc_write")
    if isinstance(e, LoadEvent):
        e.star, e.star_all, e.star_skipped = _list(get("star")), get("star_all"), _list(get("star_skipped"))


def _hit_details(e: "HitEvent", details: "Optional[dict[str, Any]]") -> None:
    get = (details or {}).get
    e.statement, e.star, e.star_all, e.star_skipped = (
        get("statement"),
        _list(get("star")),
        get("star_all"),
        _list(get("star_skipped")),
    )


def _error(error: "Optional[tuple[str, str]]") -> "Optional[dict[str, str]]":
    return None if error is None else {"type": error[0], "message": error[1]}


def _list(value: "Any") -> "Optional[list[str]]":
    return None if value is None else list(value)


_INT_FIELDS = ("id", "start", "thread")
_OPTIONAL_INT = ("duration", "pid", "parent", "search", "self_duration", "level", "count")
_OPTIONAL_STR = (
    "importer",
    "where",
    "reason",
    "finder",
    "origin",
    "loader",
    "module_type",
    "via",
    "bytecode",
    "alias",
    "statement",
    "pyc",
    "pyc_check",
    "pyc_write",
)
_OPTIONAL_BOOL = (
    "found",
    "package",
    "namespace",
    "replaced",
    "observed",
    "lazy",
    "unfinished",
    "partial",
    "waited",
    "source_newer",
    "star_all",
)
_STR_LISTS = (
    "fromlist",
    "added",
    "removed",
    "rebound",
    "unchanged",
    "stale",
    "path",
    "ahead",
    "shadows",
    "missing",
    "sys_path",
    "namespace_path",
    "star",
    "star_skipped",
)
_EXPECTED = {
    **{f: ("int", "an integer or null") for f in _OPTIONAL_INT},
    **{f: ("str", "a string or null") for f in _OPTIONAL_STR},
    **{f: ("bool", "true, false or null") for f in _OPTIONAL_BOOL},
}


def _make_loader(kind: str, check: bool) -> "Any":
    """A function that builds an event of ``kind`` from its serialised form, checking every field if
    ``check``: straight-line code (as dataclasses generate), since loading a 100,000-event trace calls
    it 100,000 times.  Files importtrace wrote itself are not checked again (see _file)."""
    lines = ["def load(d):", "    e = _new(cls)"]
    for name in COMMON_FIELDS + KIND_FIELDS[kind]:
        default = _DEFAULTS.get(name)
        literal = "[]" if isinstance(default, list) else repr(default)
        lines.append("    v = d.get(%r)" % name)
        if not check:
            pass
        elif name == "name":
            lines.append("    if type(v) is not str:")
            lines.append("        raise ValueError('event without a module name')")
        elif name in _INT_FIELDS:
            lines.append("    if type(v) is not int:")
            lines.append("        raise ValueError(%r)" % ("field %r must be an integer" % name))
        elif name == "error":
            lines.append("    if v is not None and not (type(v) is dict and all(type(x) is str for x in v.values())):")
            lines.append("        raise ValueError(\"field 'error' must be an object of strings or null\")")
        elif name in _EXPECTED:
            wanted, words = _EXPECTED[name]
            lines.append("    if v is not None and type(v) is not %s:" % wanted)
            lines.append("        raise ValueError(%r)" % ("field %r must be %s" % (name, words)))
        elif name in _STR_LISTS:
            check_list = "type(v) is not list or (v and not all(type(x) is str for x in v))"
            lines.append("    if v is not None and (%s):" % check_list)
            lines.append("        raise ValueError(%r)" % ("field %r must be a list of strings" % name))
        value = "v" if default is None else "%s if v is None else v" % literal
        lines.append("    e.%s = %s" % (name, value))
    for name in _CLASSES[kind].__slots__:
        if name not in KIND_FIELDS[kind]:
            lines.append("    e.%s = None" % name)  # derived later (a reload's self time)
    lines.append("    return e")
    namespace: "dict[str, Any]" = {"_new": object.__new__, "cls": _CLASSES[kind]}
    exec("\n".join(lines), namespace)
    return namespace["load"]


_LOADERS: "dict[Any, Any]" = {}  # made on first use: recording never needs them, and making them costs ms


def _event_from_dict(d: "dict[str, Any]", check: bool = True) -> "AnyEvent":
    """Build one serialised event, checking it unless ``check`` is False; ValueError says what is wrong."""
    if type(d) is not dict:
        raise ValueError("an event must be a JSON object")
    kind = d.get("kind")
    load = _LOADERS.get((kind, check)) if type(kind) is str else None
    if load is None:
        if kind not in KIND_FIELDS:
            raise ValueError(f"unknown event kind {kind!r}")
        load = _LOADERS[kind, check] = _make_loader(kind, check)
    return load(d)  # type: ignore[no-any-return]


def _is_int(value: "Any") -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
