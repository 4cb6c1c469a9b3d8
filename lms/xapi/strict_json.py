"""JSON as the LRS accepts it: UTF-8, no NaN or Infinity, no key twice in an object, nested at most MAX_DEPTH deep.

Python's json module accepts NaN, Infinity and numbers too large for a double (which it reads as
infinity) and writes them back as bare NaN and Infinity, which no JSON reader accepts: one stored
statement holding one made every page containing it unreadable. It keeps the last of two equal keys
silently, it raises RecursionError (not ValueError) on deep nesting, and it turns a "\\ud800" escape into a
lone surrogate, which cannot be written out as UTF-8. Each is refused here, before anything is stored.
"""

from __future__ import annotations

import json
import math
from typing import Any

from lms.xapi.checks import Invalid

# Deep enough for any statement (a sub-statement's extensions sit at depth 6) with room for extension
# values; far short of the interpreter's recursion limit, which the JSON encoder and the comparisons of
# statements also meet.
MAX_DEPTH = 64
_BOM = "\ufeff"


class _Refused(ValueError):
    """Raised inside the parser by the hooks below; carries the rule broken."""


def _refuse_constant(name: str):  # noqa: ANN202
    raise _Refused(f"holds {name}, which is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise _Refused(f"holds the number {text[:40]}, too large for a double")
    return number


def _object(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused(f"has the key {twice!r} twice in one object")
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_refuse_constant, parse_float=_finite)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than limit deep (a loop, not recursion, so depth cannot hurt it)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if type(item) is dict else item
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return False


def loads(raw: bytes | str, field: str = "body") -> Any:
    """The JSON value in raw, or Invalid naming field and what is wrong with it."""
    if type(raw) is not str:
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid(field, f"is not valid UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start})") from None
    try:
        value = _DECODER.decode(raw.removeprefix(_BOM))
    except _Refused as exc:
        raise Invalid(field, str(exc)) from None
    except RecursionError:
        raise Invalid(field, f"nests objects and arrays more than {MAX_DEPTH} deep") from None
    except ValueError as exc:
        raise Invalid(field, f"is not valid JSON ({exc})") from None
    # Brackets (some perhaps inside strings) are cheap to count, and few enough rule out deep nesting.
    if raw.count("{") + raw.count("[") > MAX_DEPTH and type(value) in (dict, list) and _deeper_than(value, MAX_DEPTH):
        raise Invalid(field, f"nests objects and arrays more than {MAX_DEPTH} deep")
    # A lone surrogate can only come from a \\u escape (strict UTF-8 decoding refuses encoded ones), and most
    # bodies have none: one scan rules them out.
    if "\\u" in raw and ("\\ud" in raw or "\\uD" in raw):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid(field, "holds a \\u escape of a lone surrogate, which is not a character") from None
    return value
