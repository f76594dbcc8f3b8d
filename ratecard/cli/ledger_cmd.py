"""``ratecard ingest``, ``ratecard invoice``, ``ratecard credit-note`` and ``ratecard db``."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from billing import period_problem

from .common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Interrupted,
    UsageError,
    check_output,
    db_arg,
    dumps,
    get_catalog,
    open_input,
    print_json,
    read_json_lines,
    write_output,
)

_SHOWN_PROBLEMS = 20


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="price and store usage records (JSON Lines)")
    db_arg(p)
    p.add_argument(
        "--create",
        action="store_true",
        help="create the database when it does not exist (default: a missing one is an error)",
    )
    p.add_argument("file", metavar="FILE|-", help="JSON Lines of usage records, or - for stdin")
    p.add_argument("--rejects", metavar="FILE", help="write lines that were not priced here")
    p.add_argument(
        "--batch-size", type=int, default=1000, help="lines per transaction (default: 1000)"
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="worker processes that parse and price while the database stores (PostgreSQL; "
        "default: one per CPU but one, at least 2, at most 8, none on one CPU; 0: all in this "
        "process)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: only when stderr is a terminal)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("invoice", help="a customer's invoice for a period")
    db_arg(p)
    p.add_argument("--customer", required=True, help="the customer id usage records carry")
    p.add_argument(
        "--period", required=True, metavar="YYYY-MM", help="the UTC calendar month, e.g. 2026-11"
    )
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
    p.add_argument(
        "--pdf",
        metavar="FILE",
        help="write it as an A4 PDF to FILE (printed by headless Chromium; not stdout)",
    )
    p.add_argument(
        "--with-events",
        action="store_true",
        help="in every format: each line's event ids, and every event with its exact charge "
        "(unpriceable ones marked, not billed)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --finalize: issue it even if its period has not ended or it has no usage",
    )
    p.add_argument(
        "--engine",
        choices=["auto", "sql", "duckdb", "python"],
        default="auto",
        help="how a draft's lines are computed: rated in the database (sql), rated by DuckDB "
        "in this process over the invoice's events (duckdb), summed from the stored charges "
        "(python), or sql above --sql-threshold events (auto, the default)",
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
    db_arg(p)
    p.add_argument("--customer", required=True, help="the customer id usage records carry")
    p.add_argument(
        "--period", required=True, metavar="YYYY-MM", help="the UTC calendar month, e.g. 2026-11"
    )
    p.add_argument("--amount", required=True, help="in the invoice's currency, e.g. 12.50")
    p.add_argument("--reason", required=True, help="why, as the customer will read it")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_credit_note)

    p = sub.add_parser("db", help="database schema: upgrade or show the revision")
    dsub = p.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    for name, helptext in (("upgrade", "migrate to the newest schema"), ("current", "show it")):
        q = dsub.add_parser(name, help=helptext)
        db_arg(q)
        q.add_argument("--json", action="store_true", help="machine-readable output")
        q.set_defaults(func=cmd_db)


def check_period(period: str) -> str:
    """``--period`` as a UTC calendar month, ``YYYY-MM`` (billing.period); anything else is a
    usage error (exit 2), found before the database is opened."""
    why = period_problem(period)
    if why:
        raise UsageError(f"--period must be YYYY-MM (for example 2026-11), got {period!r}: {why}")
    return period


_SQLITE_HEADER = b"SQLite format 3\x00"


def database_target(value: str | None, *, create: bool) -> str:
    """The database URL of ``--db`` (else ``$RATECARD_DB``, else ``./ratecard.db``),
    checked before anything is opened: an empty value, ``:memory:`` (it keeps nothing),
    a URL SQLAlchemy cannot read or of a database ratecard does not support, a directory,
    a path under a file, or a file that is not SQLite is a :class:`UsageError`; so is a
    missing SQLite file unless ``create`` (``ingest --create``, ``db upgrade``)."""
    # here for start-up time: loaded only when this command runs
    import os

    # here for start-up time: loaded only when this command runs
    from billing.ledger import database_url

    chosen = value if value is not None else os.environ.get("RATECARD_DB")
    if chosen is None:
        chosen = "ratecard.db"
    if not chosen.strip():
        raise UsageError("--db is empty: give a SQLite file path or a postgresql:// URL")
    if chosen.strip() in (":memory:", "sqlite://", "sqlite:///:memory:"):
        raise UsageError(
            "an in-memory database keeps nothing after the command ends; give a file path"
        )
    # here for start-up time: loaded only when this command runs
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(database_url(chosen))
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise UsageError(
            f"--db {chosen[:80]!r} is not a database URL; use a SQLite file path or "
            "postgresql://user@host/dbname"
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        return url.render_as_string(hide_password=False)
    if backend != "sqlite":
        raise UsageError(
            f"--db: {backend} databases are not supported; use a SQLite file path or "
            "postgresql://user@host/dbname"
        )
    if not url.database or url.database == ":memory:":
        raise UsageError(
            "an in-memory database keeps nothing after the command ends; give a file path"
        )
    path = Path(url.database)
    if path.is_dir():
        raise UsageError(f"--db {path} is a directory; give the database file inside it")
    if path.exists():
        try:
            with path.open("rb") as handle:
                head = handle.read(len(_SQLITE_HEADER))
        except OSError as exc:
            raise UsageError(f"--db {path}: {exc.strerror}") from None
        if head and head != _SQLITE_HEADER:
            raise UsageError(f"--db {path} is not a ratecard database (not an SQLite file)")
        if not head and not create:  # SQLite would take it and write a database into it
            raise UsageError(
                f"--db {path} is an empty file, not a ratecard database; 'ratecard db upgrade "
                f"--db {path}' makes one in it"
            )
        return url.render_as_string(hide_password=False)
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"--db {path}: {parent} is a file, not a directory")
            break
    if not create:
        raise UsageError(
            f"no database at {path}; 'ratecard ingest --create --db {path} FILE' or "
            f"'ratecard db upgrade --db {path}' makes one"
        )
    return url.render_as_string(hide_password=False)


def open_ledger(args: argparse.Namespace, *, create: bool = False) -> Any:
    """The engine of ``--db`` (checked by :func:`database_target`), schema up to date."""
    # here for start-up time: loaded only when this command runs
    from billing.ledger import ensure_schema, make_engine

    target = database_target(args.db, create=create or bool(getattr(args, "create", False)))
    engine = make_engine(target)
    try:
        ensure_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


class _Progress:
    """Ingest progress on stderr with tqdm: a percentage and an ETA when the input's size is
    known (a file), lines and a rate otherwise (standard input). Shown only on a terminal
    unless ``--progress``/``--no-progress`` say otherwise; problems are printed through it
    so they stay on their own lines."""

    def __init__(self, enabled: bool | None, total_bytes: int | None) -> None:
        self.bar: Any = None
        if enabled is None:
            enabled = sys.stderr.isatty()
        if not enabled:
            return
        from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

        if total_bytes:
            self.bar = tqdm(
                total=total_bytes,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="ingest",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        else:
            self.bar = tqdm(unit=" lines", desc="ingest", file=sys.stderr, dynamic_ncols=True)
        self.done_chars = 0
        self.done_lines = 0

    def __call__(self, summary: Any) -> None:
        if self.bar is None:
            return
        if self.bar.total:
            self.bar.update(summary.chars - self.done_chars)
        else:
            self.bar.update(summary.lines - self.done_lines)
        self.done_chars, self.done_lines = summary.chars, summary.lines
        self.bar.set_postfix(
            stored=summary.ingested,
            duplicates=summary.duplicates,
            refused=summary.invalid,
            refresh=False,
        )

    def write(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _StopFlag:
    """SIGINT and SIGTERM while ingesting. While input is being read (or waited for) the
    signal stops reading at once; while a batch is priced or stored, the first signal asks
    the ingest to stop after it (the batch is finished, not cut) and a second stops at
    once (the batch being written is rolled back by its transaction)."""

    def __init__(self, say: Any) -> None:
        self.stop = False
        self.reading = False
        self.say = say
        self.previous: dict[int, Any] = {}

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.stop or self.reading:
            self.stop = True
            raise KeyboardInterrupt
        self.stop = True
        self.say("stopping after the batch being stored (press Ctrl-C again to abort it)")

    def guard(self, lines: Any) -> Any:
        """``lines`` with :attr:`reading` set while the next one is read."""
        iterator = iter(lines)
        while True:
            self.reading = True
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.reading = False
            yield item

    def __enter__(self) -> _StopFlag:
        import signal  # only on this path (start-up time)
        import threading  # only on this path (start-up time)

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal  # only on this path (start-up time)

        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def __call__(self) -> bool:
        return self.stop


def cmd_ingest(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.ledger import Problem, default_processes, ingest_lines, make_pricer, write_reject

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if args.jobs is not None and args.jobs < 0:
        raise UsageError("--jobs must be 0 or more")
    db_file = _sqlite_file(args.db)
    rejects_path = (
        check_output("--rejects", args.rejects, [args.file, *db_file]) if args.rejects else None
    )
    if args.file != "-" and db_file and _same_file(args.file, db_file[0]):
        raise UsageError(f"{args.file} is the database itself, not usage records")
    stream = open_input(args.file)
    try:
        catalog = get_catalog(args)
        engine = open_ledger(args)
    except BaseException:
        if stream is not sys.stdin:
            stream.close()
        raise
    rejects: IO[str] | None = None
    if rejects_path is not None:  # opened only after the input, the cards and the database
        try:
            rejects_path.parent.mkdir(parents=True, exist_ok=True)
            rejects = rejects_path.open("w", encoding="utf-8")
        except BaseException:
            engine.dispose()
            if stream is not sys.stdin:
                stream.close()
            raise
    shown = 0
    size = None if args.file == "-" else Path(args.file).stat().st_size
    progress = _Progress(args.progress, size)

    def on_problem(problem: Problem) -> None:
        nonlocal shown
        if rejects is not None:
            with _naming(rejects_path):
                write_reject(rejects, problem)
        if shown < _SHOWN_PROBLEMS:
            progress.write(f"{args.file}: {problem}")
        shown += 1

    # the catalog lives as long as this command: out of the garbage collector's way, whose
    # full collections would otherwise walk it over and over while the events are read
    gc.freeze()
    try:
        with _StopFlag(progress.write) as stop:
            summary = ingest_lines(
                engine,
                stop.guard(read_json_lines(stream, args.file)),
                make_pricer(catalog),
                batch_size=args.batch_size,
                on_problem=on_problem,
                on_progress=progress,
                should_stop=stop,
                processes=default_processes() if args.jobs is None else args.jobs,
            )
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted: the batch being stored was rolled back; run the same command "
            "again to finish"
        ) from None
    finally:
        progress.close()
        if stream is not sys.stdin:
            stream.close()
        engine.dispose()
        if rejects is not None:
            with _naming(rejects_path):
                rejects.close()
    if shown > _SHOWN_PROBLEMS:
        where = f" (all in {args.rejects})" if args.rejects else ""
        print(f"... and {shown - _SHOWN_PROBLEMS} more{where}", file=sys.stderr)
    if args.json:
        print_json(summary.as_json())
    else:
        print(summary_text(summary))
    if summary.interrupted:
        print(
            f"interrupted: {summary.ingested} events stored, run the same command again to finish",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_BAD_INPUT if summary.rejected or summary.conflicts else EXIT_OK


@contextmanager
def _naming(path: Path | None) -> Iterator[None]:
    """A failed write or close names no file (``/dev/full``); name ``path`` for the message."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or path is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def summary_text(summary: Any) -> str:
    """``634 lines: 628 stored (2 of them unpriceable, not billed), 3 duplicates,
    0 conflicts, 1 invalid``: the four counts after the colon add up to the lines."""
    unpriceable = (
        f" ({summary.unpriceable} of them unpriceable, not billed)" if summary.unpriceable else ""
    )
    return (
        f"{summary.lines} lines: {summary.ingested} stored{unpriceable}, "
        f"{summary.duplicates} duplicates, {summary.conflicts} conflicts, "
        f"{summary.invalid} invalid"
    )


def _sqlite_file(db: str | None) -> list[str]:
    """The SQLite file ``--db`` names, if it names one (for the output checks)."""
    # here for start-up time: loaded only when this command runs
    import os

    value = db if db is not None else os.environ.get("RATECARD_DB", "ratecard.db")
    if not value or ("://" in value and not value.startswith("sqlite:///")):
        return []
    return [value.removeprefix("sqlite:///")]


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def cmd_invoice(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.invoicing import (
        invoice,
        invoice_csv,
        invoice_doc,
        invoice_html,
        invoice_text,
        void,
    )

    check_period(args.period)
    outputs = [(fmt, getattr(args, fmt)) for fmt in ("json", "csv", "html") if getattr(args, fmt)]
    to_stdout = [fmt for fmt, target in outputs if target == "-"]
    if len(to_stdout) > 1:
        raise UsageError(
            f"--{' and --'.join(to_stdout)} would both go to standard output; give a file "
            "to all but one (--csv invoice.csv)"
        )
    paths = {
        fmt: check_output(f"--{fmt}", target, _sqlite_file(args.db)) for fmt, target in outputs
    }
    if args.pdf is not None:
        # here for start-up time: loaded only when --pdf is given
        from billing.invoicing import chromium_path

        if args.pdf == "-":
            raise UsageError("--pdf writes a file, not standard output: give a path")
        if chromium_path() is None:  # before the invoice is finalised, not after
            raise UsageError(
                "--pdf needs Chromium: install it (Debian: apt-get install chromium) or set "
                "RATECARD_CHROMIUM to its path"
            )
        paths["pdf"] = check_output("--pdf", args.pdf, _sqlite_file(args.db))
    named = [p for p in paths.values() if p is not None]
    if len({p.resolve() for p in named}) != len(named):
        raise UsageError("two invoice outputs name the same file; nothing was written")
    engine = open_ledger(args)
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
                force=args.force,
            )
    except Exception as exc:
        # here for start-up time: loaded only when this command runs
        from .boundary import read_only

        if not read_only(exc):
            raise
        what = "finalising or voiding it" if args.finalize or args.void else "showing a draft"
        raise UsageError(
            f"the database is read-only for this user, and {what} writes to it (a draft is "
            "regenerated from the charges each time it is shown; a finalised invoice can be "
            "shown read-only)"
        ) from None
    finally:
        engine.dispose()
    if not to_stdout:
        print(invoice_text(view))
    for fmt, _target in outputs:
        if fmt == "json":
            write_output(paths[fmt], dumps(invoice_doc(view), indent=2))
        elif fmt == "csv":
            write_output(paths[fmt], invoice_csv(view))
        else:
            write_output(paths[fmt], invoice_html(view))
    if args.pdf is not None:
        # here for start-up time: loaded only when --pdf is given
        from billing.invoicing import PdfError, invoice_pdf

        target = paths["pdf"]
        assert target is not None
        try:
            invoice_pdf(view, target)
        except PdfError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK


def cmd_credit_note(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.invoicing import credit_note, credit_note_doc

    try:
        amount = Decimal(args.amount)
    except InvalidOperation:
        raise UsageError(f"--amount must be a decimal number, got {args.amount!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise UsageError(f"--amount must be a positive amount, got {args.amount[:40]!r}")
    if amount.adjusted() >= 15 or (amount.as_tuple().exponent or 0) < -15:  # type: ignore[operator]
        raise UsageError(
            "--amount must be below 10^15 with at most 15 decimal places "
            f"(got {args.amount[:40]!r})"
        )
    check_period(args.period)
    engine = open_ledger(args)
    try:
        note = credit_note(engine, args.customer, args.period, amount, args.reason)
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
    # here for start-up time: loaded only when this command runs
    from sqlalchemy.engine import make_url

    # here for start-up time: loaded only when this command runs
    from billing.ledger import current_revision, head_revision, make_engine, upgrade

    target = database_target(args.db, create=args.db_command == "upgrade")
    engine = make_engine(target)
    try:
        if args.db_command == "upgrade":
            upgrade(engine)
        where = make_url(target).render_as_string(hide_password=True)
        current, newest = current_revision(engine), head_revision()
        if args.json:
            print_json({"database": where, "revision": current, "newest": newest})
        else:
            revision = current or "none (no ratecard schema yet: 'ratecard db upgrade')"
            print(f"{where}: revision {revision} (newest {newest})")
    finally:
        engine.dispose()
    return EXIT_OK
