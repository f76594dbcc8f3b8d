"""``ratecard price --engine duckdb FILE...``: usage exports priced in bulk
(billing.sqlrate.files); totals per offering and charge, each record on request."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from billing import decimal_text
from catalog import Catalog

from .common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    InputError,
    UsageError,
    dumps,
    input_path,
    print_json,
)


def cmd_price_bulk(args: argparse.Namespace, catalog: Catalog) -> int:
    # here for start-up time: loaded only when this command runs
    from billing import price_stream, priced_doc
    from billing.sqlrate import (
        EngineUnavailableError,
        FileTextError,
        by_offering_and_charge,
        price_files,
        records_in_order,
    )

    if "-" in args.file:
        raise UsageError("--engine duckdb reads files, not stdin")
    if args.explain:
        raise UsageError("--explain is for --engine python")
    if args.response or args.provider or args.endpoint:
        raise UsageError("--response, --provider and --endpoint are for --engine python")
    files = [input_path(f) for f in args.file]
    try:
        result = price_files(files, catalog)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None  # a missing file is a usage error (exit 2)
    except FileTextError as exc:
        # as ``ratecard price`` refuses such a file: not UTF-8 is a usage error (exit 2),
        # NUL bytes bad input (exit 1)
        if exc.usage:
            raise UsageError(str(exc)) from None
        raise InputError(str(exc)) from None
    except EngineUnavailableError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sums = by_offering_and_charge(result)
    currency = ", ".join(sorted(result.currencies)) or "USD"
    lines = [
        {
            "offering": offering,
            "price_version": version,
            "tier": tier,
            "charge": charge,
            "unit": unit,
            "unit_price": decimal_text(price),
            "quantity": q,
            "events": n,
            "amount": decimal_text(amount),
        }
        for (offering, version, tier, charge, unit, price), (q, n, amount) in sorted(
            result.lines.items(), key=lambda kv: tuple(str(x) for x in kv[0])
        )
    ]
    failed = sum(result.failed.values())
    per_record: list[dict[str, Any]] = []
    if args.records:
        for priced in price_stream(records_in_order(files), catalog):
            per_record.append(priced_doc(priced))
    if args.json:
        doc: dict[str, Any] = {
            "records": result.records,
            "priced": result.priced,
            "failed": dict(sorted(result.failed.items())),
            "currency": currency,
            "total": decimal_text(result.total),
            "lines": lines,
            "offerings": {k: decimal_text(v) for k, v in sorted(sums["offerings"].items())},
            "engine": {"duckdb": result.fast, "python": result.exact, "reader": result.reader},
        }
        if args.records:
            doc["results"] = per_record
        print_json(doc)
        return EXIT_BAD_INPUT if failed else EXIT_OK
    if args.records:
        for row in per_record:
            print(dumps(row))
    # as ``ratecard price`` says it: no total when nothing was priced (not "USD 0")
    total = (
        f"total {currency} {decimal_text(result.total)}"
        if result.priced
        else "nothing priced, no total"
    )
    print(
        f"{result.records:,} records: {result.priced:,} priced, {failed:,} failed; {total} "
        f"({result.fast:,} rated by DuckDB, {result.exact:,} priced one by one; "
        f"read by the {result.reader} reader)"
    )
    for offering, amount in sorted(sums["offerings"].items()):
        print(f"  {offering}  {decimal_text(amount)}")
        for (o, charge), (q, n, total, unit) in sorted(sums["charges"].items()):
            if o == offering:
                print(f"    {charge}  {q:,} {unit}  {decimal_text(total)}  ({n:,} records)")
    for reason, n in sorted(result.failed.items()):
        print(f"  failed: {n:,} record(s): {reason}")
    return EXIT_BAD_INPUT if failed else EXIT_OK
