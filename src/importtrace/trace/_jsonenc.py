"""A minimal JSON encoder for the streaming writer, which runs inside the traced program.

PYTEST_DONT_REWRITE

The json module cannot be used there: importing it would turn the program's own `import json`
into a cache hit.  Output is ASCII, with the escapes the json module's ensure_ascii produces.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_ESCAPES = {i: "\\u%04x" % i for i in range(0x20)}
_ESCAPES.update(
    {
        ord('"'): '\\"',
        ord("\\"): "\\\\",
        ord("\n"): "\\n",
        ord("\r"): "\\r",
        ord("\t"): "\\t",
        ord("\b"): "\\b",
        ord("\f"): "\\f",
        0x7F: "\\u007f",
    }
)


def _string(s: str) -> str:
    s = s.translate(_ESCAPES)
    if not s.isascii():
        out = []
        for ch in s:
            code = ord(ch)
            if code < 0x80:
                out.append(ch)
            elif code < 0x10000:
                out.append("\\u%04x" % code)
            else:
                code -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF)))
        s = "".join(out)
    return '"' + s + '"'


def dumps(obj: "Any") -> str:
    """Encode dicts, lists, tuples, str, int, float, bool and None as compact JSON."""
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, str):
        return _string(obj)
    if isinstance(obj, int):
        return str(int(obj))
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            return "null"
        return repr(obj)
    if isinstance(obj, dict):
        return "{" + ",".join(_string(str(k)) + ":" + dumps(v) for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in obj) + "]"
    return _string(str(obj))
