"""Strict JSON for what people send: request bodies and usage records.

:func:`loads_exact` is ``json.loads`` with these differences, each a :class:`JSONTextError`
whose message is one sentence:

- non-integer numbers become :class:`~decimal.Decimal` (never a float); ``NaN`` and
  ``Infinity`` are refused;
- every number lies below 10^30 in magnitude (:data:`MAX_EXPONENT`) with at most 30 decimal
  places, checked on its text before any conversion, so ``1E+999999999`` never becomes a
  billion digits and an integer of 5,000 digits never reaches ``int()``;
- a key repeated in one object is refused (the last one would silently win);
- a string holding an unpaired surrogate (``"\\ud800"``) is refused with its JSON pointer:
  it is not text, and no database or UTF-8 output can hold it.

Messages quote at most :data:`QUOTE_LIMIT` characters of what was sent (:func:`clip`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

#: Numbers are below 10^MAX_EXPONENT in magnitude and have at most MAX_EXPONENT places.
MAX_EXPONENT = 30
#: The longest piece of input a message quotes.
QUOTE_LIMIT = 60
#: An escaped surrogate in the text: only then is the decoded value searched for one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JSONTextError(ValueError):
    """JSON that parses but is refused (a bound, a duplicate key, invalid text).

    ``msg`` is the sentence; ``pointer`` the RFC 6901 pointer of the place when known."""

    def __init__(self, msg: str, pointer: str | None = None) -> None:
        self.msg = msg
        self.pointer = pointer
        super().__init__(msg)


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` quoted as Python's ``repr`` would, cut to ``limit`` characters with ``…``."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def _float(text: str) -> Decimal:
    if len(text) > 2 * MAX_EXPONENT + 20:
        raise JSONTextError(f"the number {clip(text, 30)} is too long: {_RANGE}")
    value = Decimal(text)
    check_decimal(value, text)
    return value


_RANGE = f"numbers must be below 10^{MAX_EXPONENT} with at most {MAX_EXPONENT} decimal places"


def check_decimal(value: Decimal, shown: str) -> None:
    """Raise :class:`JSONTextError` when ``value`` is outside the bounds (never expanding
    its exponent)."""
    if not value.is_finite() or value.is_zero():
        return
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if value.adjusted() >= MAX_EXPONENT or exponent < -MAX_EXPONENT:
        raise JSONTextError(f"the number {clip(shown, 30)} is out of range: {_RANGE}")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_EXPONENT:
        raise JSONTextError(f"the number {clip(text, 30)} is too large: {_RANGE}")
    return int(text)


def _constant(name: str) -> Any:
    raise JSONTextError(f"not valid JSON: {name} is not a number JSON allows")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONTextError(f"the key {clip(key)} appears twice in one object; keep one")
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(
    parse_float=_float, parse_int=_int, parse_constant=_constant, object_pairs_hook=_pairs
)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def surrogate_at(value: Any, path: str = "") -> str | None:
    """The JSON pointer of the first string (or key) in ``value`` holding an unpaired
    surrogate, or None."""
    if isinstance(value, str):
        return path if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _has_surrogate(key):
                return f"{path}/{_escape(key.encode('utf-8', 'replace').decode())}"
            found = surrogate_at(item, f"{path}/{_escape(str(key))}")
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = surrogate_at(item, f"{path}/{i}")
            if found is not None:
                return found
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def loads_exact(text: str) -> Any:
    """Parse JSON text as described in the module docstring. ``json.JSONDecodeError`` for
    text that is not JSON; :class:`JSONTextError` for JSON that is refused."""
    value = _DECODER.decode(text) if not text.startswith("\ufeff") else json.loads(text)
    if _SURROGATE_ESCAPE.search(text):
        where = surrogate_at(value)
        if where is not None:
            raise JSONTextError(
                f"the text at {where or '/'} holds an unpaired surrogate (\\ud800-\\udfff): "
                "it is not valid Unicode",
                where,
            )
    return value


def json_problem(exc: BaseException) -> str:
    """One sentence for an exception :func:`loads_exact` raised."""
    if isinstance(exc, JSONTextError):
        return exc.msg
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "not valid JSON: nested too deeply to read"
    if isinstance(exc, InvalidOperation):
        return "not valid JSON: a number that cannot be read"
    return f"not valid JSON: {exc}"


__all__ = [
    "MAX_EXPONENT",
    "QUOTE_LIMIT",
    "JSONTextError",
    "check_decimal",
    "clip",
    "json_problem",
    "loads_exact",
    "surrogate_at",
]
