"""Import genai-prices (MIT; pydantic/genai-prices) into cards.

The wheel ships its catalog as Python objects with exact Decimals
(``genai_prices.data.providers``): providers, models with match clauses, dated prices
(``ConditionalPrice`` with a start date), tiers (``TieredPrices``: the whole request is
priced at the tier its *input* tokens select, a tier applying *above* its start), price
variants by request context and time-of-day prices.

How each thing maps is a table (:data:`TOKEN_KEYS`, :data:`COUNTED_KEYS`), so that it grows
with the card format. What the format cannot hold yet is listed in the import report with
its key, value and reason, never dropped:

- token kinds by modality (audio, image, video) and the 1-hour cache write, characters,
  pages, hours, per-request fees: not in the card format yet (issue 10);
- price variants (``processing: batch``, ``service_tier``, ...): no price contexts yet;
- time-of-day prices: the whole model's pricing is written ``unpublished`` (never priced
  at the wrong window's rate) and reported;
- ``fallback_model_providers``, ``api_pattern``, usage extractors: provider facts with no
  field.

A price genai-prices does not give is ``unpublished`` (genai-prices charges 0 for it;
ratecard refuses). A price with more than 15 significant digits is float noise
(``0.18000000000000002``): it is rounded to 15 significant digits with trailing zeros
removed, noted on the card and reported.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..cards.fields import MAX_SIGNIFICANT_DIGITS
from ..units import slug
from .report import ImportReport
from .sources import Source, SourceError, verify

#: genai-prices price key → card rate key (per 1M tokens both).
TOKEN_KEYS: dict[str, str] = {
    "input_mtok": "input_mtok",
    "output_mtok": "output_mtok",
    "cache_read_mtok": "cache_read_mtok",
    "cache_write_mtok": "cache_write_mtok",
    # genai-prices counts reasoning inside output and prices it apart when this is set:
    # ratecard's reasoning line, at its own rate.
    "output_reasoning_mtok": "reasoning_mtok",
}
#: genai-prices counted unit → (tool_usage name, calls per priced unit).
COUNTED_KEYS: dict[str, tuple[str, int]] = {
    "web_searches_kcount": ("web_search", 1000),
}
#: Why a key is not held yet, by key (anything else: "no such unit in the card format").
NOT_HELD: dict[str, str] = {
    "cache_write_1h_mtok": "no 1-hour cache-write rate in the card format yet (issue 10); "
    "cache writes are priced at cache_write_mtok",
    "requests_kcount": "no per-request fee that always applies in the card format yet",
}
_NOISE_NOTE = (
    "{key} is {raw} in genai-prices {version}: float noise (more than 15 significant "
    "digits); written as {value}"
)
#: Which endpoints (usage shapes) a provider's records come in, where genai-prices' usage
#: extractors name its API flavours; everything else is OpenAI-compatible chat.
ENDPOINTS: dict[str, list[str]] = {
    "anthropic": ["messages", "chat.completions"],
    "openai": ["chat.completions", "responses", "completions"],
}


@contextmanager
def _wheel_on_path(wheel: Path | None) -> Iterator[None]:
    """Import genai_prices from ``wheel`` (a zip import) instead of the installed copy."""
    if wheel is None:
        yield
        return
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "genai_prices"}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(wheel))
    try:
        yield
    finally:
        sys.path.remove(str(wheel))
        for name in [k for k in sys.modules if k.split(".")[0] == "genai_prices"]:
            del sys.modules[name]
        sys.modules.update(saved)


def load_providers(src: Source, wheel: Path | None = None) -> list[Any]:
    """genai-prices' provider list, from the pinned ``wheel`` (verified) or, without one,
    from the installed package, which must be the pinned version."""
    if wheel is not None:
        verify(src, wheel)
    with _wheel_on_path(wheel):
        try:
            package = importlib.import_module("genai_prices")
            data = importlib.import_module("genai_prices.data")
        except ImportError as exc:
            raise SourceError(
                f"cannot import genai_prices ({exc}); install the 'interop' extra "
                "(pip install 'ratecard[interop]') or pass --from WHEEL"
            ) from None
        version = getattr(package, "__version__", None)
        if wheel is None and version is not None and version != src.version:
            raise SourceError(f"genai-prices {version} is installed; the lock pins {src.version}")
        return list(data.providers)


def clean_price(value: Decimal) -> tuple[Decimal, bool]:
    """``value`` as a card can hold it, and whether it was float noise that was rounded."""
    if len(value.as_tuple().digits) <= MAX_SIGNIFICANT_DIGITS:
        return value, False
    rounded = Decimal(f"{value:.{MAX_SIGNIFICANT_DIGITS}g}")
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text), True


def _rule(clause: Any) -> dict[str, Any]:
    kind = type(clause).__name__
    if kind == "ClauseEquals":
        return {"equals": clause.equals}
    if kind == "ClauseStartsWith":
        return {"starts_with": clause.starts_with}
    if kind == "ClauseEndsWith":
        return {"ends_with": clause.ends_with}
    if kind == "ClauseContains":
        return {"contains": clause.contains}
    if kind == "ClauseRegex":
        return {"regex": clause.regex}
    if kind == "ClauseOr":
        return {"any_of": [_rule(c) for c in clause.or_]}
    if kind == "ClauseAnd":
        return {"all_of": [_rule(c) for c in clause.and_]}
    raise SourceError(f"unknown genai-prices match clause {kind}")


def _simplify(rule: dict[str, Any], model_id: str) -> dict[str, Any] | None:
    """The rule without the clause that only restates the model's own id."""
    if rule.get("equals", "").lower() == model_id.lower():
        return None
    if "any_of" in rule:
        parts = [p for p in (_simplify(r, model_id) for r in rule["any_of"]) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"any_of": parts}
    return rule


class _Importer:
    def __init__(self, src: Source, report: ImportReport) -> None:
        self.src = src
        self.report = report
        self.providers: dict[str, dict[str, Any]] = {}
        self.offerings: dict[tuple[str, str], dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}

    # -- prices -----------------------------------------------------------------------

    def _price(self, pid: str, mid: str, key: str, value: Decimal, notes: list[str]) -> Decimal:
        cleaned, noisy = clean_price(value)
        if noisy:
            note = _NOISE_NOTE.format(
                key=key, raw=value, version=self.src.version, value=format(cleaned, "f")
            )
            if note not in notes:
                notes.append(note)
            self.report.add(pid, mid, key, format(value, "f"), f"float noise; rounded to {cleaned}")
        return cleaned

    def plan(
        self, pid: str, mid: str, prices: Any, start: dt.date | None, notes: list[str]
    ) -> dict[str, Any]:
        """One card price plan from a genai-prices ``ModelPrice``."""
        rates: dict[str, Any] = {}
        tools: dict[str, Any] = {}
        tier_keys: dict[str, Any] = {}
        for key, value in sorted(vars(prices).items()):
            if value is None or key.startswith("_"):
                continue
            where = key if start is None else f"{key} (from {start})"
            if type(value).__name__ == "TieredPrices":
                if key in TOKEN_KEYS:
                    tier_keys[TOKEN_KEYS[key]] = value
                else:
                    self._not_held(pid, mid, where, value)
                continue
            if key in TOKEN_KEYS:
                rates[TOKEN_KEYS[key]] = self._price(pid, mid, key, value, notes)
            elif key in COUNTED_KEYS:
                name, per = COUNTED_KEYS[key]
                per_call = self._price(pid, mid, key, value, notes) / per
                tools[name] = {"per_call": per_call, "label": f"{name} ($ {value} per {per:,})"}
            else:
                self._not_held(pid, mid, where, value)
        plan: dict[str, Any] = {}
        if start is not None:
            plan["effective_from"] = f"{start.isoformat()}T00:00:00Z"
        for key in ("input_mtok", "output_mtok"):
            if key not in rates and key not in tier_keys:
                rates[key] = "unpublished"
        if tier_keys:
            plan["tiers"] = self._tiers(pid, mid, rates, tier_keys, notes)
        else:
            plan.update(_ordered(rates))
        if tools:
            plan["tools"] = tools
        return plan

    def _tiers(
        self,
        pid: str,
        mid: str,
        flat: dict[str, Any],
        tiered: dict[str, Any],
        notes: list[str],
    ) -> dict[str, Any]:
        starts = sorted({t.start for v in tiered.values() for t in v.tiers})
        bounds: list[int | None] = [*starts, None]
        rows = []
        for i, upper in enumerate(bounds):
            lower = starts[i - 1] if i else None
            row: dict[str, Any] = {}
            for key in ("input_mtok", "cache_read_mtok", "cache_write_mtok", "output_mtok"):
                if key in tiered:
                    price = tiered[key].base
                    for t in tiered[key].tiers:
                        if lower is not None and t.start <= lower:
                            price = t.price
                    row[key] = self._price(pid, mid, key, price, notes)
                elif key in flat:
                    row[key] = flat[key]
            if "reasoning_mtok" in flat:
                row["reasoning_mtok"] = flat["reasoning_mtok"]
            # genai-prices' top tier is open: "above N, whatever the size". The card format
            # has no open tier yet (issue 10), so the top row ends at the largest count
            # ratecard accepts at all (10^15): the same prices for every count it can see.
            rows.append({"up_to": upper if upper is not None else 10**15, **row})
        note = (
            "Tiers as genai-prices writes them: the whole request is priced at the tier its "
            "input tokens (cached and cache writes included) select, a tier applying above "
            "its start; the top tier is open (written up to 10^15, the largest count priced)."
        )
        if note not in notes:
            notes.append(note)
        return {"by": "input_tokens", "boundary": "upper_inclusive", "rows": rows}

    def _not_held(self, pid: str, mid: str, key: str, value: Any) -> None:
        base = key.split(" ")[0]
        reason = NOT_HELD.get(base, "no such unit in the card format yet (issue 10)")
        self.report.add(pid, mid, key, _text(value), reason)

    # -- models -----------------------------------------------------------------------

    def model(self, provider: Any, m: Any) -> None:
        pid, mid = provider.id, m.id
        notes: list[str] = []
        card: dict[str, Any] = {"id": mid, "name": m.name or mid}
        model_key = f"{pid}/{slug(mid)}"
        card["model"] = model_key
        card["status"] = "deprecated" if m.deprecated else "available"
        if m.description:
            card["description"] = m.description
        if m.context_window:
            card["limits"] = {"context_window": m.context_window}
        card["endpoints"] = ENDPOINTS.get(pid, ["chat.completions"])
        pricing = self.pricing(provider, m, notes)
        card["pricing"] = pricing
        rule = _simplify(_rule(m.match), mid)
        if rule is not None:
            card["match"] = rule
        if m.price_comments:
            notes.append(m.price_comments)
        for variant in m.price_variants or ():
            self.report.add(
                pid,
                mid,
                f"price_variants[when={variant.when}]",
                repr(variant.prices),
                "no price contexts (batch, service_tier, ...) in the card format yet "
                "(issue 10); the standard prices apply to records without a context",
            )
        if notes:
            card["notes"] = notes
        card["sources"] = [f"{self.src.provenance}: providers[{pid}].models[{mid}]"]
        self.offerings[(pid, mid)] = card
        self.models[model_key] = {
            "name": m.name or mid,
            "creator": provider.name,
            "sources": [self.src.provenance],
            "notes": [
                f"Imported from genai-prices' {pid} catalog; the creator is the seller "
                "genai-prices lists it under."
            ],
        }

    def pricing(self, provider: Any, m: Any, notes: list[str]) -> list[dict[str, Any]]:
        pid, mid = provider.id, m.id
        sets = (
            [m.prices] if type(m.prices).__name__ == "ModelPrice" else [c.prices for c in m.prices]
        )
        if any(getattr(s, "requests_kcount", None) is not None for s in sets):
            for s in sets:
                self.report.add(
                    pid,
                    mid,
                    "requests_kcount",
                    _text(s.requests_kcount),
                    "a per-request fee that always applies is not in the card format yet "
                    "(issue 10); the model is imported with unpublished prices, never "
                    "priced without its fee",
                )
            notes.append(
                "genai-prices charges this model a fee per request on top of its token "
                "prices; the card format cannot say so yet, so its prices are unpublished "
                "here (see the import report)."
            )
            return [{"input_mtok": "unpublished", "output_mtok": "unpublished"}]
        if type(m.prices).__name__ == "ModelPrice":
            return [self.plan(pid, mid, m.prices, None, notes)]
        conditional = list(m.prices)
        kinds = [type(c.constraint).__name__ for c in conditional]
        if "TimeOfDateConstraint" in kinds:
            for c in conditional:
                self.report.add(
                    pid,
                    mid,
                    f"prices[{_text(c.constraint)}]",
                    repr(c.prices),
                    "time-of-day prices are not in the card format yet (issue 10); the "
                    "model is imported with unpublished prices, never at the wrong window's rate",
                )
            notes.append(
                "genai-prices prices this model by time of day (off-peak); the card format "
                "cannot say so yet, so its prices are unpublished here (see the import report)."
            )
            return [{"input_mtok": "unpublished", "output_mtok": "unpublished"}]
        plans: list[dict[str, Any]] = []
        last: dt.date | None = None
        for c in conditional:
            start = c.constraint.start_date if c.constraint is not None else None
            if plans and (start is None or (last is not None and start <= last)):
                raise SourceError(f"{pid}/{mid}: conditional prices out of date order")
            last = start
            plans.append(self.plan(pid, mid, c.prices, start, notes))
        return plans

    def provider(self, p: Any) -> None:
        notes = []
        if p.description:
            notes.append(p.description)
        if p.price_comments:
            notes.append(p.price_comments)
        endpoints = ENDPOINTS.get(p.id, ["chat.completions"])
        card: dict[str, Any] = {
            "name": p.name,
            "endpoints": {e: {"method": "POST"} for e in endpoints},
        }
        notes.append(
            "genai-prices names no endpoints; records are read in the usage shapes listed "
            "here (OpenAI-compatible chat unless the provider's own API is known)."
        )
        card["notes"] = notes
        card["sources"] = [self.src.provenance, *(p.pricing_urls or [])]
        self.providers[p.id] = card
        self.report.add(p.id, "", "api_pattern", p.api_pattern, "provider fact with no field")
        if p.fallback_model_providers:
            self.report.add(
                p.id,
                "",
                "fallback_model_providers",
                ",".join(p.fallback_model_providers),
                "no fallback between providers in the card format: a record names its offering",
            )
        if p.model_match is not None:
            self.report.add(
                p.id,
                "",
                "model_match",
                repr(p.model_match),
                "provider guessed from a model id: ratecard resolves ids, not providers",
            )


def _ordered(rates: dict[str, Any]) -> dict[str, Any]:
    order = ("input_mtok", "cache_read_mtok", "cache_write_mtok", "output_mtok", "reasoning_mtok")
    return {k: rates[k] for k in order if k in rates}


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value)


def import_genai_prices(
    providers: list[Any], src: Source, report: ImportReport
) -> tuple[dict[str, Any], dict[tuple[str, str], Any], dict[str, Any]]:
    """Provider, offering and model cards (plain dicts) from genai-prices' providers."""
    importer = _Importer(src, report)
    for p in providers:
        importer.provider(p)
        for m in p.models:
            importer.model(p, m)
    return importer.providers, importer.offerings, importer.models


__all__ = ["COUNTED_KEYS", "TOKEN_KEYS", "clean_price", "import_genai_prices", "load_providers"]
