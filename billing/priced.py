"""Pricing a stream of JSON Lines usage records into priced records (DESIGN.md §6).

One result per input line, in order. A record that cannot be read or priced gets
``total: null`` and an error sentence that starts with its line number; the others are
still priced.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from catalog import Catalog
from catalog.jsontext import json_problem

from .charge import Charge, Line
from .money import decimal_text, price_text
from .rating import PricingError, price
from .records import RecordError, UsageRecord, loads, parse_record
from .text import explain_line


@dataclass(frozen=True, slots=True)
class Priced:
    """The outcome of one input line: a charge, or the error that stopped it."""

    line: int
    record: UsageRecord | None  #: None when the line could not be read
    charge: Charge | None
    error: str | None
    raw: Any = None  #: the decoded JSON, when it was JSON

    @property
    def id(self) -> str | None:
        if self.record is not None:
            return self.record.id or None
        raw_id = self.raw.get("id") if isinstance(self.raw, Mapping) else None
        return raw_id if isinstance(raw_id, str) else None

    @property
    def model(self) -> str | None:
        if self.record is not None:
            return self.record.model
        model = self.raw.get("model") if isinstance(self.raw, Mapping) else None
        return model if isinstance(model, str) else None


def price_one(text: str, line: int, catalog: Catalog | None = None) -> Priced:
    """Read and price one JSON Lines record; never raises for a bad record."""
    try:
        obj = loads(text)
    except (ValueError, RecursionError) as exc:
        return Priced(line, None, None, _sentence(RecordError(json_problem(exc), line)))
    try:
        record = parse_record(obj, line)
    except RecordError as exc:
        return Priced(line, None, None, _sentence(exc), obj)
    try:
        charge = price(record, catalog)
    except (PricingError, RecordError) as exc:
        return Priced(line, record, None, _sentence(exc), record.raw)
    return Priced(line, record, charge, None, record.raw)


def price_stream(
    lines: Iterable[tuple[int, str]], catalog: Catalog | None = None
) -> Iterator[Priced]:
    """Price (line number, text) pairs in order."""
    for number, text in lines:
        yield price_one(text, number, catalog)


def _sentence(exc: RecordError | PricingError) -> str:
    """The error with its line number first (every failure names its line)."""
    text = str(exc)
    # a sentence that already ends (". ? !") gets no second stop: "did you mean 'x'?", not "?."
    return text if text.endswith((".", "?", "!")) else text + "."


def line_doc(line: Line, *, explain: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "charge": line.charge,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": price_text(line.unit_price),
        "list_price": None if line.list_price is None else price_text(line.list_price),
        "amount": decimal_text(line.amount),
        "tier": line.tier,
        "price_version": line.price_version,
        "note": line.note,
    }
    if explain:
        doc["explain"] = explain_line(line)
    return doc


def priced_doc(result: Priced, *, explain: bool = False) -> dict[str, Any]:
    """The priced record format of DESIGN.md §6 (extended with offering and provider)."""
    charge = result.charge
    reported = result.record.reported if result.record is not None else None
    return {
        "id": result.id,
        "line": result.line,
        "model": result.model,
        "offering": charge.offering if charge else None,
        "provider": charge.provider if charge else None,
        "currency": charge.currency if charge else None,
        "total": decimal_text(charge.total) if charge else None,
        "lines": [line_doc(line, explain=explain) for line in charge.lines] if charge else [],
        "reported": None if reported is None else _reported_text(reported),
        "error": result.error,
    }


def _reported_text(value: Decimal) -> str:
    return format(value, "f")
