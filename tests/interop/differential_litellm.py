"""LiteLLM's prices, read by LiteLLM's conventions (not by running LiteLLM), against ratecard
on the world catalog, for the models both hold.

A LiteLLM chat entry is held by ratecard when its ``litellm_provider`` maps to a world
provider (:data:`PROVIDERS`) and its id (without a ``provider/`` prefix) resolves there,
through the offering's id or genai-prices' match rules (dated ids included). Each record is
priced by LiteLLM's rule: the tier is the first whose threshold the prompt tokens (cached
included) do not exceed (``_above_128k_tokens``: above 128,000), uncached input at
``input_cost_per_token``, cache reads at ``cache_read_input_token_cost`` (else the input
price), output at ``output_cost_per_token``, a missing price as 0. A difference is a
disagreement between LiteLLM's data and genai-prices' (the world's source).

    python -m tests.interop.differential_litellm [N]
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing import PricingError, RecordError, price
from catalog import Catalog, UnknownOfferingError, load_catalog
from catalog.interop import fetch, source
from catalog.interop.facts import PriceFacts
from catalog.interop.litellm import entry_facts, load_litellm

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "xai": "x-ai",
    "gemini": "google",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "groq": "groq",
    "together_ai": "together",
    "fireworks_ai": "fireworks",
    "cohere_chat": "cohere",
    "perplexity": "perplexity",
    "cerebras": "cerebras",
    "novita": "novita",
    "moonshot": "moonshotai",
    "openrouter": "openrouter",
    "github_copilot": "github-copilot",
    "baseten": "baseten",
    "ovhcloud": "ovhcloud",
    "zai": "zai",
    "minimax": "minimax",
}
_MTOK = Decimal(1_000_000)


def pairs(
    world: Catalog, data: dict[str, Any]
) -> list[tuple[str, str, PriceFacts, Any, dict[str, Any]]]:
    found = []
    for key, entry in sorted(data.items()):
        if not isinstance(entry, dict) or entry.get("mode") != "chat":
            continue
        provider = PROVIDERS.get(str(entry.get("litellm_provider")))
        if provider is None or "input_cost_per_token" not in entry:
            continue
        model = key.split("/", 1)[1] if key.startswith(f"{entry['litellm_provider']}/") else key
        try:
            offering = world.resolve(model, provider)
        except UnknownOfferingError:
            continue
        found.append((key, model, entry_facts(entry)[0], offering, entry))
    return found


def run(world: Catalog, data: dict[str, Any], n: int, seed: int = 11) -> tuple[Counter[str], int]:
    """``n`` records over the LiteLLM chat entries the world holds: LiteLLM's cost
    (:func:`litellm_entry_cost`, the context's keys included) against ratecard's on the
    world. Half the records of an entry with ``_batches`` / ``_priority`` / ``_flex`` keys
    name that context (``batch: true`` / ``service_tier``)."""
    rng = random.Random(seed)
    both = pairs(world, data)
    counts: Counter[str] = Counter()
    for i in range(n):
        _key, model, facts, offering, entry = (
            both[i % len(both)] if i < len(both) else rng.choice(both)
        )
        bounds = [t.upper for t in facts.tiers if t.upper is not None]
        prompt = (
            rng.choice(bounds) + rng.choice((-1, 0, 1)) if bounds and rng.random() < 0.4 else 0
        ) or rng.randint(0, 300_000)
        cached = rng.randint(0, prompt) if rng.random() < 0.3 else 0
        output = rng.randint(0, 20_000)
        contexts = [c for c, sfx in SUFFIXES.items() if c and any(k.endswith(sfx) for k in entry)]
        context = rng.choice(contexts) if contexts and rng.random() < 0.5 else None
        theirs = litellm_entry_cost(entry, prompt, cached, output, context)
        record: dict[str, Any] = {
            "provider": offering.provider,
            "model": model,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": output,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
        if context == "batch":
            record["batch"] = True
        elif context:
            record["service_tier"] = context
        where = f" ({context})" if context else ""
        try:
            ours = price(record, world).total
        except (PricingError, RecordError) as exc:
            if "no published price" in exc.message:
                cls = (
                    "refused by ratecard: unpublished in the world (genai-prices gives no "
                    "price, or prices by time of day or per request); LiteLLM charges it"
                )
            elif "context (the record's" in exc.message:
                cls = (
                    "refused by ratecard: a context genai-prices does not price for the "
                    "model; LiteLLM prices it"
                )
            elif "before the first price version" in exc.message:
                cls = (
                    "refused by ratecard: a context before genai-prices' first dated price "
                    "for it; LiteLLM prices it"
                )
            else:
                cls = f"refused by ratecard: {exc.message[:60]}"
            counts[cls] += 1
            continue
        if ours == theirs:
            counts["equal" + where] += 1
        else:
            counts[f"different{where}: LiteLLM's data and genai-prices' disagree"] += 1
    return counts, len(both)


# ------------------------------------------------------------------------------------------
# LiteLLM's own entries imported by ratecard, against LiteLLM's rule read from the raw entry
# (written here from LiteLLM 1.110.2's cost calculator, independently of the importer):
# tiered_pricing ranges, *_above_Nk_tokens thresholds, cache reads, and the batch / priority
# / flex price contexts.

#: a record's price context → LiteLLM's key suffix
SUFFIXES: dict[str | None, str] = {
    None: "",
    "batch": "_batches",
    "priority": "_priority",
    "flex": "_flex",
}
_ABOVE_KEY = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)"
    r"_above_(\d+)k_tokens$"
)


def _num(entry: dict[str, Any], key: str) -> Decimal | None:
    v = entry.get(key)
    return Decimal(v) if isinstance(v, Decimal | int) and not isinstance(v, bool) else None


def litellm_entry_cost(
    entry: dict[str, Any], prompt: int, cached: int, output: int, context: str | None
) -> Decimal:
    """LiteLLM's cost of one request on ``entry`` (prices per token), by its rules:
    ``tiered_pricing`` first (``start < prompt <= end``, else the last range; none for an
    empty prompt), else the flat keys with the context's suffix (falling back to the
    standard key) and the ``_above_Nk_tokens`` thresholds (``prompt > N × 1,000``; xAI's
    ``>=``); a
    missing cache-read price is the input price, a missing price 0."""
    ranges = entry.get("tiered_pricing")
    if isinstance(ranges, list) and ranges and prompt > 0:
        rows = sorted(
            (
                (Decimal(t["range"][0]), Decimal(t["range"][1]), t)
                for t in ranges
                if isinstance(t.get("range"), list)
            ),
            key=lambda r: r[0],
        )
        tier = next((t for lo, hi, t in rows if lo < prompt <= hi), rows[-1][2])
        if "input_cost_per_token" in tier:
            inp = Decimal(tier["input_cost_per_token"])
            read = Decimal(tier.get("cache_read_input_token_cost", inp))
            out = tier.get("output_cost_per_token", _num(entry, "output_cost_per_token"))
            out = Decimal(out) if out is not None else Decimal(0)
            return (prompt - cached) * inp + cached * read + output * out
    suffix = SUFFIXES[context]

    def rate(key: str) -> Decimal | None:
        own = _num(entry, key + suffix)
        return own if own is not None else _num(entry, key)

    rates = {
        "input_cost_per_token": rate("input_cost_per_token"),
        "output_cost_per_token": rate("output_cost_per_token"),
        "cache_read_input_token_cost": rate("cache_read_input_token_cost"),
    }
    thresholds = sorted({int(m[2]) for k in entry if (m := _ABOVE_KEY.match(k))})
    # LiteLLM 1.110.2 applies xAI's thresholds from N on (_INCLUSIVE_THRESHOLD_PROVIDERS)
    inclusive = entry.get("litellm_provider") == "xai"
    for n in thresholds:
        if prompt > n * 1000 or (inclusive and prompt == n * 1000):
            for base in rates:
                value = rate(f"{base}_above_{n}k_tokens")
                if value is not None:
                    rates[base] = value
    inp = rates["input_cost_per_token"] or Decimal(0)
    read = rates["cache_read_input_token_cost"]
    read = inp if read is None else read
    out = rates["output_cost_per_token"] or Decimal(0)
    return (prompt - cached) * inp + cached * read + output * out


def rounded_entry(value: Any) -> Any:
    """``value`` (an entry, or any part of one) with every price that has more than 15
    significant digits once per 1M (LiteLLM's float noise, ``1.8000000000000002e-07``)
    rounded there, as the import writes it: the same prices as the cards."""
    if isinstance(value, dict):
        return {k: rounded_entry(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded_entry(v) for v in value]
    if isinstance(value, Decimal):
        per_mtok = value * _MTOK
        if len(per_mtok.normalize().as_tuple().digits) > 15:
            return Decimal(f"{per_mtok:.15g}") / _MTOK
    return value


def imported_slice(data: dict[str, Any], every: int = 1) -> dict[str, Any]:
    """The chat / responses / completion entries with token prices: every one with
    ``tiered_pricing``, ``_above_`` thresholds or context keys, and every ``every``-th other."""
    out: dict[str, Any] = {}
    for i, (key, e) in enumerate(sorted(data.items())):
        if not isinstance(e, dict) or e.get("mode") not in ("chat", "responses", "completion"):
            continue
        if "input_cost_per_token" not in e and "tiered_pricing" not in e:
            continue
        special = "tiered_pricing" in e or any(
            "_above_" in k or k.endswith(("_batches", "_priority", "_flex")) for k in e
        )
        if special or i % every == 0:
            out[key] = e
    return out


def _usage(endpoint: str, prompt: int, cached: int, output: int) -> dict[str, Any]:
    if endpoint == "responses":
        return {
            "input_tokens": prompt,
            "output_tokens": output,
            "input_tokens_details": {"cached_tokens": cached},
        }
    if endpoint == "messages":
        return {
            "input_tokens": prompt - cached,
            "cache_read_input_tokens": cached,
            "output_tokens": output,
        }
    return {
        "prompt_tokens": prompt,
        "completion_tokens": output,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


@dataclass
class Imported:
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    entries: int = 0
    #: records drawn with each feature: tiered_pricing, a threshold, a context, cache reads
    drawn: Counter[str] = field(default_factory=Counter)


def run_imported(data: dict[str, Any], n: int, seed: int = 11, every: int = 1) -> Imported:
    """``n`` records over LiteLLM's entries as ratecard imports them (:func:`imported_slice`),
    each priced by ratecard on the imported cards and by :func:`litellm_entry_cost`."""
    from catalog.interop import ImportReport
    from catalog.interop.litellm_import import card_id, import_litellm
    from catalog.interop.tree import write_tree

    entries = imported_slice(data, every)
    src = source("litellm")
    providers, offerings, models = import_litellm(entries, src, ImportReport("litellm"))
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(Path(tmp), providers, offerings, models)
        catalog = load_catalog(Path(tmp))
    # the keys whose card is their own (of two keys naming one provider/id, the first is kept)
    keys = [
        k
        for k, e in sorted(entries.items())
        if (card := offerings.get((e["litellm_provider"], card_id(k, e["litellm_provider"]))))
        and card["sources"][0].endswith(f": {k}")
    ]
    rng = random.Random(seed)
    result = Imported(entries=len(keys))
    counts, examples = result.counts, result.examples
    for i in range(n):
        key = keys[i % len(keys)] if i < len(keys) else rng.choice(keys)
        e = entries[key]
        pid = e["litellm_provider"]
        offering = catalog.offerings[f"{pid}/{card_id(key, pid)}"]
        bounds = sorted(
            {int(m[2]) * 1000 for k in e if (m := _ABOVE_KEY.match(k))}
            | {
                int(Decimal(t["range"][1]))
                for t in e.get("tiered_pricing") or ()
                if isinstance(t, dict) and isinstance(t.get("range"), list)
            }
        )
        roll = rng.random()
        if bounds and roll < 0.4:
            prompt = max(0, rng.choice(bounds) + rng.choice((-1, 0, 1)))
        elif roll < 0.45:
            prompt = 0
        else:
            prompt = rng.randint(1, 300_000)
        cached = rng.randint(0, prompt) if rng.random() < 0.3 else 0
        output = rng.randint(0, 20_000)
        contexts = [c for c, sfx in SUFFIXES.items() if c and any(k.endswith(sfx) for k in e)]
        context = rng.choice(contexts) if contexts and rng.random() < 0.5 else None
        theirs = litellm_entry_cost(e, prompt, cached, output, context)
        result.drawn["tiered_pricing" if "tiered_pricing" in e else "flat"] += 1
        result.drawn.update(
            k
            for k, on in (
                (f"context {context}", context),
                ("at a bound", prompt in bounds),
                ("cache reads", cached),
            )
            if on
        )
        endpoint = next(
            (x for x in ("chat.completions", "responses", "messages") if x in offering.endpoints),
            "chat.completions",
        )
        record: dict[str, Any] = {
            "provider": pid,
            "model": offering.id,
            "endpoint": endpoint,
            "usage": _usage(endpoint, prompt, cached, output),
        }
        if context == "batch":
            record["batch"] = True
        elif context:
            record["service_tier"] = context
        example = f"{key} prompt={prompt} cached={cached} output={output} context={context}"
        try:
            ours = price(record, catalog).total
        except (PricingError, RecordError) as exc:
            if "no published price" in exc.message:
                cls = "refused by ratecard: a price LiteLLM does not give (it charges 0)"
            else:
                cls = f"refused by ratecard: {exc.message[:70]}"
            counts[cls] += 1
            examples.setdefault(cls, f"{example}: {exc.message[:120]}")
            continue
        if ours == theirs:
            cls = "equal"
        elif ours == litellm_entry_cost(rounded_entry(e), prompt, cached, output, context):
            cls = (
                "different: a LiteLLM float-noise price the card holds rounded (equal once "
                "the same price is used)"
            )
        elif prompt == 0 and "tiered_pricing" in e:
            cls = (
                "different: no prompt tokens on tiered_pricing (LiteLLM: the flat prices, "
                "a missing one 0; ratecard: the first tier)"
            )
        else:
            cls = "different: unexplained"
        counts[cls] += 1
        examples.setdefault(cls, f"{example}: ours {ours}, LiteLLM {theirs}")
    return result


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 100_000
    src = source("litellm")
    data = load_litellm(src, fetch(src, ROOT / "build" / "sources"))
    world = load_catalog(ROOT / "data" / "world")
    counts, held = run(world, data, n)
    print(f"{n:,} records over {held:,} LiteLLM chat entries the world also holds")
    for cls, count in counts.most_common():
        print(f"  {count:>9,} {count / n:>7.2%}  {cls}")
    imported = run_imported(data, n)
    counts, examples = imported.counts, imported.examples
    print()
    print(
        f"{n:,} records over {imported.entries:,} LiteLLM entries as ratecard imports them "
        "(tiered_pricing, thresholds, cache reads, batch / priority / flex), priced by "
        "LiteLLM's rule"
    )
    for cls, count in counts.most_common():
        print(f"  {count:>9,} {count / n:>7.2%}  {cls}")
    print("  drawn: " + ", ".join(f"{k} {v:,}" for k, v in sorted(imported.drawn.items())))
    print("first example of each class:")
    for cls, example in sorted(examples.items()):
        print(f"  {cls[:60]}: {example[:200]}")
    return 1 if counts["different: unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
