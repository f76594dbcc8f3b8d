"""An invoice's lines rated in the database (billing.sqlrate) instead of summed from the
stored charge lines in Python.

The events are the ones whose charges the draft bills (billing.invoicing.lifecycle assigns them
first): for each period on the invoice, every priced event of the customer in that period
when all of them are assigned (the common case: a plain scan), else only the assigned ones
(``id IN (SELECT event_pk FROM charges WHERE invoice_id = ...)``). The SQL rates them with
the current catalog, which gives the stored charges' lines as long as past prices are
changed only by adding effective-dated versions; ``ratecard rate`` shows any difference.

No ``invoice_line_charges`` rows are written (ten million events would be ten million
rows); ``--with-events`` finds the events behind each line on demand from the stored charge
lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ..ledger.tables import ChargeRow, Invoice, UsageEvent
from ..money import EXACT
from ..sqlrate import NotCompilableError, period_scope, rate_scope
from .errors import InvoiceError
from .lines import line_key

Groups = dict[tuple[Any, ...], tuple[int, Decimal, int, list[int] | None]]


def _scope(session: Session, invoice: Invoice, period: str) -> list[ColumnElement[bool]]:
    scope = period_scope(period, invoice.customer_id, priced_only=True)
    assigned = session.scalar(
        select(func.count())
        .select_from(ChargeRow)
        .where(ChargeRow.invoice_id == invoice.id, ChargeRow.period == period)
    )
    priced = session.scalar(select(func.count()).select_from(UsageEvent).where(*scope))
    if assigned != priced:
        billed = select(ChargeRow.event_pk).where(
            ChargeRow.invoice_id == invoice.id, ChargeRow.period == period
        )
        scope.append(UsageEvent.id.in_(billed))
    return scope


def sql_groups(
    session: Session,
    invoice: Invoice,
    periods: list[str],
    catalog: Any = None,
    *,
    strict: bool = False,
    engine: str | None = None,
) -> tuple[Groups, str] | None:
    """Invoice lines keyed as billing.invoicing.lifecycle keys them, with the currency; None
    when the SQL path cannot rate these events exactly and ``strict`` is off (the caller
    then sums the stored charges in Python). ``engine="duckdb"`` rates in DuckDB: the
    invoice's events are streamed out of the ledger into an in-process DuckDB and the same
    statements run there (billing.sqlrate.duck)."""
    conn = session.connection()
    groups: dict[tuple[Any, ...], list[Any]] = {}
    currencies: set[str] = set()
    for period in periods:
        try:
            scope = _scope(session, invoice, period)
            if engine == "duckdb":
                # here for start-up time: only this engine path needs it
                from ..sqlrate.duck import EngineUnavailableError, duckdb_connection

                try:
                    with duckdb_connection(ledger=conn, scope=scope) as duck:
                        # every loaded event is one the invoice bills
                        billed = period_scope(period, invoice.customer_id, priced_only=True)
                        result = rate_scope(duck, billed, catalog)
                except EngineUnavailableError as exc:
                    raise InvoiceError(str(exc)) from None
            else:
                result = rate_scope(conn, scope, catalog)
        except NotCompilableError as exc:
            if strict:
                raise InvoiceError(
                    f"the SQL rating path cannot price this invoice: {exc}"
                ) from None
            return None
        if result.errors:
            if not strict:
                return None
            reasons = "; ".join(f"{err.events} events: {err.reason}" for err in result.errors)
            raise InvoiceError(
                f"{result.error_events} priced events cannot be rated with the current "
                f"catalog ({reasons}); run ratecard rate to compare, or --engine python"
            )
        adjustment = period if period != invoice.period else None
        for line in result.lines:
            currencies.add(line.currency)
            key = line_key(adjustment, line)
            acc = groups.setdefault(key, [0, Decimal(0), 0])
            acc[0] += line.quantity
            acc[1] = EXACT.add(acc[1], line.amount)
            acc[2] += line.events
    if len(currencies) > 1:
        raise InvoiceError(
            f"customer's charges for {invoice.period} are in several currencies "
            f"({', '.join(sorted(currencies))}); one invoice has one currency"
        )
    currency = currencies.pop() if currencies else invoice.currency
    return {key: (q, a, n, None) for key, (q, a, n) in groups.items()}, currency
