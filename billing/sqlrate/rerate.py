"""The queries around re-rating a period in the database (``ratecard rate``): customer codes
and the events whose record could not be read at ingest."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from ..ledger.tables import Customer, UsageEvent


def customer_codes(conn: Connection) -> dict[int, str]:
    """Every customer in the ledger: database id → customer code."""
    return {pk: code for pk, code in conn.execute(select(Customer.id, Customer.code))}


def unread_events(conn: Connection, period: str, customer_id: int | None = None) -> int:
    """How many events of ``period`` (a UTC month, 'YYYY-MM'), for one customer id or all,
    carry no usage: their record could not be read at ingest, so no engine can rate them."""
    stmt = (
        select(func.count())
        .select_from(UsageEvent)
        .where(UsageEvent.period == period, UsageEvent.input_tokens.is_(None))
    )
    if customer_id is not None:
        stmt = stmt.where(UsageEvent.customer_id == customer_id)
    return int(conn.execute(stmt).scalar_one())
