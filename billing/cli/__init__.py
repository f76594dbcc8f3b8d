"""The ``ratecard`` command: a thin layer that parses arguments and calls the library.

Exit status: 0 success, 1 the input was judged bad, 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import catalog_cmd, ledger_cmd, price_cmd
from .common import EXIT_USAGE, UsageError

#: Each module adds its subcommands; keep the order the help should show.
COMMANDS = [catalog_cmd, price_cmd, ledger_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ratecard",
        description="Model catalog, request validation, exact pricing and invoices for LLM APIs.",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="the card directory (default: $RATECARD_DATA, else ./data)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
