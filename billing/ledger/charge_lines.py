"""A charge's line items as stored in ``charges.lines`` (revision 0007): one JSON array per
charge, exact, in the order the rating produced them.

Before revision 0007 each line was a row of its own (``charge_lines``): three rows, three
index insertions and a foreign-key check per line, most of the cost of storing an event
on PostgreSQL. Folded into the charge row they are written by the same ``INSERT``.

Each element is an object with the columns ``charge_lines`` had::

    {"charge": "input", "quantity": 123456, "unit": "1M tokens", "unit_price": "0.090",
     "list_price": null, "amount": "0.01111104", "tier": null, "price_version": "2026-11"}

``quantity`` is a JSON integer (read back exactly by Python's ``json``); ``unit_price``,
``list_price`` and ``amount`` are JSON strings holding ``str(Decimal)``, so no float ever
touches money and a price keeps the digits it was published with ("0.090" stays "0.090").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..charge import Line


@dataclass(frozen=True, slots=True)
class StoredLine:
    """One stored line item of a charge (the attribute names of :class:`billing.charge.Line`
    and of the invoice lines, so :func:`billing.invoicing.lines.line_key` reads it)."""

    charge: str  #: input, output, tool:web_search, …
    quantity: int
    unit: str  #: "1M tokens", "call" or "request"
    unit_price: Decimal
    list_price: Decimal | None
    amount: Decimal  #: exact, unrounded
    tier: str | None
    price_version: str
    offering: str | None = None  #: the charge's offering, when read with it (provider/id)


_encode_str = json.JSONEncoder(ensure_ascii=False).encode


class LinesEncoder:
    """Writes ``charges.lines`` text. A ledger has few distinct line kinds (charge, unit,
    prices, tier, version); the text around a line's quantity and amount is built once per
    kind and remembered, which keeps the encoding off the ingest profile. Prices are
    remembered by object identity (the rating hands out the catalog's own Decimals), never
    by value: Decimal("0.090") == Decimal("0.09"), and the stored text keeps the digits.
    One per writer; not shared between threads."""

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        self._memo: dict[tuple[Any, ...], tuple[Any, Any, str, str, str]] = {}

    def _parts(self, li: Line) -> tuple[str, str, str]:
        key = (li.charge, li.unit, id(li.unit_price), id(li.list_price), li.tier, li.price_version)
        found = self._memo.get(key)
        # the prices are kept in the entry, so their ids cannot be reused while it lives
        if found is not None and found[0] is li.unit_price and found[1] is li.list_price:
            return found[2], found[3], found[4]
        list_price = li.list_price
        head = f'{{"charge":{_encode_str(li.charge)},"quantity":'
        middle = (
            f',"unit":{_encode_str(li.unit)},"unit_price":"{_finite(li.unit_price)}",'
            f'"list_price":{"null" if list_price is None else f"{_q}{_finite(list_price)}{_q}"},'
            '"amount":"'
        )
        tail = (
            f'","tier":{"null" if li.tier is None else _encode_str(li.tier)},'
            f'"price_version":{_encode_str(li.price_version or "")}}}'
        )
        if len(self._memo) < 4096:
            self._memo[key] = (li.unit_price, list_price, head, middle, tail)
        return head, middle, tail

    def encode(self, lines: Iterable[Line]) -> str:
        """The JSON text of a charge's lines (see the module doc)."""
        out = []
        parts = self._parts
        for li in lines:
            head, middle, tail = parts(li)
            amount = li.amount
            if not amount.is_finite():
                raise ValueError(f"money must be finite, not {amount}")
            out.append(f"{head}{int(li.quantity)}{middle}{amount}{tail}")
        return "[" + ",".join(out) + "]"


_q = '"'


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(f"money must be finite, not {value}")
    return value


def lines_json(lines: Iterable[Line]) -> str:
    """The JSON text stored in ``charges.lines`` for these line items."""
    return LinesEncoder().encode(lines)


def stored_lines(text: str | None, offering: str | None = None) -> list[StoredLine]:
    """The line items of a ``charges.lines`` text, exactly as they were stored, each with
    ``offering`` (the charge row's) when given.

    Raises ``ValueError`` on text that is not such an array (a damaged database)."""
    if not text:
        return []
    items: Any = json.loads(text)
    if not isinstance(items, list):
        raise ValueError("charges.lines must hold a JSON array")
    return [_stored_line(item, offering) for item in items]


def _stored_line(item: Any, offering: str | None) -> StoredLine:
    if not isinstance(item, dict):
        raise ValueError("each element of charges.lines must be a JSON object")
    quantity = item["quantity"]
    if type(quantity) is not int:
        raise ValueError(f"a stored quantity must be an integer, not {quantity!r}")
    list_price = item.get("list_price")
    return StoredLine(
        charge=str(item["charge"]),
        quantity=quantity,
        unit=str(item["unit"]),
        unit_price=_money(item["unit_price"]),
        list_price=None if list_price is None else _money(list_price),
        amount=_money(item["amount"]),
        tier=item.get("tier"),
        price_version=str(item.get("price_version") or ""),
        offering=offering,
    )


def _money(value: Any) -> Decimal:
    if not isinstance(value, str):  # a JSON number would have gone through float
        raise ValueError(f"stored money must be a decimal string, not {value!r}")
    return Decimal(value)


def lines_of_rows(rows: Sequence[Any]) -> str:
    """``charges.lines`` text from rows of the old ``charge_lines`` table (attributes
    ``charge``, ``quantity``, ``unit``, ``unit_price``, ``list_price``, ``amount``, ``tier``,
    ``price_version``), in the order given: what migration 0007 writes."""
    return lines_json(
        Line(
            charge=r.charge,
            quantity=int(r.quantity),
            unit=r.unit,
            unit_price=_exact(r.unit_price),
            amount=_exact(r.amount),
            list_price=None if r.list_price is None else _exact(r.list_price),
            tier=r.tier,
            price_version=r.price_version or "",
        )
        for r in rows
    )


def _exact(value: Any) -> Decimal:
    if isinstance(value, float):  # never stored so; refuse rather than guess
        raise TypeError("a money column returned a float")
    return value if isinstance(value, Decimal) else Decimal(str(value))
