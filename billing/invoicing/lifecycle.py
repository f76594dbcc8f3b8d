"""Invoices: drafts that follow the usage, finalisation, voiding and credit notes.

States: a **draft** is regenerated from the period's charges every time it is asked for.
**Finalising** regenerates it one last time, freezes it (database triggers refuse any later
change to its lines) and gives it the issuer's next gapless number, taken under a lock in the
same transaction. A finalised invoice can be **voided**; its charges are released so that the
period can be invoiced again. Corrections are **credit notes**, which together never exceed
the invoice.

Late usage: a charge whose period's invoice is already final is billed on the customer's next
open invoice (the earliest draft of a later period) as an adjustment line naming its period.
"""

from __future__ import annotations

import os
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from ..ledger.charge_lines import StoredLine, stored_lines
from ..ledger.db import transaction
from ..ledger.tables import (
    ChargeRow,
    CreditNote,
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceLineCharge,
    Issuer,
)
from ..money import is_whole_minor_units, round_money
from ..period import period_end, period_problem
from .errors import InvoiceError
from .lines import STANDARD, _late_periods, _line_sort_key, line_key
from .profiles import DEFAULT_TERMS_DAYS, PLACEHOLDER_ISSUER, issuer, issuer_code_for
from .profiles import insert_stmt as _insert
from .tax import tax_amount
from .view import CreditNoteView, InvoiceLineView, InvoiceView, _view

_T = TypeVar("_T")


def _now() -> datetime:
    return datetime.now(UTC)


def _customer(session: Session, code: str) -> Customer:
    found = session.scalars(select(Customer).where(Customer.code == code)).one_or_none()
    if found is None:
        raise InvoiceError(
            f"unknown customer {code!r}: no usage has been ingested for it and no profile was set"
        )
    return found


def _check_period(period: str) -> None:
    if period_problem(period) is not None:
        raise InvoiceError(f"period must be YYYY-MM, got {period!r}")


def _current(session: Session, customer: Customer, period: str, *, lock: bool) -> Invoice | None:
    stmt = select(Invoice).where(
        Invoice.customer_id == customer.id,
        Invoice.period == period,
        Invoice.kind == STANDARD,
        Invoice.status != "void",
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def _open(session: Session, customer: Customer, period: str) -> Invoice:
    """The period's invoice, created as an empty draft if there is none, locked for us.

    The partial unique index decides between concurrent runs: INSERT ... ON CONFLICT DO
    NOTHING, then read the one row that exists.
    """
    found = _current(session, customer, period, lock=True)
    if found is not None:
        return found
    now = _now()
    session.execute(
        _insert(session, Invoice.__table__)
        .values(
            issuer_id=issuer(session, issuer_code_for(session, customer.code)).id,
            customer_id=customer.id,
            period=period,
            kind=STANDARD,
            status="draft",
            currency="USD",
            total=Decimal(0),
            precise_total=Decimal(0),
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["customer_id", "period", "kind"],
            index_where=text("status <> 'void'"),
        )
    )
    found = _current(session, customer, period, lock=True)
    assert found is not None
    return found


#: ``auto`` rates in SQL above this many events on the invoice (README "Scale path").
SQL_THRESHOLD = 50_000
ENGINES = ("auto", "sql", "duckdb", "python")


def _regenerate(
    session: Session,
    invoice: Invoice,
    rating: str = "auto",
    threshold: int = SQL_THRESHOLD,
    catalog: Any = None,
) -> str:
    """Rebuild a draft's lines from the charges it bills (the caller holds its lock).

    ``rating``: ``python`` sums the stored charge lines; ``sql`` rates the invoice's events
    in the database (billing.sqlrate) and writes no per-event links (``--with-events`` finds
    them on demand); ``auto`` picks SQL above ``threshold`` events. Returns the one used.
    """
    assert invoice.status == "draft"
    if rating not in ENGINES:
        raise InvoiceError(f"rating engine must be one of {', '.join(ENGINES)}, got {rating!r}")
    session.execute(delete(InvoiceLineCharge).where(InvoiceLineCharge.invoice_id == invoice.id))
    session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    session.execute(
        update(ChargeRow).where(ChargeRow.invoice_id == invoice.id).values(invoice_id=None)
    )
    periods = [invoice.period, *_late_periods(session, invoice)]
    session.execute(
        update(ChargeRow)
        .where(
            ChargeRow.customer_id == invoice.customer_id,
            ChargeRow.invoice_id.is_(None),
            ChargeRow.period.in_(periods),
        )
        .values(invoice_id=invoice.id)
    )
    if rating != "python":
        count = session.scalar(
            select(func.count()).select_from(ChargeRow).where(ChargeRow.invoice_id == invoice.id)
        )
        if rating in ("sql", "duckdb") or int(count or 0) > threshold:
            from .lines_sql import sql_groups  # here for start-up time: it loads sqlrate

            groups_sql = sql_groups(
                session,
                invoice,
                periods,
                catalog,
                strict=rating != "auto",
                engine="duckdb" if rating == "duckdb" else None,
            )
            if groups_sql is not None:
                _write_lines(session, invoice, *groups_sql)
                return "duckdb" if rating == "duckdb" else "sql"
    rows = session.execute(
        select(
            ChargeRow.event_pk,
            ChargeRow.period,
            ChargeRow.offering,
            ChargeRow.currency,
            ChargeRow.lines,
        ).where(ChargeRow.invoice_id == invoice.id)
    ).all()
    currencies = {row.currency for row in rows}
    if len(currencies) > 1:
        raise InvoiceError(
            f"customer's charges for {invoice.period} are in several currencies "
            f"({', '.join(sorted(currencies))}); one invoice has one currency"
        )
    currency = currencies.pop() if currencies else invoice.currency
    members_of: dict[tuple[Any, ...], list[tuple[int, StoredLine]]] = defaultdict(list)
    for row in rows:
        adjustment = row.period if row.period != invoice.period else None
        for item in stored_lines(row.lines, row.offering):
            members_of[line_key(adjustment, item)].append((row.event_pk, item))
    groups: dict[tuple[Any, ...], tuple[int, Decimal, int, list[int] | None]] = {
        key: (
            sum(item.quantity for _, item in members),
            sum((item.amount for _, item in members), Decimal(0)),
            len({pk for pk, _ in members}),
            sorted({pk for pk, _ in members}),
        )
        for key, members in members_of.items()
    }
    _write_lines(session, invoice, groups, currency)
    return "python"


def _write_lines(
    session: Session,
    invoice: Invoice,
    groups: dict[tuple[Any, ...], tuple[int, Decimal, int, list[int] | None]],
    currency: str,
) -> None:
    """Insert the invoice lines: key → (quantity, precise amount, events, charge ids or None),
    then the subtotal, the tax of the customer's profile (billing.invoicing.tax) and the total."""
    who = session.get(Customer, invoice.customer_id)
    assert who is not None
    if who.currency and not groups:
        currency = who.currency  # an invoice without usage is in the customer's currency
    _check_currency(session, invoice, currency)
    total = round_money(Decimal(0), currency)  # 0.00: an invoice without usage totals 0.00
    precise_total = Decimal(0)
    link_rows: list[dict[str, Any]] = []
    for position, key in enumerate(sorted(groups, key=_line_sort_key), 1):
        quantity, precise, n_events, charge_ids = groups[key]
        adjustment, offering, charge, tier, unit, unit_price, list_price = key
        amount = round_money(precise, currency)
        line_id = session.execute(
            insert(InvoiceLine)
            .values(
                invoice_id=invoice.id,
                position=position,
                offering=offering,
                model=offering.split("/", 1)[-1],
                charge=charge,
                tier=tier,
                unit=unit,
                quantity=quantity,
                unit_price=unit_price,
                list_price=list_price,
                precise_amount=precise,
                amount=amount,
                adjustment_period=adjustment,
                events=n_events,
            )
            .returning(InvoiceLine.id)
        ).scalar_one()
        if charge_ids is not None:
            link_rows.extend(
                {"invoice_line_id": line_id, "charge_id": pk, "invoice_id": invoice.id}
                for pk in charge_ids
            )
        total += amount
        precise_total += precise
    if link_rows:
        session.execute(insert(InvoiceLineCharge), link_rows)
    invoice.subtotal = total
    invoice.tax_treatment = who.tax_treatment
    invoice.tax_rate = who.tax_rate if who.tax_treatment == "rate" else None
    invoice.tax = tax_amount(total, invoice.tax_treatment, invoice.tax_rate, currency)
    if invoice.tax is not None:
        total += invoice.tax
    invoice.terms_days = who.terms_days if who.terms_days is not None else DEFAULT_TERMS_DAYS
    invoice.total = total
    invoice.precise_total = precise_total
    invoice.currency = currency
    invoice.updated_at = _now()
    session.flush()


def _check_currency(session: Session, invoice: Invoice, currency: str) -> None:
    """A customer whose profile names a currency is invoiced in it: charges in another
    currency are an error, not an invoice in the wrong money."""
    who = session.get(Customer, invoice.customer_id)
    assert who is not None
    if who.currency and who.currency != currency:
        charges = session.scalar(
            select(func.count()).select_from(ChargeRow).where(ChargeRow.invoice_id == invoice.id)
        )
        if charges:
            raise InvoiceError(
                f"customer {who.code!r} is invoiced in {who.currency} (its profile) but its "
                f"charges for {invoice.period} are in {currency}; change the customer's "
                "--currency or the prices it is charged"
            )


#: PostgreSQL's SQLSTATEs after which a transaction rolled back whole and may simply be
#: run again: serialization_failure and deadlock_detected.
_RETRY_STATES = ("40001", "40P01")
_ATTEMPTS = 5


def _retried(work: Callable[[], _T]) -> _T:
    """``work()`` (one transaction), run again when the database rolled it back for a
    serialization failure or a deadlock; other errors pass through."""
    from sqlalchemy.exc import DBAPIError  # only on this path (start-up time)

    for attempt in range(_ATTEMPTS):
        try:
            return work()
        except DBAPIError as exc:
            state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
            if state not in _RETRY_STATES or attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1) * (1 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def invoice(
    engine: Engine,
    customer: str,
    period: str,
    *,
    finalize: bool = False,
    with_events: bool = False,
    rating: str = "auto",
    threshold: int = SQL_THRESHOLD,
    catalog: Any = None,
    force: bool = False,
) -> InvoiceView:
    """The customer's invoice for the period: a draft regenerated now, or the final one.

    With ``finalize``, a draft is regenerated, frozen and numbered in one transaction;
    an invoice that is already final is returned as it is. ``rating`` chooses how a draft's
    lines are computed (see :func:`_regenerate`); both ways give the same lines and totals.

    Finalisation is refused (:class:`InvoiceError`, nothing changes) while the issuer is
    the placeholder (no ``ratecard issuer set`` and no ``$RATECARD_ISSUER_NAME``), and,
    unless ``force``, for a period that has not ended (UTC) or an invoice without usage
    lines, so gapless numbers are not spent by accident. The due date is the issue date
    plus the customer's payment terms (30 days when unset).
    """
    _check_period(period)

    def work() -> InvoiceView:
        with transaction(engine) as session:
            who = _customer(session, customer)
            inv = _open(session, who, period)
            used = None
            if inv.status == "draft":
                used = _regenerate(session, inv, rating, threshold, catalog)
                if finalize:
                    _finalize(session, inv, force=force)
            return replace(_view(session, inv, with_events=with_events), rating=used)

    return _retried(work)


def _finalize(session: Session, inv: Invoice, *, force: bool = False) -> None:
    now = _now()
    customer = session.get(Customer, inv.customer_id)
    assert customer is not None
    if not force:
        if now < period_end(inv.period):
            raise InvoiceError(
                f"the {inv.period} period of {customer.code} has not ended yet (it ends "
                f"{period_end(inv.period).date().isoformat()} 00:00 UTC); finalise it then, "
                "or give --force to issue it now"
            )
        lines = session.scalar(
            select(func.count()).select_from(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)
        )
        if not lines:
            raise InvoiceError(
                f"{customer.code} has no billable usage in {inv.period}: finalising would "
                "spend an invoice number on an empty invoice; give --force to issue it anyway"
            )
    # the issuer of the customer's tenant (a draft made before tenants had their own issuer
    # still names the default one: it is issued by its tenant's)
    code = issuer_code_for(session, customer.code)
    inv.issuer_id = issuer(session, code).id
    # FOR NO KEY UPDATE (PostgreSQL): the number is not a key, and a plain FOR UPDATE would
    # wait on the KEY SHARE locks that every transaction's insert referencing the issuer
    # holds; two finalisations of different customers could then deadlock upgrading them.
    stmt = select(Issuer).where(Issuer.id == inv.issuer_id).with_for_update(key_share=True)
    who = session.scalars(stmt).one()
    if not who.profile_set:
        env_name = os.environ.get("RATECARD_ISSUER_NAME", "").strip()
        if not env_name:
            tenant = f"--tenant {code[:-1]} " if code.endswith("/") else ""
            raise InvoiceError(
                f"the issuer is still the placeholder {PLACEHOLDER_ISSUER!r}: an invoice "
                f"must name who issues it; run 'ratecard issuer set {tenant}--name NAME "
                "--address ADDRESS' first"
            )
        who.name = env_name
        who.address = os.environ.get("RATECARD_ISSUER_ADDRESS", who.address)
        who.profile_set = True
    inv.number = who.next_invoice_number
    who.next_invoice_number += 1
    inv.status = "finalized"
    inv.finalized_at = now
    inv.updated_at = now
    terms = inv.terms_days if inv.terms_days is not None else DEFAULT_TERMS_DAYS
    inv.terms_days = terms
    inv.due_date = (now.date() + timedelta(days=terms)).isoformat()
    inv.parties = {
        "issuer": {
            "name": who.name,
            "address": who.address,
            "email": who.email,
            "tax_id": who.tax_id,
        },
        "customer": {
            "name": customer.name,
            "address": customer.address,
            "email": customer.email,
            "tax_id": customer.tax_id,
        },
    }
    session.flush()


def void(engine: Engine, customer: str, period: str, *, with_events: bool = False) -> InvoiceView:
    """Void the period's finalised invoice and release its charges to be invoiced again."""
    _check_period(period)
    with transaction(engine) as session:
        who = _customer(session, customer)
        inv = _current(session, who, period, lock=True)
        if inv is None:
            raise InvoiceError(f"{customer} has no invoice for {period} to void")
        if inv.status != "finalized":
            raise InvoiceError(
                f"the {period} invoice of {customer} is a draft: only a finalised invoice "
                "can be voided (a draft simply changes as usage arrives)"
            )
        credited = session.scalar(
            select(func.count()).select_from(CreditNote).where(CreditNote.invoice_id == inv.id)
        )
        if credited:
            raise InvoiceError(
                f"the {period} invoice of {customer} has credit notes; credit the rest "
                "instead of voiding it"
            )
        inv.status = "void"
        inv.voided_at = _now()
        inv.updated_at = inv.voided_at
        session.execute(
            update(ChargeRow).where(ChargeRow.invoice_id == inv.id).values(invoice_id=None)
        )
        session.flush()
        return _view(session, inv, with_events=with_events)


def credit_note(
    engine: Engine, customer: str, period: str, amount: Decimal, reason: str
) -> CreditNoteView:
    """Issue a credit note against the period's finalised invoice."""
    _check_period(period)
    if not amount.is_finite() or amount <= 0:
        raise InvoiceError(f"a credit note's amount must be positive, got {amount}")
    with transaction(engine) as session:
        who = _customer(session, customer)
        inv = _current(session, who, period, lock=True)
        if inv is None or inv.status != "finalized":
            state = "no invoice" if inv is None else f"a {inv.status} invoice"
            raise InvoiceError(
                f"{customer} has {state} for {period}: credit notes correct finalised invoices"
            )
        if not is_whole_minor_units(amount, inv.currency):
            raise InvoiceError(f"{amount} {inv.currency} is not a whole number of minor units")
        notes = session.scalars(select(CreditNote).where(CreditNote.invoice_id == inv.id)).all()
        credited = sum((n.amount for n in notes), round_money(Decimal(0), inv.currency))
        if credited + amount > inv.total:
            raise InvoiceError(
                f"credit notes would total {credited + amount} {inv.currency}, more than the "
                f"invoice's {inv.total} {inv.currency} ({credited} already credited)"
            )
        issuing = session.scalars(
            select(Issuer).where(Issuer.id == inv.issuer_id).with_for_update(key_share=True)
        ).one()
        note = CreditNote(
            issuer_id=issuing.id,
            invoice_id=inv.id,
            number=issuing.next_credit_note_number,
            amount=amount,
            reason=reason,
            created_at=_now(),
        )
        issuing.next_credit_note_number += 1
        session.add(note)
        session.flush()
        view = _view(session, inv, with_events=False)
        return view.credit_notes[-1]


def charges_total(
    engine: Engine, customer: str, invoice_ids: Sequence[int] | None = None
) -> Decimal:
    """The exact sum of a customer's stored charges (for audits and tests)."""
    with transaction(engine) as session:
        stmt = (
            select(ChargeRow.total)
            .join(Customer, Customer.id == ChargeRow.customer_id)
            .where(Customer.code == customer)
        )
        if invoice_ids is not None:
            stmt = stmt.where(ChargeRow.invoice_id.in_(invoice_ids))
        return sum(session.scalars(stmt), Decimal(0))


__all__ = [
    "ENGINES",
    "SQL_THRESHOLD",
    "CreditNoteView",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "charges_total",
    "credit_note",
    "invoice",
    "void",
]
