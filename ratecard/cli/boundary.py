"""The command line's one error boundary: every expected error becomes one sentence.

An exception that leaves a subcommand is turned into ``ratecard: <sentence>`` on stderr and
an exit status (0 success, 1 the input was judged bad, 2 a usage error, 130 interrupted);
with ``--json`` the same sentence is also printed on stdout as
``{"error": {"status": N, "kind": K, "message": S}}``. ``RATECARD_DEBUG=1`` prints the
traceback as well.

=========================================  ======  ===========================
exception                                  status  kind
=========================================  ======  ===========================
``UsageError``, an argparse error          2       ``usage``
``InputError``, bad cards, invoice errors  1       ``input``
a file that cannot be read or written      2       ``file``
a database that cannot be opened or used   2       ``database``
Ctrl-C / SIGTERM                           130     ``interrupted``
anything else (a bug)                      2       ``internal``
=========================================  ======  ===========================
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

from .common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    InputError,
    Interrupted,
    UsageError,
)


class ArgumentError(Exception):
    """argparse found the command line wrong; ``usage`` is the subcommand's usage line."""

    def __init__(self, message: str, usage: str) -> None:
        self.usage = usage
        super().__init__(message)


def debugging() -> bool:
    return os.environ.get("RATECARD_DEBUG", "") not in ("", "0")


def _os_error(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else "the file"
    why = exc.strerror or str(exc)
    if isinstance(exc, IsADirectoryError):
        why = "it is a directory, not a file"
    elif isinstance(exc, FileNotFoundError):
        why = "no such file or directory"
    elif isinstance(exc, NotADirectoryError):
        why = "a part of the path is a file, not a directory"
    elif exc.errno == 28:
        why = "no space left on the device"
    return f"{name}: {why}"


def first_line(error: object) -> str:
    """The first line of an error's text, "" when it has none: what a sentence for people
    quotes of another library's error."""
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _database_error(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = first_line(orig) or type(orig).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return "the database is locked by another process; try again when it has finished"
    if read_only(exc):
        return (
            "the database is read-only for this user (its file or directory cannot be "
            "written, or the server refuses writes), and this command writes to it; run it "
            "where the database can be written"
        )
    if "not a database" in lowered:
        return "the --db file is not a ratecard database (not SQLite)"
    if "unable to open" in lowered:
        return "the database file cannot be opened (check the path and its permissions)"
    if any(w in lowered for w in ("could not connect", "connection", "resolve host")):
        return f"cannot connect to the database: {text}"
    return f"the database refused the operation: {text}"


def read_only(exc: BaseException) -> bool:
    """The database refused a write because it is read-only (SQLite's "attempt to write a
    readonly database", PostgreSQL's "read-only transaction")."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    return "readonly" in text or "read-only" in text


def describe(exc: BaseException, source: str | None = None) -> tuple[int, str, str]:
    """(exit status, kind, sentence) for an exception that left a subcommand; ``source``
    names the input file being read (``-``: standard input), if any."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted", "interrupted"
    if isinstance(exc, Interrupted):
        return EXIT_INTERRUPTED, "interrupted", str(exc)
    if isinstance(exc, UsageError):
        return EXIT_USAGE, "usage", str(exc)
    if isinstance(exc, InputError):
        return EXIT_BAD_INPUT, "input", str(exc)
    module = type(exc).__module__
    name = type(exc).__name__
    if name == "CardErrors":
        count = len(getattr(exc, "problems", ()))
        return (
            EXIT_BAD_INPUT,
            "input",
            f"the cards have {count} problem(s); run 'ratecard catalog lint' to see them",
        )
    if name in ("InvoiceError", "UnknownOfferingError"):
        return EXIT_BAD_INPUT, "input", str(getattr(exc, "message", None) or exc)
    if isinstance(exc, UnicodeDecodeError):
        name = "the input" if not source else "standard input" if source == "-" else source
        return EXIT_USAGE, "file", f"{name}: not UTF-8 text ({exc.reason})"
    if isinstance(exc, OSError) and not module.startswith(("sqlite3", "psycopg")):
        return EXIT_USAGE, "file", _os_error(exc)
    if module.startswith(("sqlalchemy", "sqlite3", "psycopg", "alembic")):
        return EXIT_USAGE, "database", _database_error(exc)  # type: ignore[arg-type]
    text = first_line(exc)
    detail = f"{name}: {text}" if text else name
    return (
        EXIT_USAGE,
        "internal",
        f"internal error ({detail}); run with RATECARD_DEBUG=1 for the details and report it",
    )


def report(exc: BaseException, *, as_json: bool, source: str | None = None) -> int:
    """Print ``exc`` as the boundary does; its exit status."""
    status, kind, message = describe(exc, source)
    if debugging() and kind not in ("usage", "input"):
        import traceback  # here for start-up time: only RATECARD_DEBUG prints a traceback

        traceback.print_exception(exc, file=sys.stderr)
    fail(message, status, kind, as_json=as_json)
    return status


def fail(message: str, status: int, kind: str, *, as_json: bool, usage: str = "") -> None:
    if usage:
        sys.stderr.write(usage if usage.endswith("\n") else usage + "\n")
    prefix = "" if message.startswith("ratecard") else "ratecard: "
    print(f"{prefix}{message}", file=sys.stderr)
    if as_json:
        doc = {"error": {"status": status, "kind": kind, "message": message}}
        with contextlib.suppress(BrokenPipeError, ValueError):
            print(json.dumps(doc, ensure_ascii=False))
