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
import sys
from collections import Counter
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


def litellm_cost(facts: PriceFacts, prompt: int, cached: int, output: int) -> Decimal:
    tier = facts.tiers[-1]
    for candidate in facts.tiers:
        if candidate.upper is None or prompt <= candidate.upper:
            tier = candidate
            break
    r = tier.rates
    zero = Decimal(0)
    inp = r.get("input", zero)
    read = r.get("cache_read", inp)
    out = r.get("output", zero)
    return ((prompt - cached) * inp + cached * read + output * out) / _MTOK


def pairs(world: Catalog, data: dict[str, Any]) -> list[tuple[str, str, PriceFacts, Any]]:
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
        found.append((key, model, entry_facts(entry)[0], offering))
    return found


def run(world: Catalog, data: dict[str, Any], n: int, seed: int = 11) -> tuple[Counter[str], int]:
    rng = random.Random(seed)
    both = pairs(world, data)
    counts: Counter[str] = Counter()
    for i in range(n):
        _key, model, facts, offering = both[i % len(both)] if i < len(both) else rng.choice(both)
        bounds = [t.upper for t in facts.tiers if t.upper is not None]
        prompt = (
            rng.choice(bounds) + rng.choice((-1, 0, 1)) if bounds and rng.random() < 0.4 else 0
        ) or rng.randint(0, 300_000)
        cached = rng.randint(0, prompt) if rng.random() < 0.3 else 0
        output = rng.randint(0, 20_000)
        theirs = litellm_cost(facts, prompt, cached, output)
        record = {
            "provider": offering.provider,
            "model": model,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": output,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
        try:
            ours = price(record, world).total
        except (PricingError, RecordError) as exc:
            if "no published price" in exc.message:
                cls = (
                    "refused by ratecard: unpublished in the world (genai-prices gives no "
                    "price, or prices by time of day or per request); LiteLLM charges it"
                )
            else:
                cls = f"refused by ratecard: {exc.message[:60]}"
            counts[cls] += 1
            continue
        if ours == theirs:
            counts["equal"] += 1
        else:
            counts["different: LiteLLM's data and genai-prices' disagree"] += 1
    return counts, len(both)


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 100_000
    src = source("litellm")
    data = load_litellm(src, fetch(src, ROOT / "build" / "sources"))
    world = load_catalog(ROOT / "data" / "world")
    counts, held = run(world, data, n)
    print(f"{n:,} records over {held:,} LiteLLM chat entries the world also holds")
    for cls, count in counts.most_common():
        print(f"{cls[:78]:<78} {count:>9,} {count / n:>7.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
