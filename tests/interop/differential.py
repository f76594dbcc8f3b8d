"""genai-prices' own ``calc_price`` against ratecard's ``billing.price``, on random usage.

Records are drawn over every genai-prices model with token prices: counts around every tier
start, cache reads and writes (part of them 1-hour writes), timestamps across every dated
price and every minute of the day (DeepSeek's daily windows), and price contexts: a record
names one of the model's contexts (``processing: batch`` or a ``service_tier``) or, now and
then, a context the model does not price. Per-request fees (Perplexity) apply to every
record. genai-prices prices ``Usage(input_tokens=all input, cache_read_tokens,
cache_write_tokens, cache_write_1h_tokens, output_tokens)`` with the model object itself and
the context as its ``price_context``; ratecard prices the same counts as an Anthropic-shaped
record (disjoint counts, ``cache_creation`` by duration, ``batch: true`` or
``service_tier``) naming the imported offering by provider and id.

Two agreements are measured. **Raw**: genai-prices' data as its wheel ships it. **Engine**:
genai-prices' ``calc_price`` given the prices the card holds, where the two differ only by
float noise: the handful of genai-prices Decimals that the import rounded (``0.18000000000000002``
→ ``0.18``, each a line of the import report) are replaced, in a copy of genai-prices' data in
this process only, by the value the import wrote. A record that differs raw and is equal
once the same price is used is the float-noise class; one that still differs is unexplained.

Run alone for the table: ``python -m tests.interop.differential [N]`` (``make crosscheck``).
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing import PricingError, RecordError, price
from catalog import Catalog, load_catalog
from catalog.interop import ImportReport, source
from catalog.interop.genai_prices import import_genai_prices, load_providers

START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
SPAN = int((dt.datetime(2027, 1, 1, tzinfo=dt.UTC) - START).total_seconds())


def token_priced(model: Any) -> bool:
    from genai_prices import types as t

    prices = [model.prices] if isinstance(model.prices, t.ModelPrice) else model.prices
    for p in prices:
        mp = p if isinstance(p, t.ModelPrice) else p.prices
        if any(getattr(mp, k, None) is not None for k in ("input_mtok", "output_mtok")):
            return True
    return False


def _starts(model: Any) -> list[int]:
    from genai_prices import types as t

    prices = [model.prices] if isinstance(model.prices, t.ModelPrice) else model.prices
    out: set[int] = set()
    for p in prices:
        mp = p if isinstance(p, t.ModelPrice) else p.prices
        for v in vars(mp).values():
            if isinstance(v, t.TieredPrices):
                out.update(tier.start for tier in v.tiers)
    return sorted(out)


def _contexts(model: Any) -> list[dict[str, str]]:
    """genai-prices' request contexts the model's price variants name, that ratecard reads
    (``processing: batch`` → ``batch: true``, ``service_tier``)."""
    out: list[dict[str, str]] = []
    for variant in model.price_variants or ():
        when = dict(variant.when)
        if len(when) == 1 and next(iter(when)) in ("processing", "service_tier"):
            if when not in out:
                out.append(when)
    return out


#: A context no genai-prices model prices: genai-prices applies the standard prices to it.
UNPRICED = {"service_tier": "scale"}


def _count(rng: random.Random, starts: list[int]) -> int:
    roll = rng.random()
    if starts and roll < 0.4:
        return max(0, rng.choice(starts) + rng.choice((-1, 0, 1, rng.randint(-5000, 5000))))
    if roll < 0.5:
        return 0
    if roll < 0.8:
        return rng.randint(1, 5000)
    return rng.randint(1, 2_000_000)


@dataclass(frozen=True)
class NoisePatch:
    """One float-noise price of genai-prices and the value ratecard's import wrote for it,
    as the import report lists it (``float noise; rounded to 0.18``)."""

    provider: str
    model: str
    key: str
    raw: Decimal
    written: Decimal


_ROUNDED = re.compile(r"float noise; rounded to (\S+)$")


def noise_patches(report: ImportReport | None = None) -> list[NoisePatch]:
    """The float-noise lines of the genai-prices import report (a fresh import of the pinned
    genai-prices when ``report`` is None), one per provider, model, key and raw value."""
    if report is None:
        src = source("genai-prices")
        report = ImportReport(src.name)
        import_genai_prices(load_providers(src), src, report)
    out: set[NoisePatch] = set()
    for e in report.entries:
        found = _ROUNDED.match(e.reason)
        if found:
            out.add(NoisePatch(e.provider, e.model, e.key, Decimal(e.value), Decimal(found[1])))
    return sorted(out, key=lambda n: (n.provider, n.model, n.key, n.raw))


def _price_sets(model: Any) -> list[Any]:
    """Every genai-prices ``ModelPrice`` of a model: plain, dated, and its price variants."""
    from genai_prices import types as t

    sets = (
        [model.prices]
        if isinstance(model.prices, t.ModelPrice)
        else [c.prices for c in model.prices]
    )
    return sets + [v.prices for v in model.price_variants or ()]


def patched_models(providers: list[Any], patches: list[NoisePatch]) -> dict[str, tuple[Any, Any]]:
    """``provider/model`` → (provider, model) from a deep copy of the patched providers, with
    every noisy Decimal the report lists replaced by the value the import wrote (plain
    prices, tier bases and tier prices, dated prices and price variants). The wheel's own
    objects are not touched. Fails if a report line names a price that is not found."""
    from genai_prices import types as t

    wanted = {n.provider for n in patches}
    out: dict[str, tuple[Any, Any]] = {}
    hits: Counter[NoisePatch] = Counter()
    for original in providers:
        if original.id not in wanted:
            continue
        provider = copy.deepcopy(original)
        for model in provider.models:
            mine = [n for n in patches if (n.provider, n.model) == (provider.id, model.id)]
            if not mine:
                continue
            for prices in _price_sets(model):
                for n in mine:
                    value = prices.__dict__.get(n.key)
                    if isinstance(value, Decimal) and value == n.raw:
                        prices.__dict__[n.key] = n.written
                        hits[n] += 1
                    elif isinstance(value, t.TieredPrices):
                        if value.base == n.raw:
                            value.base = n.written
                            hits[n] += 1
                        for tier in value.tiers:
                            if tier.price == n.raw:
                                tier.price = n.written
                                hits[n] += 1
            out[f"{provider.id}/{model.id}"] = (provider, model)
    missing = [n for n in patches if not hits[n]]
    assert not missing, f"import report names float noise not found in genai-prices: {missing}"
    return out


#: The float-noise class, raw and engine (its reason, spelled out in the table).
NOISE = (
    "different: a genai-prices float-noise price (0.18000000000000002) the card holds rounded "
    "(0.18)"
)
SAME_PRICE = "equal once the same price is used (genai-prices given the card's rounded price)"


@dataclass
class Result:
    counts: Counter[str] = field(default_factory=Counter)
    engine: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    models: int = 0
    patched: int = 0
    priced_by_genai: set[str] = field(default_factory=set)
    priced_by_both: set[str] = field(default_factory=set)

    def add(self, cls: str, example: str, engine: str | None = None) -> None:
        """One record: its raw class and its engine class (the same unless given)."""
        self.counts[cls] += 1
        self.engine[engine or cls] += 1
        self.examples.setdefault(cls, example)
        if engine:
            self.examples.setdefault(engine, example)


def classify_refusal(message: str, context: dict[str, str] | None = None) -> str:
    if "context (the record's" in message:
        return (
            "a context the model does not price (genai-prices applies the standard prices; "
            "ratecard never prices a context at another's rate)"
        )
    if context and "before the first price version" in message:
        return (
            "a context before its first dated price (genai-prices applies the standard "
            "prices; ratecard does not guess)"
        )
    if "unpublished" in message:
        return "a price genai-prices does not give (it charges 0; ratecard refuses)"
    if "before" in message and "first" in message:
        return "before the first dated price"
    return message.split(": ", 1)[-1][:80]


def _genai_price(
    model: Any, provider: Any, usage: Any, when: dt.datetime, context: dict[str, str] | None
) -> tuple[Decimal | None, str]:
    try:
        total: Decimal = model.calc_price(
            usage, provider, genai_request_timestamp=when, price_context=context
        ).total_price
    except Exception as exc:  # genai-prices raises ValueError and friends
        return None, f"{type(exc).__name__}: {exc}"[:80]
    return total, ""


def run(world: Catalog, n: int, seed: int = 11, patches: list[NoisePatch] | None = None) -> Result:
    """``n`` records priced by both; ``patches`` (default: the fresh import's report) are
    the float-noise prices the engine agreement replaces."""
    from genai_prices import Usage
    from genai_prices.data import providers

    rng = random.Random(seed)
    pairs = [(p, m) for p in providers for m in p.models if token_priced(m)]
    if patches is None:
        patches = noise_patches()
    patched = patched_models(providers, patches)
    result = Result(models=len(pairs), patched=len(patches))
    for i in range(n):
        p, m = pairs[i % len(pairs)] if i < len(pairs) else rng.choice(pairs)
        starts = _starts(m)
        total_in = _count(rng, starts)
        read = rng.randint(0, total_in) if rng.random() < 0.5 else 0
        write = rng.randint(0, total_in - read) if rng.random() < 0.3 else 0
        write_1h = rng.randint(0, write) if write and rng.random() < 0.5 else 0
        out = _count(rng, [])
        when = START + dt.timedelta(seconds=rng.randrange(SPAN))
        contexts = _contexts(m)
        roll = rng.random()
        context: dict[str, str] | None = None
        if contexts and roll < 0.4:
            context = rng.choice(contexts)
        elif roll >= 0.98:
            context = UNPRICED
        key = f"{p.id}/{m.id}"
        example = (
            f"{key} in={total_in} read={read} write={write} (1h {write_1h}) out={out} at "
            f"{when:%Y-%m-%dT%H:%M}{f' {context}' if context else ''}"
        )
        genai_usage = Usage(
            input_tokens=total_in,
            cache_read_tokens=read,
            cache_write_tokens=write,
            cache_write_1h_tokens=write_1h,
            output_tokens=out,
        )
        theirs, their_error = _genai_price(m, p, genai_usage, when, context)
        if key in patched:
            same_price, _ = _genai_price(*patched[key][::-1], genai_usage, when, context)
        else:
            same_price = theirs
        if theirs is not None:
            result.priced_by_genai.add(key)
        usage: dict[str, Any] = {
            "input_tokens": total_in - read - write,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
            "output_tokens": out,
        }
        if write_1h:
            usage["cache_creation"] = {
                "ephemeral_5m_input_tokens": write - write_1h,
                "ephemeral_1h_input_tokens": write_1h,
            }
        record: dict[str, Any] = {
            "model": m.id,
            "provider": p.id,
            "endpoint": "messages",
            "timestamp": when.isoformat().replace("+00:00", "Z"),
            "usage": usage,
        }
        if context and "processing" in context:
            record["batch"] = True
        elif context:
            record["service_tier"] = context["service_tier"]
        try:
            ours: Decimal | None = price(record, world).total
            our_error = ""
        except (PricingError, RecordError) as exc:
            ours, our_error = None, exc.message
        if ours is not None and theirs is not None:
            result.priced_by_both.add(key)
            if ours == theirs:
                result.add("equal", example)
            elif ours == same_price:
                result.add(
                    NOISE,
                    f"{example}: ours {ours}, genai-prices {theirs}, with the card's price "
                    f"{same_price}",
                    engine=SAME_PRICE,
                )
            else:
                result.add(
                    "different: unexplained",
                    f"{example}: ours {ours}, theirs {theirs} (with the card's price {same_price})",
                )
        elif ours is None and theirs is None:
            result.add(
                f"refused by both: {classify_refusal(our_error, context)}",
                f"{example}: {their_error}",
            )
        elif ours is None:
            result.add(
                f"refused by ratecard: {classify_refusal(our_error, context)}",
                f"{example}: {our_error}",
            )
        else:
            result.add(f"refused by genai-prices: {their_error}", example)
    return result


def _agreement(counts: Counter[str], equal_classes: tuple[str, ...]) -> tuple[int, int]:
    """(equal, comparable): comparable = both priced."""
    both = sum(c for k, c in counts.items() if k in equal_classes or k.startswith("different"))
    return sum(counts.get(k, 0) for k in equal_classes), both


def _classes(counts: Counter[str], n: int) -> list[str]:
    return [
        f"  {count:>9,} {count / n:>7.2%}  {cls}"
        for cls, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def table(result: Result, n: int, seconds: float) -> str:
    lines = [
        f"{n:,} records over {result.models:,} genai-prices models with token prices "
        f"({seconds:.1f} s)",
        "",
        "raw agreement: genai-prices' data as its wheel ships it",
        f"  {'records':>9} {'share':>7}  class",
        *_classes(result.counts, n),
    ]
    equal, both = _agreement(result.counts, ("equal",))
    lines.append(
        f"  comparable (both priced): {both:,}; equal: {equal:,} "
        f"({equal / both if both else 0:.3%})"
    )
    lines += [
        "",
        f"engine agreement: genai-prices' calc_price given the card's price for the "
        f"{result.patched} float-noise prices the import report lists",
        f"  {'records':>9} {'share':>7}  class",
        *_classes(result.engine, n),
    ]
    equal, both = _agreement(result.engine, ("equal", SAME_PRICE))
    lines.append(
        f"  comparable (both priced): {both:,}; equal: {equal:,} "
        f"({equal / both if both else 0:.3%})"
    )
    share = (
        len(result.priced_by_both) / len(result.priced_by_genai) if result.priced_by_genai else 0
    )
    lines.append("")
    lines.append(
        f"models genai-prices priced that ratecard also priced: "
        f"{len(result.priced_by_both):,} of {len(result.priced_by_genai):,} ({share:.2%})"
    )
    lines.append("first example of each class:")
    for cls, example in sorted(result.examples.items()):
        lines.append(f"  {cls[:60]}: {example[:200]}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 100_000
    world = (
        Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "data" / "world"
    )
    catalog = load_catalog(world)
    started = time.perf_counter()
    result = run(catalog, n)
    print(table(result, n, time.perf_counter() - started))
    return 1 if any(k == "different: unexplained" for k in result.counts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
