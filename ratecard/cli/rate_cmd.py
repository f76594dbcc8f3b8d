"""``ratecard rate``: re-rate a period in bulk, in the database, with the current catalog."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import Any

from .boundary import debugging, first_line
from .common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    InputError,
    UsageError,
    db_arg,
    get_catalog,
    print_json,
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "rate",
        help="re-rate a period in the database (SQL) and compare with the stored charges",
    )
    db_arg(p)
    p.add_argument(
        "--period", required=True, metavar="YYYY-MM", help="the UTC calendar month, e.g. 2026-11"
    )
    p.add_argument("--customer", help="only this customer")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--engine",
        choices=["db", "duckdb", "spark"],
        default="db",
        help="where the statements run: the ledger's own database (db, the default), DuckDB "
        "in this process, or Spark (see the README's Scale path)",
    )
    p.add_argument(
        "--events",
        metavar="DIR",
        help="duckdb, spark: read the events from this export (ratecard export-events) "
        "instead of the ledger; the stored charges are then compared only with --db",
    )
    p.add_argument(
        "--events-format",
        choices=["parquet", "delta", "table"],
        default="parquet",
        help="spark: --events is a Parquet export (default), Delta tables, or a prefix of "
        "tables in the Spark catalog (db. for db.usage_events ...)",
    )
    p.add_argument(
        "--spark-master",
        metavar="URL",
        help="spark: local[N] (default local[2]), spark://host:7077, yarn, or sc://host:15002 "
        "for Spark Connect",
    )
    p.add_argument(
        "--show-sql",
        action="store_true",
        help="print the compiled SQL for each offering in the period instead of running it",
    )
    p.set_defaults(func=cmd_rate)
    register_export(sub)


def _spark_failure(exc: BaseException) -> str | None:
    """The first line of the error a Spark statement raised while it ran on the events (a
    value Spark cannot convert, an overflow: PySpark's errors from the JVM), or None for any
    other exception. An ``AnalysisException`` is not one: ratecard's statements are
    analysed before they read a row, so Spark refusing one is ratecard's fault."""
    try:
        # here for start-up time: loaded only when the Spark engine ran
        from pyspark.errors import AnalysisException, PySparkException
    except ImportError:  # pragma: no cover - the spark extra is what ran
        return None
    if not isinstance(exc, PySparkException) or isinstance(exc, AnalysisException):
        return None
    return first_line(exc) or type(exc).__name__


def _text(value: Any) -> str:
    # here for start-up time: loaded only when this command runs
    from billing import decimal_text

    return decimal_text(value)


def _rating_connection(args: argparse.Namespace, stack: ExitStack, ledger: Any) -> Any:
    """The connection the statements run on, when it does not need the scope: the ledger
    itself, or an engine over the export in --events. None: load the ledger (after the
    customer is known)."""
    # here for start-up time: loaded only when this command runs
    from pathlib import Path

    if args.engine == "db":
        return ledger
    if not args.events:
        return None
    if args.events_format != "table" and "://" not in args.events:
        if not Path(args.events).exists():  # in the same words for both engines
            raise FileNotFoundError(f"{args.events}: no such directory")
    if args.engine == "duckdb":
        # here for start-up time: loaded only when this command runs
        from billing.sqlrate import duckdb_connection

        return stack.enter_context(duckdb_connection(parquet=Path(args.events)))
    # here for start-up time: loaded only when this command runs
    from billing.sqlrate import SparkConnection, register_events, spark_session

    spark = spark_session(args.spark_master, quiet=not debugging())
    register_events(spark, args.events, args.events_format)
    return SparkConnection(spark)


def _load_ledger(args: argparse.Namespace, stack: ExitStack, ledger: Any, scope: Any) -> Any:
    """DuckDB or Spark over the ledger's events in ``scope``: DuckDB loads them as Arrow
    batches; Spark reads a Parquet export written to a temporary directory."""
    # here for start-up time: loaded only when this command runs
    import tempfile
    from pathlib import Path

    if args.engine == "duckdb":
        # here for start-up time: loaded only when this command runs
        from billing.sqlrate import duckdb_connection

        return stack.enter_context(duckdb_connection(ledger=ledger, scope=scope))
    # here for start-up time: loaded only when this command runs
    from billing.sqlrate import SparkConnection, export_events, register_events, spark_session

    out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ratecard-spark-")))
    export_events(ledger, scope, out)
    spark = spark_session(args.spark_master, quiet=not debugging())
    register_events(spark, str(out))
    return SparkConnection(spark)


def cmd_rate(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.sqlrate import (
        EngineUnavailableError,
        NotCompilableError,
        SparkUsageError,
        compare,
        customer_codes,
        offerings_in_scope,
        period_scope,
        rate_scope,
        show_sql,
        stored_sums,
        unread_events,
    )

    # here for start-up time: loaded only when this command runs
    from ratecard.cli.ledger_cmd import check_period, open_ledger

    check_period(args.period)
    catalog = get_catalog(args)
    if args.engine == "db" and args.events:
        raise UsageError("--events needs --engine duckdb or --engine spark")
    if args.engine != "spark" and (args.spark_master or args.events_format != "parquet"):
        raise UsageError("--spark-master and --events-format are for --engine spark")
    if args.spark_master is not None:
        # here for start-up time: loaded only when this command runs
        from billing.sqlrate import SparkUsageError, check_master

        try:
            check_master(args.spark_master)  # before the JVM starts (no Java stack trace)
        except SparkUsageError as exc:
            raise UsageError(str(exc)) from None
    with ExitStack() as stack:
        ledger = None
        if not args.events or args.db:
            engine = open_ledger(args)
            stack.callback(engine.dispose)
            ledger = stack.enter_context(engine.connect())
        try:
            conn = _rating_connection(args, stack, ledger)
        except (FileNotFoundError, SparkUsageError) as exc:
            # a missing export, events Spark cannot read: usage errors (exit 2)
            raise UsageError(str(exc)) from None
        except EngineUnavailableError as exc:
            print(f"ratecard: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        codes = customer_codes(ledger if ledger is not None else conn)
        customer_id = None
        if args.customer is not None:
            found = [pk for pk, code in codes.items() if code == args.customer]
            if not found:
                raise InputError(
                    f"unknown customer {args.customer!r}: no usage has been ingested for it"
                )
            customer_id = found[0]
        if customer_id is not None and args.events and customer_id not in customer_codes(conn):
            # an export made with ``export-events --customer`` for another customer: its
            # rating would say "0 events, 0 lines differ", as if the stored charges matched
            raise InputError(
                f"the export at {args.events} does not hold customer {args.customer!r} (it "
                "was made with export-events --customer for another): export that customer's "
                "events, or rate without --events"
            )
        scope = period_scope(args.period, customer_id)
        if conn is None:
            try:
                conn = _load_ledger(args, stack, ledger, scope)
            except SparkUsageError as exc:
                raise UsageError(str(exc)) from None
            except EngineUnavailableError as exc:
                print(f"ratecard: {exc}", file=sys.stderr)
                return EXIT_BAD_INPUT
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
        except Exception as exc:
            # a Spark statement that fails on the events themselves (a count Spark cannot
            # read as a number, under ANSI mode): the data's fault, said in Spark's words
            reason = _spark_failure(exc) if args.engine == "spark" else None
            if reason is None:
                raise
            raise InputError(f"Spark could not rate the events: {reason}") from None
        stored = stored_sums(ledger, scope) if ledger is not None else None
        if stored is not None and args.events:
            # an export holds some customers (``export-events --customer``): the stored
            # charges of the others are not this rating's to compare
            held = set(customer_codes(conn))
            stored = {key: sums for key, sums in stored.items() if key[0] in held}
        rows = compare(result, stored if stored is not None else {})
        if stored is None:  # nothing to compare with: the stored fields say so (null)
            for row in rows:
                row.update(same=None, stored_quantity=None, stored_amount=None, difference=None)
        unread = unread_events(conn, args.period, customer_id)
    for row in rows:
        row["customer"] = codes.get(row.pop("customer_id"), "?")
    errors = [
        {
            "customer": codes.get(err.customer_id, "?"),
            "period": err.period,
            "offering": err.offering,
            "events": err.events,
            "code": err.reason_code,
            "reason": err.reason,
        }
        for err in result.errors
    ]
    differences = sum(1 for row in rows if row["same"] is False)
    if args.json:
        print_json(
            {
                "period": args.period,
                "engine": result.engine,
                "priced_events": result.priced_events,
                "unrated_events": result.error_events,
                "unread_events": unread,
                "differences": differences if stored is not None else None,
                "lines": [
                    {
                        k: (
                            _text(v)
                            if k in ("unit_price", "amount", "stored_amount", "difference")
                            and v is not None
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
            f"{args.period}: {result.priced_events:,} events rated in {result.engine}, "
            f"{result.error_events:,} cannot be rated, "
            + (
                f"{differences} lines differ from the stored charges"
                if stored is not None
                else "stored charges not compared (no --db)"
            )
        )
        for row in rows:
            mark = (
                ""
                if row["same"] is not False
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


def register_export(sub: Any) -> None:
    p = sub.add_parser(
        "export-events",
        help="write a period's events as Parquet, for ratecard rate --engine duckdb|spark",
    )
    db_arg(p)
    p.add_argument(
        "--period", required=True, metavar="YYYY-MM", help="the UTC calendar month, e.g. 2026-11"
    )
    p.add_argument("--customer", help="only this customer")
    p.add_argument("--out", required=True, metavar="DIR", help="the export directory")
    p.add_argument("--json", action="store_true", help="print the rows written as JSON")
    p.set_defaults(func=cmd_export_events)


def cmd_export_events(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    import time
    from pathlib import Path

    # here for start-up time: loaded only when this command runs
    from billing.sqlrate import customer_codes, export_events, period_scope
    from ratecard.cli.ledger_cmd import check_period, open_ledger

    check_period(args.period)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        print("ratecard: export-events needs pyarrow: pip install 'ratecard[duckdb]'")
        return EXIT_BAD_INPUT
    engine = open_ledger(args)
    start = time.perf_counter()
    try:
        with engine.connect() as conn:
            customer_id = None
            if args.customer is not None:
                found = [pk for pk, code in customer_codes(conn).items() if code == args.customer]
                if not found:
                    raise UsageError(f"unknown customer {args.customer!r}")
                customer_id = found[0]
            # every event of the period (unpriceable ones too: rate counts them per reason)
            scope = period_scope(args.period, customer_id)
            written = export_events(conn, scope, Path(args.out))
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - start
    if args.json:
        print_json({"out": args.out, "rows": written, "seconds": round(elapsed, 3)})
    else:
        print(
            f"{args.out}: {written['usage_events']:,} events, "
            f"{written['usage_tool_calls']:,} tool calls, {written['customers']:,} customers "
            f"written as Parquet in {elapsed:.1f} s"
        )
    return EXIT_OK
