"""Reading token and call counts: whole, non-negative, plausible numbers, or an error naming
the field."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
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


#: (input, cache_read, cache_write, output, reasoning, tools, extra kinds) from one usage
#: object; ``extra`` maps the kinds of :mod:`catalog.kinds` beyond the first five to their
#: counts, each above 0
Counts = tuple[int, int, int, int, int, Mapping[str, int], Mapping[str, int]]

NO_EXTRA: Mapping[str, int] = MappingProxyType({})

#: Keys every shape reads besides its counts: the reported cost, the tool map, the service
#: tier (a word, read by billing.records). Their numbers are not token counts.
COMMON_KEYS = frozenset({"cost", "cost_usd", "tool_usage", "service_tier"})

#: A shape's known keys: a key maps to None (a leaf it reads) or to the known keys of the
#: object under it.
Known = Mapping[str, "Known | None"]


def refuse_unknown(
    usage: Mapping[str, Any], known: Known, shape: str, prefix: str = "usage"
) -> None:
    """Refuse, by name, any count the shape does not read.

    A number (other than a boolean) under a key the shape does not know, at any depth, is a
    count someone was billed for or will be asked about: it must be priced or refused, never
    ignored. Words, booleans and nulls under unknown keys carry no count and pass.
    """
    for key, value in usage.items():
        if key in known:
            sub = known[key]
            if sub is not None and isinstance(value, Mapping):
                refuse_unknown(value, sub, shape, f"{prefix}.{key}")
            continue
        if prefix == "usage" and key in COMMON_KEYS:
            continue
        _refuse_numbers(value, f"{prefix}.{key}", shape)


def _refuse_numbers(value: Any, field: str, shape: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float | Decimal):
        raise ShapeError(
            f"{field} ({value}) is a count the {shape} usage shape does not understand: it is "
            "refused rather than ignored (name its price kind, or remove it from the record)"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_numbers(item, f"{field}.{key}", shape)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_numbers(item, f"{field}[{i}]", shape)


def agreed(places: list[tuple[Mapping[str, Any], str, str]]) -> tuple[int, str | None]:
    """One count that several places may report (LiteLLM sends both its own and the
    provider's name): ``(count, field)`` of the first present, 0 and None when none is; two
    that disagree are an error naming both."""
    found: tuple[int, str] | None = None
    for obj, key, field in places:
        if obj.get(key) is None:
            continue
        n = get_count(obj, key, field)
        if found is None:
            found = (n, field)
        elif found[0] != n:
            raise ShapeError(
                f"{found[1]} ({found[0]}) and {field} ({n}) report the same count and disagree"
            )
    return found if found is not None else (0, None)


def add_kind(extra: dict[str, int], kind: str, n: int) -> None:
    if n:
        extra[kind] = extra.get(kind, 0) + n
