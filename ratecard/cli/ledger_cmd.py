"""``ratecard ingest``, ``ratecard invoice``, ``ratecard credit-note`` and ``ratecard db``."""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from .common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    UsageError,
    dumps,
    get_catalog,
    open_input,
    print_json,
    read_json_lines,
)

_SHOWN_PROBLEMS = 20


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL or SQLite path (default: $RATECARD_DB, else ./ratecard.db)",
    )


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="price and store usage records (JSON Lines)")
    _db_arg(p)
    p.add_argument("file", metavar="FILE|-", help="JSON Lines of usage records, or - for stdin")
    p.add_argument("--rejects", metavar="FILE", help="write lines that were not priced here")
    p.add_argument("--batch-size", type=int, default=1000, help="lines per transaction")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("invoice", help="a customer's invoice for a period")
    _db_arg(p)
    p.add_argument("--customer", required=True)
    p.add_argument("--period", required=True, metavar="YYYY-MM")
    state = p.add_mutually_exclusive_group()
    state.add_argument("--finalize", action="store_true", help="freeze and number it")
    state.add_argument("--void", action="store_true", help="void a finalised invoice")
    for fmt in ("json", "csv", "html"):
        p.add_argument(
            f"--{fmt}",
            nargs="?",
            const="-",
            metavar="OUT",
            help=f"write it as {fmt.upper()} to OUT (default: stdout)",
        )
    p.add_argument("--with-events", action="store_true", help="list the event ids of each line")
    p.add_argument(
        "--engine",
        choices=["auto", "sql", "python"],
        default="auto",
        help="how a draft's lines are computed: rated in the database (sql), summed from the "
        "stored charges (python), or sql above --sql-threshold events (auto, the default)",
    )
    p.add_argument(
        "--sql-threshold",
        type=int,
        default=50_000,
        metavar="N",
        help="auto uses SQL when the invoice bills more than N events (default 50,000)",
    )
    p.set_defaults(func=cmd_invoice)

    p = sub.add_parser("credit-note", help="credit part of a finalised invoice")
    _db_arg(p)
    p.add_argument("--customer", required=True)
    p.add_argument("--period", required=True, metavar="YYYY-MM")
    p.add_argument("--amount", required=True, help="in the invoice's currency, e.g. 12.50")
    p.add_argument("--reason", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_credit_note)

    p = sub.add_parser("db", help="database schema: upgrade or show the revision")
    dsub = p.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    for name, helptext in (("upgrade", "migrate to the newest schema"), ("current", "show it")):
        q = dsub.add_parser(name, help=helptext)
        _db_arg(q)
        q.add_argument("--json", action="store_true", help="machine-readable output")
        q.set_defaults(func=cmd_db)


def check_period(period: str) -> str:
    """``--period`` as a UTC calendar month, ``YYYY-MM``; anything else is a usage error
    (exit 2), found before the database is opened."""
    import re

    why = ""
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", period)
    if found is None:
        why = "a month is written as a four-digit year, a dash and a two-digit month"
    elif len(found[2]) == 1:
        why = f"the month needs two digits ({found[1]}-0{found[2]})"
    elif not 1 <= int(found[2]) <= 12:
        why = f"there is no month {found[2]}"
    if why:
        raise UsageError(f"--period must be YYYY-MM (for example 2026-11), got {period!r}: {why}")
    return period


def _engine(args: argparse.Namespace) -> Any:
    from billing.ledger.db import make_engine
    from billing.ledger.migrate import ensure_schema

    try:
        engine = make_engine(args.db)
        ensure_schema(engine)
    except Exception as exc:
        if exc.__class__.__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
            raise UsageError(f"cannot open the database: {exc}") from None
        raise
    return engine


class _Progress:
    """A one-line progress report on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, summary: Any) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        rate = summary.lines / max(now - self.start, 1e-9)
        sys.stderr.write(
            f"\r{summary.lines:,} lines · {summary.ingested:,} new · "
            f"{summary.duplicates:,} duplicates · {summary.rejected:,} rejected · {rate:,.0f}/s"
        )
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\n")


def cmd_ingest(args: argparse.Namespace) -> int:
    from billing.ledger.ingest import Problem, ingest_lines, make_pricer, write_reject

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    stream = open_input(args.file)
    catalog = get_catalog(args)
    engine = _engine(args)
    rejects: IO[str] | None = None
    if args.rejects:
        Path(args.rejects).parent.mkdir(parents=True, exist_ok=True)
        rejects = open(args.rejects, "w", encoding="utf-8")  # noqa: SIM115
    shown = 0

    def on_problem(problem: Problem) -> None:
        nonlocal shown
        if rejects is not None:
            write_reject(rejects, problem)
        if shown < _SHOWN_PROBLEMS:
            print(f"{args.file}: {problem}", file=sys.stderr)
        shown += 1

    progress = _Progress()
    try:
        summary = ingest_lines(
            engine,
            read_json_lines(stream),
            make_pricer(catalog),
            batch_size=args.batch_size,
            on_problem=on_problem,
            on_progress=progress,
        )
    finally:
        progress.done()
        if stream is not sys.stdin:
            stream.close()
        if rejects is not None:
            rejects.close()
        engine.dispose()
    if shown > _SHOWN_PROBLEMS:
        where = f" (all in {args.rejects})" if args.rejects else ""
        print(f"... and {shown - _SHOWN_PROBLEMS} more{where}", file=sys.stderr)
    if args.json:
        print_json(summary.as_json())
    else:
        print(
            f"ingested {summary.ingested}, duplicates {summary.duplicates}, "
            f"conflicts {summary.conflicts}, rejected {summary.rejected} "
            f"({summary.lines} lines)"
        )
    return EXIT_BAD_INPUT if summary.rejected or summary.conflicts else EXIT_OK


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


def cmd_invoice(args: argparse.Namespace) -> int:
    from billing.invoicing.lifecycle import InvoiceError, invoice, void
    from billing.invoicing.render.csv import invoice_csv
    from billing.invoicing.render.html import invoice_html
    from billing.invoicing.render.json import invoice_doc
    from billing.invoicing.render.text import invoice_text

    check_period(args.period)
    engine = _engine(args)
    try:
        if args.void:
            view = void(engine, args.customer, args.period, with_events=args.with_events)
        else:
            view = invoice(
                engine,
                args.customer,
                args.period,
                finalize=args.finalize,
                with_events=args.with_events,
                rating=args.engine,
                threshold=args.sql_threshold,
                catalog=get_catalog(args) if args.engine != "python" else None,
            )
    except InvoiceError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    outputs = [(fmt, getattr(args, fmt)) for fmt in ("json", "csv", "html") if getattr(args, fmt)]
    if not any(target == "-" for _, target in outputs):
        print(invoice_text(view))
    for fmt, target in outputs:
        if fmt == "json":
            _write(target, dumps(invoice_doc(view), indent=2))
        elif fmt == "csv":
            _write(target, invoice_csv(view))
        else:
            _write(target, invoice_html(view))
    return EXIT_OK


def cmd_credit_note(args: argparse.Namespace) -> int:
    from billing.invoicing.lifecycle import InvoiceError, credit_note
    from billing.invoicing.render.json import credit_note_doc

    try:
        amount = Decimal(args.amount)
    except InvalidOperation:
        raise UsageError(f"--amount must be a decimal number, got {args.amount!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise UsageError(f"--amount must be a positive amount, got {args.amount!r}")
    check_period(args.period)
    engine = _engine(args)
    try:
        note = credit_note(engine, args.customer, args.period, amount, args.reason)
    except InvoiceError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    if args.json:
        print_json(credit_note_doc(note))
    else:
        print(
            f"credit note {note.document_number}: {format(note.amount, 'f')} {note.currency} "
            f"against invoice {note.invoice_number} ({note.customer}, {note.period})"
        )
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    from billing.ledger.db import make_engine
    from billing.ledger.migrate import current_revision, head_revision, upgrade

    engine = make_engine(args.db)
    try:
        if args.db_command == "upgrade":
            upgrade(engine)
        where = engine.url.render_as_string(hide_password=True)
        current, newest = current_revision(engine), head_revision()
        if args.json:
            print_json({"database": where, "revision": current, "newest": newest})
        else:
            print(f"{where}: revision {current} (newest {newest})")
    finally:
        engine.dispose()
    return EXIT_OK
