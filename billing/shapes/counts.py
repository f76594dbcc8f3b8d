"""Reading token and call counts: whole, non-negative, plausible numbers, or an error naming
the field."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import ShapeError

#: Larger counts are refused as implausible; it also bounds the digits a product can have,
#: so the rating context never rounds (see billing.money.EXACT).
MAX_COUNT = 10**15


def count_value(value: Any, field: str) -> int:
    """A count from JSON: an int (or an integral Decimal such as 12.0), 0 <= n <= 10**15."""
    if isinstance(value, bool):
        raise ShapeError(f"{field} must be a whole number of at least 0; got a boolean ({value})")
    if type(value) is int:
        n = value
    elif isinstance(value, int):
        n = int(value)
    elif isinstance(value, Decimal | float):
        dec = Decimal(repr(value)) if isinstance(value, float) else value
        if not dec.is_finite():
            raise ShapeError(f"{field} must be a whole number of at least 0; got {value}")
        if dec != dec.to_integral_value():
            raise ShapeError(f"{field} must be a whole number; got {value}")
        if abs(dec) > MAX_COUNT:
            raise ShapeError(f"{field} {value} is implausibly large (more than {MAX_COUNT:,})")
        n = int(dec)
    else:
        got = "a string" if isinstance(value, str) else type(value).__name__
        if value is None:
            got = "null"
        elif isinstance(value, Mapping | list):
            got = "an object" if isinstance(value, Mapping) else "an array"
        raise ShapeError(f"{field} must be a whole number of at least 0; got {got}")
    if n < 0:
        raise ShapeError(f"{field} must not be negative; got {n}")
    if n > MAX_COUNT:
        raise ShapeError(f"{field} {n} is implausibly large (more than {MAX_COUNT:,})")
    return n


def get_count(usage: Mapping[str, Any], key: str, field: str, *, required: bool = False) -> int:
    """``usage[key]`` as a count; absent or null is 0 unless required."""
    value = usage.get(key)
    if type(value) is int and 0 <= value <= MAX_COUNT:
        return value  # the common case, without the checks count_value makes of the rest
    if value is None:
        if required:
            raise ShapeError(f"{field} is missing")
        return 0
    return count_value(value, field)


def details(usage: Mapping[str, Any], key: str, field: str) -> Mapping[str, Any]:
    """A nested details object (``prompt_tokens_details``); absent or null is empty."""
    value = usage.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ShapeError(f"{field} must be an object")
    return value


def part_of(part: int, part_field: str, whole: int, whole_field: str) -> None:
    """A count that the provider includes in another must not exceed it."""
    if part > whole:
        raise ShapeError(
            f"{part_field} ({part}) is more than {whole_field} ({whole}), which includes it"
        )


#: (input, cache_read, cache_write, output, reasoning, tools) from one usage object
Counts = tuple[int, int, int, int, int, Mapping[str, int]]
