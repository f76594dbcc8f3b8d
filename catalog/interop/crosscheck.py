"""Cross-check: what a platform's own cards say against what the peers say.

For every offering of the platform's cards, the peers' entries for the same provider and id
(LiteLLM's ``provider/id`` key; the world catalog's offering, which is genai-prices) are
compared field by field: token prices tier by tier, list prices, tier bounds (as inclusive
upper bounds in prompt tokens, so ``<=128K`` on a card, a decimal tier bound, is 128,000
and so is LiteLLM's ``above_128k``), the context window, the output cap and per-call fees. Every
difference is a :class:`Disagreement`; nothing is judged right or wrong here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..model import Offering
from ..rates import PriceState
from .facts import PriceFacts, TierFacts

Price = Decimal | str


@dataclass(frozen=True, order=True)
class Disagreement:
    offering: str
    peer: str
    peer_key: str
    field: str
    ours: str
    theirs: str
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def offering_facts(offering: Offering, context: str = "default") -> PriceFacts | None:
    """The current plan of ``offering`` as :class:`PriceFacts` (rates the card sets itself;
    fallbacks left out; unpublished and not-applicable rates as those words), with the
    current plan of each of its other price contexts in ``contexts``."""
    plan = offering.plan_at(None, context)
    if plan is None:
        return None
    contexts: dict[str, PriceFacts] = {}
    if context == "default":
        for name in sorted(offering.contexts):
            facts = offering_facts(offering, name)
            if facts is not None and name != "default":
                contexts[name] = facts
    tiers = []
    lists: dict[tuple[int, str], Decimal] = {}
    for i, tier in enumerate(plan.tiers):
        rates: dict[str, Price] = {}
        for kind, token_price in tier.prices.items():
            if token_price.inherited_from is not None:
                continue
            rate = token_price.rate
            if rate.state is PriceState.PUBLISHED and rate.price is not None:
                rates[kind] = rate.price
                if rate.list_price is not None:
                    lists[(i, kind)] = rate.list_price
            else:
                rates[kind] = rate.state.value
        upper = tier.upper
        if upper is not None and not tier.upper_inclusive:
            upper -= 1
        tiers.append(TierFacts(upper, rates))  # type: ignore[arg-type]
    fees: dict[str, Decimal] = {}
    for tool in plan.tools:
        if tool.per_call.price is not None:
            fees[tool.name] = tool.per_call.price
    for fee in plan.request_fees:
        if fee.per_request.price is not None:
            fees[f"request:{fee.name}"] = fee.per_request.price
    return PriceFacts(
        tiers=tuple(tiers),
        context_window=offering.context_window,
        max_output_tokens=offering.max_output_tokens,
        fees=fees,
        list_prices=lists,
        contexts=contexts,
    )


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def compare(
    key: str, ours: PriceFacts, peer: str, peer_key: str, theirs: PriceFacts, context: str = ""
) -> list[Disagreement]:
    """Every difference between ``ours`` and ``theirs`` for offering ``key``: the default
    prices, then each price context both hold (fields prefixed ``[batch]``); a context
    only one side prices is one disagreement, unless the peer's format has no contexts."""
    out: list[Disagreement] = []
    prefix = f"[{context}] " if context else ""

    def add(field: str, a: Any, b: Any, note: str = "") -> None:
        out.append(Disagreement(key, peer, peer_key, prefix + field, _text(a), _text(b), note))

    if not context and theirs.holds_contexts:
        for name in sorted(set(ours.contexts) | set(theirs.contexts)):
            ctx_ours, ctx_theirs = ours.contexts.get(name), theirs.contexts.get(name)
            if ctx_ours is not None and ctx_theirs is not None:
                out += compare(key, ctx_ours, peer, peer_key, ctx_theirs, name)
            else:
                add(
                    f"context {name}",
                    "priced" if ctx_ours else "-",
                    "priced" if ctx_theirs else "-",
                    "a price context only one side prices",
                )

    if len(ours.tiers) != len(theirs.tiers):
        add(
            "tiers",
            len(ours.tiers),
            len(theirs.tiers),
            "number of price tiers",
        )
    for i, (a, b) in enumerate(zip(ours.tiers, theirs.tiers, strict=False)):
        label = f"tier {i + 1}" if len(ours.tiers) > 1 or len(theirs.tiers) > 1 else "price"
        if a.upper != b.upper:
            note = "prompt tokens a request may have in this tier (inclusive)"
            if a.upper is not None and b.upper is not None and a.upper == b.upper * 1024 // 1000:
                note += f"; the card reads {b.upper // 1000}K as {a.upper:,} (K = 1,024)"
            elif b.upper is None:
                note += "; the peer's top tier is open, the card's refuses counts beyond it"
            add(f"{label}.upper_bound", a.upper, b.upper, note)
        for kind in sorted(set(a.rates) | set(b.rates)):
            x, y = a.rates.get(kind), b.rates.get(kind)
            if x is None and y is None:
                continue
            if isinstance(x, Decimal) and isinstance(y, Decimal) and x == y:
                continue
            note = ""
            listed = ours.list_prices.get((i, kind))
            if listed is not None and isinstance(y, Decimal) and listed == y:
                note = "the peer has the card's list price, not its current price"
            elif x is None:
                note = "the card sets no rate of its own (it falls back)"
            elif y is None:
                note = "the peer gives no such rate (LiteLLM and genai-prices charge 0 then)"
            add(f"{label}.{kind}_mtok", x, y, note)
    if context:
        pass  # limits are the offering's, compared once with the default prices
    elif ours.context_window != theirs.context_window and theirs.context_window is not None:
        add("context_window", ours.context_window, theirs.context_window)
    if not context and ours.max_output_tokens != theirs.max_output_tokens:
        if theirs.max_output_tokens:
            add("max_output_tokens", ours.max_output_tokens, theirs.max_output_tokens)
    for name in sorted(set(ours.fees) | set(theirs.fees)):
        if name.startswith("request:"):
            tool = name.partition(":")[2]
            if tool not in ours.fees and tool not in theirs.fees:
                # a fee on every request (Perplexity's, OpenRouter's "request") on one side
                mine, other = ours.fees.get(name), theirs.fees.get(name)
                if mine != other:
                    add(f"fee.{name}", mine, other, "per request")
            continue  # else compared under the tool's name below
        mine, other = ours.fees.get(name), theirs.fees.get(name)
        per_request = ours.fees.get(f"request:{name}")
        if other is None and (mine is None or mine == 0):
            continue  # a free tool the peer does not list: no charge either way
        if per_request is not None and other is not None:
            # Even at the same price: 3 searches cost one fee on the card, three at the peer.
            add(
                f"fee.{name}",
                f"{per_request} per request",
                f"{other} per call",
                "the card charges it once per request, the peer per call",
            )
            continue
        if mine != other:
            add(f"fee.{name}", mine, other, "per call" if mine is not None else "")
    return out


def imported_facts(
    cards: tuple[dict[str, Any], dict[tuple[str, str], Any], dict[str, Any]],
    keys: Iterable[str],
    holds_contexts: bool = False,
) -> dict[str, PriceFacts]:
    """A peer's facts (provider/id → :class:`PriceFacts`) for the offerings ``keys`` names,
    from the cards an importer made of it (``import_models_dev``, ``import_openrouter``):
    those cards are written to a scratch tree and read as any catalog, so the peer is read
    by the same mapping as ``catalog import``. ``holds_contexts``: whether the peer's format
    can say price contexts (models.dev and OpenRouter cannot)."""
    # here, not at the top: only this path loads cards (keeps the module light, acyclic)
    from ..cards.loader import load_catalog
    from .tree import write_tree

    providers, offerings, models = cards
    wanted = {k: c for k, c in offerings.items() if f"{k[0]}/{k[1]}" in set(keys)}
    if not wanted:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(
            Path(tmp),
            {pid: providers[pid] for pid in {pid for pid, _ in wanted}},
            wanted,
            {c["model"]: models[c["model"]] for c in wanted.values() if c.get("model") in models},
        )
        catalog = load_catalog(Path(tmp))
    out = {}
    for key, offering in catalog.offerings.items():
        facts = offering_facts(offering)
        if facts is not None:
            out[key] = facts if holds_contexts else replace(facts, holds_contexts=False)
    return out


def crosscheck(
    offerings: Mapping[str, Offering],
    peers: Mapping[str, Mapping[str, PriceFacts]],
) -> tuple[list[Disagreement], dict[str, list[str]]]:
    """Disagreements between ``offerings`` (keyed provider/id) and each peer's facts (peer
    name → provider/id → facts), and per peer the offerings it has no entry for."""
    found: list[Disagreement] = []
    missing: dict[str, list[str]] = {peer: [] for peer in peers}
    for key in sorted(offerings):
        ours = offering_facts(offerings[key])
        if ours is None:
            continue
        for peer, facts in peers.items():
            theirs = facts.get(key)
            if theirs is None:
                missing[peer].append(key)
                continue
            found += compare(key, ours, peer, key, theirs)
    return sorted(found), missing


__all__ = ["Disagreement", "compare", "crosscheck", "imported_facts", "offering_facts"]
