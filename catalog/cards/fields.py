"""Field types shared by the card models: money, rates and counts, read exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    WithJsonSchema,
)

from ..rates import PriceState, Rate
from ..units import parse_parameter_count, parse_tokens
from .yamlsource import bounded_decimal

#: More significant digits than a binary float holds means the number went through a float
#: somewhere (0.30000000000000004); the published price was shorter.
MAX_SIGNIFICANT_DIGITS = 15

_DECIMAL_TEXT = r"^-?(\d+(\.\d*)?|\.\d+)$"


def to_money(value: object) -> Decimal:
    """An exact, finite, non-negative amount from an int, a Decimal or decimal text."""
    if isinstance(value, bool | float):
        raise ValueError(
            "prices must be written as plain decimals (read from their text), not floats"
        )
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{text[:40]!r} is not a decimal price") from None
        bounded_decimal(value, text)
        if "e" in text.lower():
            raise ValueError(
                f"write {text!r} as a plain decimal ({value:f}); YAML 1.1 reads exponents "
                "as strings in some places and floats in others"
            )
    if not isinstance(value, Decimal):
        raise ValueError("a price must be a decimal number")
    if not value.is_finite():
        raise ValueError("a price must be a finite number")
    bounded_decimal(value, str(value))
    if value < 0:
        raise ValueError(f"a price must not be negative; got {value}")
    digits = len(value.as_tuple().digits)
    if digits > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(
            f"{value} has {digits} significant digits: it looks like a float with lost "
            "precision; write the published price"
        )
    return value


def to_exact(value: object) -> Decimal:
    """An exact, finite decimal that may be negative (a parameter range: -2)."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -to_money(value.strip()[1:])
    if isinstance(value, int | Decimal) and not isinstance(value, bool) and value < 0:
        return -to_money(-value)
    return to_money(value)


def _money_text(value: Decimal) -> str:
    return format(value, "f")


Money = Annotated[
    Decimal,
    PlainValidator(to_money),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
            ],
            "description": "An exact decimal amount, written as published (0.090).",
        }
    ),
]


Exact = Annotated[
    Decimal,
    PlainValidator(to_exact),
    PlainSerializer(_money_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}],
            "description": "An exact decimal number, as published.",
        }
    ),
]


def to_rate(value: object) -> Rate:
    if isinstance(value, Rate):
        return value
    if value in (PriceState.UNPUBLISHED.value, PriceState.NOT_APPLICABLE.value):
        return Rate(PriceState(str(value)))
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"price", "list_price"})
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(map(str, unknown))}; a rate mapping has "
                "price and list_price"
            )
        if "price" not in value:
            raise ValueError("a rate mapping needs price (the current price)")
        price = to_money(value["price"])
        listed = value.get("list_price")
        return Rate(PriceState.PUBLISHED, price, None if listed is None else to_money(listed))
    if isinstance(value, str) and not _looks_numeric(value):
        raise ValueError(
            f"{value!r} is not a rate; write a decimal price, {{price, list_price}}, "
            "'unpublished' or 'not_applicable'"
        )
    return Rate(PriceState.PUBLISHED, to_money(value))


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return False
    return True


def _dump_rate(rate: Rate) -> Any:
    if rate.state is not PriceState.PUBLISHED:
        return rate.state.value
    if rate.list_price is not None:
        return {"price": rate.price, "list_price": rate.list_price}
    return rate.price


def _dump_rate_json(rate: Rate) -> Any:
    dumped = _dump_rate(rate)
    if isinstance(dumped, Decimal):
        return _money_text(dumped)
    if isinstance(dumped, dict):
        return {k: _money_text(v) for k, v in dumped.items()}
    return dumped


def _serialize_rate(rate: Rate, info: SerializationInfo) -> Any:
    # One serializer for both modes: a second PlainSerializer would replace the first.
    return _dump_rate_json(rate) if info.mode_is_json() else _dump_rate(rate)


RateField = Annotated[
    Rate,
    PlainValidator(to_rate),
    PlainSerializer(_serialize_rate),
    WithJsonSchema(
        {
            "description": (
                "A price (0 = free), {price, list_price} for a current price beside a "
                "list price, 'unpublished' (no price known) or 'not_applicable'."
            ),
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
                {"enum": ["unpublished", "not_applicable"]},
                {
                    "type": "object",
                    "properties": {
                        "price": {"type": ["number", "string"]},
                        "list_price": {"type": ["number", "string"]},
                    },
                    "required": ["price"],
                    "additionalProperties": False,
                },
            ],
        }
    ),
]

_TOKEN_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "pattern": r"^\d[\d,_]*(\.\d+)?[KMkm]?$"},
    ],
    "description": "A token count: an integer or vendor notation (128K = 131072, 1M = 1048576).",
}

TokenCount = Annotated[
    int,
    BeforeValidator(parse_tokens),
    WithJsonSchema(_TOKEN_SCHEMA),
]


def parse_tier_bound(value: object) -> int:
    """A tier bound: an exact integer (``200000``, ``"200,000"``). K/M notation is refused
    here: peers write tier thresholds in thousands (Google, xAI, Alibaba; LiteLLM and
    genai-prices read them so), so ``200K`` is ambiguous unless the tiers say which reading
    they mean (``notation: decimal`` or ``binary``; converted by :class:`catalog.cards.Tiers`
    before this runs)."""
    if isinstance(value, str) and value.strip()[-1:] in ("K", "k", "M", "m"):
        raise ValueError(
            f"tier bound {value!r} in K/M notation is ambiguous (K = 1,000 or 1,024?): write "
            "the exact integer with the published text in up_to_published, or say which "
            "reading the tiers mean with notation: decimal (1K = 1,000) or binary (1K = 1,024)"
        )
    return parse_tokens(value)


TierBound = Annotated[
    int,
    BeforeValidator(parse_tier_bound),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\d[\d,_]*$"},
                {"type": "string", "pattern": r"^\d+(\.\d+)?[KMkm]$"},
            ],
            "description": "A tier bound: an exact integer. K/M notation only with the "
            "tiers' notation (decimal or binary).",
        }
    ),
]

ParameterCount = Annotated[
    int,
    BeforeValidator(parse_parameter_count),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\d+(\.\d+)?[KMBT]$"},
            ],
            "description": "A parameter count: an integer or notation like 397B (decimal).",
        }
    ),
]


def _to_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            return _to_datetime(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValueError("expected a date (2026-11-01) or an ISO 8601 timestamp")


Instant = Annotated[
    dt.datetime,
    PlainValidator(_to_datetime),
    WithJsonSchema(
        {"type": "string", "description": "A date or an ISO 8601 timestamp (UTC if no zone)."}
    ),
]
