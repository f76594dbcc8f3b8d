"""``ratecard price [--json] [--explain] FILE|-``: price usage records (JSON Lines)."""

from __future__ import annotations

import argparse
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing import Priced, decimal_text, explain_line, price_stream, priced_doc
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
        nargs="*",
        help="JSON Lines usage records, or - for stdin (none with -m); with --engine "
        "duckdb, any number of JSON Lines or Parquet (.parquet) files",
    )
    p.add_argument("--json", action="store_true", help="one priced record (JSON) per line")
    p.add_argument("--explain", action="store_true", help="show the arithmetic of each line")
    p.add_argument(
        "--response",
        action="store_true",
        help="FILE is one raw provider response body (JSON, a JSON array of stream chunks, or "
        "server-sent events), priced as its usage record",
    )
    p.add_argument(
        "--provider",
        help="the provider whose offering the --response body or the -m models are "
        "(default: resolve the model id alone)",
    )
    p.add_argument(
        "--endpoint",
        help="with --response: the usage shape, when the body does not show it "
        "(chat.completions, completions, responses, messages, generate_content, embeddings)",
    )
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
    quick = p.add_argument_group(
        "quick pricing from flags (instead of FILE): one row per model, cheapest first"
    )
    quick.add_argument(
        "-m", "--model", action="append", metavar="MODEL", help="a model id (repeatable)"
    )
    quick.add_argument("-i", "--input-tokens", type=int, default=0, help="input tokens")
    quick.add_argument("-o", "--output-tokens", type=int, default=0, help="output tokens")
    quick.add_argument(
        "--cached", type=int, default=0, help="of the input tokens, how many were cache reads"
    )
    quick.add_argument(
        "--reasoning", type=int, default=0, help="of the output tokens, how many were reasoning"
    )
    p.set_defaults(func=cmd_price)


def _response_result(text: str, args: argparse.Namespace, catalog: Catalog) -> Priced:
    """The one priced result of ``--response FILE``."""
    # here for start-up time: loaded only when this command runs
    from billing import PricingError, RecordError, parse_record, price, record_from_response

    record = None
    try:
        raw = record_from_response(text, args.provider, args.endpoint)
        record = parse_record(raw, 1)
        return Priced(1, record, price(record, catalog), None, raw)
    except (RecordError, PricingError) as exc:
        return Priced(1, record, None, str(exc))


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
    if args.model:
        return quick_price(args)
    if not args.file:
        raise UsageError("give a FILE of usage records (- for stdin), or -m MODEL -i N -o N")
    catalog = load_catalog_for(args)
    if args.engine == "duckdb":
        # here for start-up time: loaded only when this command runs
        from .price_bulk import cmd_price_bulk

        return cmd_price_bulk(args, catalog)
    if len(args.file) > 1 or args.records:
        raise UsageError("several files and --records are for --engine duckdb")
    args.file = args.file[0]  # one path, as the error messages name it
    tally = Tally()
    rows: list[Priced] = []
    if (args.provider or args.endpoint) and not args.response:
        raise UsageError("--provider goes with --response or -m; --endpoint with --response")
    if args.file.lower().endswith(".parquet") and Path(args.file).is_file():
        raise UsageError(f"{args.file} is a Parquet file: price it with --engine duckdb")
    with open_input(args.file) as stream:
        results = (
            iter([_response_result(stream.read(), args, catalog)])
            if args.response
            else price_stream(read_json_lines(stream, args.file), catalog)
        )
        for result in results:
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


def quick_price(args: argparse.Namespace) -> int:
    """``-m MODEL ... -i N -o N``: the same record priced on each model, cheapest first
    (the records are chat-shaped: input includes the cached tokens, output the reasoning)."""
    # here for start-up time: loaded only when this command runs
    from billing import PricingError, RecordError, price

    if args.file:
        raise UsageError("give either FILE or -m MODEL, not both")
    for name in ("input_tokens", "output_tokens", "cached", "reasoning"):
        if getattr(args, name) < 0:
            raise UsageError(f"--{name.replace('_', '-')} must not be negative")
    catalog = load_catalog_for(args)
    usage = {
        "prompt_tokens": args.input_tokens,
        "completion_tokens": args.output_tokens,
        "prompt_tokens_details": {"cached_tokens": args.cached},
        "completion_tokens_details": {"reasoning_tokens": args.reasoning},
    }
    results: list[dict[str, Any]] = []
    for model in args.model:
        record: dict[str, Any] = {"model": model, "usage": usage}
        if args.provider:
            record["provider"] = args.provider
        try:
            charge = price(record, catalog)
        except (PricingError, RecordError) as exc:
            results.append({"model": model, "offering": None, "total": None, "error": exc.message})
            continue
        tiers = sorted({line.tier for line in charge.lines if line.tier})
        results.append(
            {
                "model": model,
                "offering": f"{charge.provider}/{charge.offering}",
                "currency": charge.currency,
                "total": charge.total,
                "input": sum(
                    (ln.amount for ln in charge.lines if ln.charge == "input"), Decimal(0)
                ),
                "output": sum(
                    (ln.amount for ln in charge.lines if ln.charge in ("output", "reasoning")),
                    Decimal(0),
                ),
                "tier": ", ".join(tiers),
                "error": None,
            }
        )
    results.sort(key=lambda r: (r["total"] is None, r["total"] or 0, r["model"]))
    if args.json:
        for row in results:
            print(dumps(row))
    else:
        headers = ["MODEL", "OFFERING", "TOTAL", "INPUT", "OUTPUT", "TIER / ERROR"]
        rows: list[list[str]] = [headers]
        for r in results:
            if r["total"] is None:
                rows.append([r["model"], "-", "-", "-", "-", r["error"]])
            else:
                rows.append(
                    [
                        r["model"],
                        r["offering"],
                        f"{r['currency']} {decimal_text(r['total'])}",
                        decimal_text(r["input"]),
                        decimal_text(r["output"]),
                        r["tier"] or "-",
                    ]
                )
        widths = [max(len(cells[i]) for cells in rows) for i in range(5)]
        for cells in rows:
            print("  ".join(c.ljust(w) for c, w in zip(cells[:5], widths, strict=True)), cells[5])
    return EXIT_BAD_INPUT if any(r["total"] is None for r in results) else EXIT_OK


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
