"""``python -m ratecard.service serve|openapi|tenant|key ...``: the service's commands
without the rest of the ``ratecard`` command (the same code as ``ratecard serve``)."""

from __future__ import annotations

import argparse
import sys

from billing.cli.common import EXIT_USAGE, UsageError

from .commands import register


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ratecard.service")
    parser.add_argument("--data", metavar="DIR", help="the card directory")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
