"""The ``ratecard`` command: a thin layer that parses arguments and calls the library.

Exit status: 0 success, 1 the input was judged bad, 2 a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from .common import EXIT_USAGE, UsageError

#: Subcommand → the module (in this package) that registers it, in the order the help
#: shows. Only the module of the command being run is imported, so that one command's
#: imports (pydantic, SQLAlchemy, rating) never slow another's start-up.
COMMANDS = {
    "catalog": "catalog_cmd",
    "validate": "validate_cmd",
    "estimate": "estimate_cmd",
    "price": "price_cmd",
    "audit": "audit_cmd",
    "ingest": "ledger_cmd",
    "invoice": "ledger_cmd",
    "credit-note": "ledger_cmd",
    "db": "ledger_cmd",
    "rate": "rate_cmd",
}


def _requested(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv``, skipping the global options before it."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--data":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _modules(argv: Sequence[str] | None) -> list[ModuleType]:
    wanted = _requested(sys.argv[1:] if argv is None else argv)
    names = [COMMANDS[wanted]] if wanted in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    return [importlib.import_module(f".{name}", __name__) for name in names]


def _columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` finds it, fallback 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized without importing shutil: argparse builds one for
    every add_argument call, and shutil (with bz2 and lzma) costs ``ratecard validate``
    start-up time."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _columns() - 2  # as HelpFormatter does with shutil's answer
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommand parsers (of the same class) use :class:`_Formatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser(argv: Sequence[str] | None = ()) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a command, only that command's module is loaded
    (``()`` loads them all, for help and tests)."""
    parser = _Parser(
        prog="ratecard",
        description="Model catalog, request validation, exact pricing and invoices for LLM APIs.",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="the card directory (default: $RATECARD_DATA, else the bundled cards)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _modules(argv):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnicodeDecodeError as exc:
        # an input file that is not UTF-8 (a JSON file must be): a usage error, not a trace
        where = getattr(args, "file", None) or "the input"
        name = "standard input" if where == "-" else where
        print(f"ratecard: {name}: not UTF-8 text ({exc.reason})", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
