"""Pydantic's validation errors, reworded for the person editing a card.

A raw pydantic message ("Input should be 'available', 'coming_soon', 'deprecated' or
'retired'") names neither what was written nor what to write instead. These messages do:
``must be one of available, coming_soon, deprecated, retired; got 'availble' (did you mean
'available'?)``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def show(value: Any) -> str:
    """A value as a person wrote it in YAML: 0.7, true, 'text', a mapping, a list."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'status'?)"`` for a close match, else ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _choices(error: Mapping[str, Any]) -> list[str]:
    expected = str((error.get("ctx") or {}).get("expected", ""))
    found = _QUOTED.findall(expected)
    if found:
        return found
    return [p.strip() for p in re.split(r",| or ", expected) if p.strip()]


_SIMPLE: dict[str, str] = {
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping of fields (key: value)",
    "model_attributes_type": "must be a mapping of fields (key: value)",
    "list_type": "must be a list",
    "date_type": "must be a date like 2025-10-14",
    "date_parsing": "must be a date like 2025-10-14",
    "date_from_datetime_parsing": "must be a date like 2025-10-14",
    "date_from_datetime_inexact": "must be a date like 2025-10-14, without a time",
    "datetime_type": "must be a date or an ISO 8601 timestamp",
    "datetime_parsing": "must be a date or an ISO 8601 timestamp",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "too_short": "is too short",
    "too_long": "is too long",
}


def humanize(error: Mapping[str, Any]) -> str:
    """One pydantic error (not ``missing`` or ``extra_forbidden``, which need the card) as
    a sentence."""
    kind = str(error["type"])
    got = error.get("input")
    if kind in ("literal_error", "enum"):
        choices = _choices(error)
        hint = did_you_mean(str(got), choices) if isinstance(got, str) else ""
        return f"must be one of {', '.join(choices)}; got {show(got)}{hint}"
    if kind in ("value_error", "assertion_error"):
        message = str(error["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        return message
    base = _SIMPLE.get(kind)
    if base is None:
        base = str(error["msg"])
        base = base[0].lower() + base[1:] if base else base
        base = base.replace("input should be", "must be")
    return f"{base}; got {show(got)}"


def merge_union(errors: Sequence[Mapping[str, Any]]) -> str:
    """One message for the errors of a union's branches at one place (``type: flaot``
    against ``ParamType | list[ParamType]``)."""
    literal = next((e for e in errors if e["type"] in ("literal_error", "enum")), None)
    if literal is not None:
        message = humanize(literal)
        if any(e["type"] == "list_type" for e in errors):
            message = message.replace("; got", ", or a list of them; got", 1)
        return message
    return humanize(errors[0])
