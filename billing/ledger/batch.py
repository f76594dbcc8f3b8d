"""What both stores of the ledger share: an event prepared for storage, the result of storing
a batch, the split of a batch into first events and repeats, customer ids, and request
parameters as JSON. Used by :mod:`.ingest` (orchestration, row-by-row store) and
:mod:`.bulk` (COPY / executemany), so that neither imports the other for them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from ..charge import Charge
from ..period import period_of
from ..usage import Usage
from .tables import Customer

customers_t: Table = Customer.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """A record read, parsed and priced (or not), ready to store."""

    line: int
    customer: str
    event_id: str
    payload_hash: str
    raw: str
    model: str | None = None
    offering: str | None = None  #: provider/id
    endpoint: str | None = None
    timestamp: datetime | None = None
    usage: Usage | None = None
    reported: Decimal | None = None
    charge: Charge | None = None
    error: str | None = None
    context: str | None = None  #: the price context; None for the default

    @property
    def period(self) -> str | None:
        return period_of(self.timestamp) if self.timestamp else None

    @property
    def priced(self) -> bool:
        return self.charge is not None

    def key(self) -> EventKey:
        """What the result of storing it needs: small enough to cross processes cheaply."""
        return EventKey(
            self.line,
            self.customer,
            self.event_id,
            self.payload_hash,
            self.raw,
            self.charge is not None,
            self.error,
        )


class EventKey(NamedTuple):
    """An event as the result of a batch reports it (an ingest worker process sends these
    back instead of the whole :class:`PreparedEvent`)."""

    line: int
    customer: str
    event_id: str
    payload_hash: str
    raw: str
    priced: bool
    error: str | None


#: an event in a :class:`BatchResult`: either kind has the fields above
Stored = PreparedEvent | EventKey


@dataclass
class BatchResult:
    ingested: list[Stored] = field(default_factory=list)
    duplicates: list[Stored] = field(default_factory=list)
    conflicts: list[Stored] = field(default_factory=list)


def token_kinds_json(ev: PreparedEvent) -> str | None:
    """The extra token kinds as stored in ``usage_events.token_kinds`` (sorted JSON of
    exact integers), or None when the event has none."""
    usage = ev.usage
    if usage is None or not usage.extra:
        return None
    return json.dumps(dict(sorted(usage.extra.items())), separators=(",", ":"))


def insert_for(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def customer_ids(conn: Connection, codes: Iterable[str], cache: dict[str, int]) -> dict[str, int]:
    """Ids for customer codes, creating the missing ones (in sorted order: no deadlocks)."""
    missing = sorted(set(codes) - cache.keys())
    if missing:
        stmt = insert_for(conn, customers_t).on_conflict_do_nothing(index_elements=["code"])
        conn.execute(stmt, [{"code": code} for code in missing])
        rows = conn.execute(
            select(customers_t.c.code, customers_t.c.id).where(customers_t.c.code.in_(missing))
        )
        cache.update({code: pk for code, pk in rows})
    return cache


def jsonable(value: Any) -> Any:
    """Request parameters as JSON: decimals keep their exact text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def split(
    events: Sequence[PreparedEvent],
) -> tuple[dict[tuple[str, str], PreparedEvent], list[PreparedEvent]]:
    """The first event of each (customer, id) in the batch, and the repeats after it."""
    first: dict[tuple[str, str], PreparedEvent] = {}
    repeats: list[PreparedEvent] = []
    for ev in events:
        key = (ev.customer, ev.event_id)
        if key in first:
            repeats.append(ev)
        else:
            first[key] = ev
    return first, repeats
