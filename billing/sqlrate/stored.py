"""The charges stored at ingest, summed the way billing.sqlrate sums its own: integers in
SQL, amounts in Python. A stored line's amount is its quantity times its unit price (per
10⁶ tokens for token lines), so the sum of a group of lines with one unit price is the summed
quantity times that price, exactly; no money column is ever summed in SQL.

The line items are the JSON array ``charges.lines`` (billing.ledger.charge_lines): SQLite
expands it with ``json_each``, PostgreSQL with ``jsonb_array_elements``; prices are read as
their stored text and become Decimals here."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, cast, func, select, true
from sqlalchemy.dialects.postgresql import JSONB

from ..ledger.tables import ChargeRow, UsageEvent
from ..money import EXACT

_ZERO = Decimal(0)

#: (customer_id, period, offering, price_version, tier, charge, unit, unit_price)
StoredKey = tuple[int, str, str, str, str | None, str, str, Decimal]


def stored_sums(
    conn: Connection, scope: Sequence[ColumnElement[bool]]
) -> dict[StoredKey, tuple[int, Decimal, int]]:
    """key → (quantity, exact amount, events) of the stored charge lines of events in scope."""
    if conn.dialect.name == "postgresql":
        items = func.jsonb_array_elements(cast(ChargeRow.lines, JSONB)).table_valued("value")

        def field(name: str) -> Any:
            return items.c.value.op("->>")(name)

        summed = cast(field("quantity"), BigInteger)
    else:  # SQLite (the ledger's other database)
        items = func.json_each(ChargeRow.lines).table_valued("value")

        def field(name: str) -> Any:
            return func.json_extract(items.c.value, f"$.{name}")

        summed = field("quantity")
    keys = (
        ChargeRow.customer_id,
        ChargeRow.period,
        ChargeRow.offering,
        field("price_version").label("price_version"),
        field("tier").label("tier"),
        field("charge").label("charge"),
        field("unit").label("unit"),
        field("unit_price").label("unit_price"),
    )
    stmt = (
        select(*keys, func.sum(summed).label("quantity"), func.count().label("events"))
        .select_from(UsageEvent)
        .join(ChargeRow, ChargeRow.event_pk == UsageEvent.id)
        .join(items, true())
        .where(*scope)
        .group_by(*keys)
    )
    out: dict[StoredKey, tuple[int, Decimal, int]] = {}
    for row in conn.execute(stmt):
        quantity = int(row.quantity or 0)
        price = Decimal(row.unit_price)  # the stored text, exactly
        scaled = EXACT.scaleb(price, -6) if row.unit == "1M tokens" else price
        amount = EXACT.add(_ZERO, EXACT.multiply(scaled, quantity)) if quantity else _ZERO
        key: StoredKey = (
            row.customer_id,
            row.period,
            row.offering,
            row.price_version or "",
            row.tier,
            row.charge,
            row.unit,
            price,
        )
        old = out.get(key)
        if old is not None:  # the same price written differently ("0.09", "0.090")
            amount = EXACT.add(old[1], amount)
            quantity += old[0]
        out[key] = (quantity, amount, int(row.events) + (old[2] if old else 0))
    return out


def compare(rated: Any, stored: dict[StoredKey, tuple[int, Decimal, int]]) -> list[dict[str, Any]]:
    """Rows of the re-rating beside the stored charges (either side may be missing)."""
    mine: dict[StoredKey, tuple[int, Decimal, int]] = {}
    for line in rated.lines:
        key: StoredKey = (line.customer_id, line.period, *line.charge_key)
        q, a, n = mine.get(key, (0, _ZERO, 0))
        mine[key] = (q + line.quantity, EXACT.add(a, line.amount), n + line.events)
    rows = []
    for key in sorted(set(mine) | set(stored), key=lambda k: tuple(str(x) for x in k)):
        new = mine.get(key)
        old = stored.get(key)
        difference = EXACT.subtract(new[1] if new else _ZERO, old[1] if old else _ZERO)
        rows.append(
            {
                "customer_id": key[0],
                "period": key[1],
                "offering": key[2],
                "price_version": key[3],
                "tier": key[4],
                "charge": key[5],
                "unit": key[6],
                "unit_price": key[7],
                "quantity": new[0] if new else 0,
                "events": new[2] if new else 0,
                "amount": new[1] if new else _ZERO,
                "stored_quantity": old[0] if old else 0,
                "stored_amount": old[1] if old else _ZERO,
                "difference": difference,
                "same": new is not None
                and old is not None
                and new[0] == old[0]
                and new[1] == old[1],
            }
        )
    return rows
