"""Building stored usage by hand: charges whose amounts are written out as literals."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine

from billing.charge import Charge, Line
from billing.ledger.batch import BatchResult, PreparedEvent
from billing.ledger.ingest import store_batch
from billing.usage import Usage

D = Decimal


def line(charge: str, quantity: int, unit_price: str, amount: str, unit: str = "") -> Line:
    if not unit:
        unit = "1M tokens" if ":" not in charge else "call"
    return Line(charge, quantity, unit, D(unit_price), D(amount), price_version="v1")


def event(
    customer: str,
    event_id: str,
    when: str,
    *lines: Line,
    offering: str = "qwen3-5-flash",
    payload: str = "",
    error: str | None = None,
) -> PreparedEvent:
    timestamp = datetime.fromisoformat(when.replace("Z", "+00:00"))
    charge = None
    if error is None:
        total = sum((item.amount for item in lines), D(0))
        charge = Charge(offering, "empiriolabs", "USD", tuple(lines), total, "v1")
    raw = payload or f'{{"id": "{event_id}", "customer": "{customer}", "ts": "{when}"}}'
    return PreparedEvent(
        line=1,
        customer=customer,
        event_id=event_id,
        payload_hash=hashlib.sha256(raw.encode()).hexdigest(),
        raw=raw,
        model=offering,
        offering=f"empiriolabs/{offering}",
        endpoint="chat.completions",
        timestamp=timestamp,
        usage=Usage(input=sum(x.quantity for x in lines if x.charge == "input")),
        charge=charge,
        error=error,
    )


def store(engine: Engine, *events: PreparedEvent) -> BatchResult:
    with engine.begin() as conn:
        return store_batch(conn, events, {})
