"""``ratecard rate``: re-rate a period in bulk, in the database, with the current catalog."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, get_catalog, print_json


def register(sub: Any) -> None:
    p = sub.add_parser(
        "rate",
        help="re-rate a period in the database (SQL) and compare with the stored charges",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="database URL or SQLite path (default: $RATECARD_DB, else ./ratecard.db)",
    )
    p.add_argument("--period", required=True, metavar="YYYY-MM")
    p.add_argument("--customer", help="only this customer")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--show-sql",
        action="store_true",
        help="print the compiled SQL for each offering in the period instead of running it",
    )
    p.set_defaults(func=cmd_rate)


def _text(value: Any) -> str:
    from billing.text import decimal_text

    return decimal_text(value)


def cmd_rate(args: argparse.Namespace) -> int:
    from billing.invoicing.lifecycle import InvoiceError, _check_period
    from billing.sqlrate import (
        NotCompilableError,
        customer_codes,
        period_scope,
        rate_scope,
        show_sql,
        unread_events,
    )
    from billing.sqlrate.rate import offerings_in_scope
    from billing.sqlrate.stored import compare, stored_sums
    from ratecard.cli.ledger_cmd import _engine

    try:
        _check_period(args.period)
    except InvoiceError as exc:
        raise UsageError(str(exc)) from None
    catalog = get_catalog(args)
    engine = _engine(args)
    try:
        with engine.connect() as conn:
            codes = customer_codes(conn)
            customer_id = None
            if args.customer is not None:
                found = [pk for pk, code in codes.items() if code == args.customer]
                if not found:
                    raise UsageError(f"unknown customer {args.customer!r}")
                customer_id = found[0]
            scope = period_scope(args.period, customer_id)
            if args.show_sql:
                for key in offerings_in_scope(conn, scope):
                    offering = catalog.offerings.get(key) if key else None
                    if offering is not None:
                        print(show_sql(conn, scope, offering) + "\n")
                return EXIT_OK
            try:
                result = rate_scope(conn, scope, catalog)
            except NotCompilableError as exc:
                print(f"ratecard: the SQL path cannot rate this period: {exc}", file=sys.stderr)
                return EXIT_BAD_INPUT
            rows = compare(result, stored_sums(conn, scope))
            unread = unread_events(conn, args.period, customer_id)
    finally:
        engine.dispose()
    for row in rows:
        row["customer"] = codes.get(row.pop("customer_id"), "?")
    errors = [
        {
            "customer": codes.get(err.customer_id, "?"),
            "period": err.period,
            "offering": err.offering,
            "events": err.events,
            "reason": err.reason,
        }
        for err in result.errors
    ]
    differences = sum(1 for row in rows if not row["same"])
    if args.json:
        print_json(
            {
                "period": args.period,
                "priced_events": result.priced_events,
                "unrated_events": result.error_events,
                "unread_events": unread,
                "differences": differences,
                "lines": [
                    {
                        k: (
                            _text(v)
                            if k in ("unit_price", "amount", "stored_amount", "difference")
                            else v
                        )
                        for k, v in row.items()
                    }
                    for row in rows
                ],
                "errors": errors,
            }
        )
    else:
        print(
            f"{args.period}: {result.priced_events:,} events rated in SQL, "
            f"{result.error_events:,} cannot be rated, {differences} lines differ from the "
            "stored charges"
        )
        for row in rows:
            mark = (
                ""
                if row["same"]
                else (
                    f"  stored {row['stored_quantity']:,} = {_text(row['stored_amount'])}"
                    f" (difference {_text(row['difference'])})"
                )
            )
            tier = row["tier"] or "-"
            print(
                f"  {row['customer']}  {row['offering']}  {row['price_version']}  {tier}  "
                f"{row['charge']}  {row['quantity']:,} × {_text(row['unit_price'])}/"
                f"{row['unit']} = {_text(row['amount'])}  ({row['events']:,} events){mark}"
            )
        if unread:
            print(
                f"  {unread:,} events carry no usage: their record could not be read at "
                "ingest (ratecard ingest --rejects lists them)"
            )
        for err in errors:
            print(
                f"  cannot rate {err['events']:,} events of {err['customer']} "
                f"({err['offering'] or 'unknown offering'}): {err['reason']}"
            )
    return EXIT_BAD_INPUT if errors else EXIT_OK
