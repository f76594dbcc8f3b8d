"""``ratecard price [--json] [--explain] FILE|-``: price usage records (JSON Lines)."""

from __future__ import annotations

import argparse
from collections import defaultdict
from decimal import Decimal
from typing import Any

from billing.priced import Priced, price_stream, priced_doc
from billing.text import decimal_text, explain_line
from catalog import Catalog

from .common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    UsageError,
    dumps,
    get_catalog,
    open_input,
    read_json_lines,
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "price",
        help="price usage records (JSON Lines in, priced records out)",
        description=(
            "Price each usage record exactly from the cards. One result per input line, in "
            "order; a record that cannot be priced gets its error and the others are still "
            "priced (exit status 1 if any failed)."
        ),
    )
    p.add_argument(
        "file",
        metavar="FILE|-",
        nargs="+",
        help="JSON Lines usage records, or - for stdin; with --engine duckdb, any number of "
        "JSON Lines or Parquet (.parquet) files",
    )
    p.add_argument("--json", action="store_true", help="one priced record (JSON) per line")
    p.add_argument("--explain", action="store_true", help="show the arithmetic of each line")
    p.add_argument(
        "--engine",
        choices=["python", "duckdb"],
        default="python",
        help="python (default): each record in turn, output per record; duckdb: the files in "
        "bulk, output per offering and charge (README: Scale path)",
    )
    p.add_argument(
        "--records",
        action="store_true",
        help="duckdb: also give each record's result (priced one by one, at Python's rate)",
    )
    p.set_defaults(func=cmd_price)


def load_catalog_for(args: argparse.Namespace) -> Catalog:
    return get_catalog(args)


class Tally:
    """Counts and per-currency totals for the summary line."""

    def __init__(self) -> None:
        self.records = 0
        self.failed = 0
        self.totals: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, result: Priced) -> None:
        self.records += 1
        if result.charge is None:
            self.failed += 1
        else:
            self.totals[result.charge.currency] += result.charge.total

    def summary(self) -> str:
        sums = ", ".join(f"{c} {decimal_text(a)}" for c, a in sorted(self.totals.items()))
        return (
            f"{self.records} record(s): {self.records - self.failed} priced, "
            f"{self.failed} failed; " + (f"total {sums}" if sums else "nothing priced, no total")
        )


def cmd_price(args: argparse.Namespace) -> int:
    catalog = load_catalog_for(args)
    if args.engine == "duckdb":
        from .price_bulk import cmd_price_bulk

        return cmd_price_bulk(args, catalog)
    if len(args.file) > 1 or args.records:
        raise UsageError("several files and --records are for --engine duckdb")
    args.file = args.file[0]  # one path, as the error messages name it
    tally = Tally()
    rows: list[Priced] = []
    with open_input(args.file) as stream:
        for result in price_stream(read_json_lines(stream, args.file), catalog):
            tally.add(result)
            if args.json:
                print(dumps(priced_doc(result, explain=args.explain)))
            elif args.explain:
                print(explained(result))
            else:
                rows.append(result)
    if not args.json:
        if not args.explain:
            print(table(rows))
        print(tally.summary())
    return EXIT_BAD_INPUT if tally.failed else EXIT_OK


def explained(result: Priced) -> str:
    head = f"line {result.line}  {result.id or '-'}  {result.model or '-'}"
    if result.charge is None:
        return f"{head}\n  error: {result.error}\n"
    charge = result.charge
    out = [f"{head}  ({charge.provider}/{charge.offering}, price version {charge.price_version})"]
    width = max([len("reported"), *(len(line.charge) for line in charge.lines)])
    for line in charge.lines:
        out.append(f"  {line.charge.ljust(width)}  {explain_line(line)}")
    out.append(f"  {'total'.ljust(width)}  {charge.currency} {decimal_text(charge.total)}")
    reported = result.record.reported if result.record else None
    if reported is not None:
        out.append(f"  {'reported'.ljust(width)}  {charge.currency} {reported:f}")
    return "\n".join(out) + "\n"


def table(results: list[Priced]) -> str:
    headers = ["LINE", "ID", "MODEL", "TOTAL", "REPORTED", "TIER / ERROR"]
    rows = []
    for result in results:
        charge = result.charge
        reported = result.record.reported if result.record else None
        rows.append(
            [
                str(result.line),
                result.id or "-",
                result.model or "-",
                f"{charge.currency} {decimal_text(charge.total)}" if charge else "-",
                f"{reported:f}" if reported is not None else "-",
                (charge.tier or "") if charge else f"error: {result.error}",
            ]
        )
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
