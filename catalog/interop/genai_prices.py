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
from ..kinds import KINDS
from ..units import slug
from .report import ImportReport
from .sources import Source, SourceError, verify

#: genai-prices price key → card rate key (per 1M tokens both). The card's token kinds take
#: genai-prices' unit names (``catalog/kinds.py``), so every kind maps to itself: text, audio,
#: image and video tokens, cache reads and writes, and the 5-minute and 1-hour cache writes.
TOKEN_KEYS: dict[str, str] = {
    **{kind.price_key: kind.price_key for kind in KINDS.values()},
    # genai-prices counts reasoning inside output and prices it apart when this is set:
    # ratecard's reasoning line, at its own rate.
    "output_reasoning_mtok": "reasoning_mtok",
}
#: genai-prices counted unit → (tool_usage name, calls per priced unit, aliases).
COUNTED_KEYS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "web_searches_kcount": ("web_search", 1000, ()),
    # OpenAI's file search tool calls (genai-prices' usage key ``storage_searches``)
    "storage_searches_kcount": ("file_search", 1000, ("storage_search",)),
}
#: genai-prices fee per request → (request_fees name, requests per priced unit). A fee with
#: no ``when`` applies to every request (docs/card-format-pricing.md).
REQUEST_KEYS: dict[str, tuple[str, int]] = {
    "requests_kcount": ("request", 1000),
}
#: genai-prices price variants selected by these request-context values become the card's
#: price contexts (matched against a record's ``service_tier`` or ``batch: true``).
CONTEXT_KEYS: dict[str, str | None] = {
    "processing": "batch",  # {processing: batch} → context batch
    "service_tier": None,  # {service_tier: X} → context X
}
#: Why a key is not held, by key (anything else: "no such unit in the card format").
NOT_HELD: dict[str, str] = {}
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
        self,
        pid: str,
        mid: str,
        prices: dict[str, Any],
        start: dt.date | None,
        notes: list[str],
        where: str = "",
    ) -> dict[str, Any]:
        """One card price plan from a genai-prices price set (price key → Decimal or
        ``TieredPrices``); ``where`` names the set in report lines."""
        rates: dict[str, Any] = {}
        tools: dict[str, Any] = {}
        fees: dict[str, Any] = {}
        tier_keys: dict[str, Any] = {}
        for key, value in sorted(prices.items()):
            if value is None or key.startswith("_"):
                continue
            at = f"{key}{where}" if start is None else f"{key}{where} (from {start})"
            if type(value).__name__ == "TieredPrices":
                if key in TOKEN_KEYS:
                    tier_keys[TOKEN_KEYS[key]] = value
                else:
                    self._not_held(pid, mid, at, value)
                continue
            if key in TOKEN_KEYS:
                rates[TOKEN_KEYS[key]] = self._price(pid, mid, key, value, notes)
            elif key in COUNTED_KEYS:
                name, per, aliases = COUNTED_KEYS[key]
                per_call = self._price(pid, mid, key, value, notes) / per
                tool: dict[str, Any] = {
                    "per_call": per_call,
                    "label": f"{name} ($ {value} per {per:,})",
                }
                if aliases:
                    tool["aliases"] = list(aliases)
                tools[name] = tool
            elif key in REQUEST_KEYS:
                name, per = REQUEST_KEYS[key]
                fees[name] = {
                    "per_request": self._price(pid, mid, key, value, notes) / per,
                    "label": f"fee per request ($ {value} per {per:,} requests)",
                }
            else:
                self._not_held(pid, mid, at, value)
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
        if fees:
            plan["request_fees"] = fees
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
            row: dict[str, Any] = {"up_to": upper}
            for key in _ordered({**flat, **tiered}):
                if key in tiered:
                    price = tiered[key].base
                    for t in tiered[key].tiers:
                        if lower is not None and t.start <= lower:
                            price = t.price
                    row[key] = self._price(pid, mid, key, price, notes)
                else:
                    row[key] = flat[key]
            # genai-prices' top tier is open: "above N, whatever the size" (up_to: null).
            rows.append(row)
        note = (
            "Tiers as genai-prices writes them: the whole request is priced at the tier its "
            "input tokens (cached and cache writes included) select, a tier applying above "
            "its start; the top tier is open."
        )
        if note not in notes:
            notes.append(note)
        return {"by": "input_tokens", "boundary": "upper_inclusive", "rows": rows}

    def _not_held(self, pid: str, mid: str, key: str, value: Any) -> None:
        base = key.split(" ")[0].split("[")[0]
        reason = NOT_HELD.get(base, "no such unit in the card format")
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
        """The card's price versions: every context (default, and one per price variant's
        context) by date, each with its daily-window versions (``daily_utc``).

        genai-prices picks a model's prices in two steps (``ModelInfo.get_prices``): the
        last active ``ConditionalPrice`` (a start date, or a daily window), then, when the
        request names a context, the overrides of the active variants that match it, key by
        key, the first variant winning. The card writes each (context, window) as its own
        group of dated versions holding the merged prices, with a version wherever either
        side changes. A context is priced from its first variant's start only: before it
        genai-prices would apply the standard prices, which ratecard does not guess.
        """
        pid, mid = provider.id, m.id
        if type(m.prices).__name__ == "ModelPrice":
            conditional = [(None, _prices(m.prices))]
        else:
            conditional = [(c.constraint, _prices(c.prices)) for c in m.prices]
        windows: list[tuple[tuple[str, str], dict[str, Any]]] = []
        plain: list[tuple[dt.date | None, dict[str, Any]]] = []
        for constraint, prices in conditional:
            kind = type(constraint).__name__
            if kind == "TimeOfDateConstraint":
                window = _window(constraint)
                if window is None:
                    return self._unpublished(
                        pid,
                        mid,
                        notes,
                        f"prices[{_text(constraint)}]",
                        repr(prices),
                        "a daily window that is not whole UTC minutes",
                    )
                windows.append((window, prices))
                continue
            start = constraint.start_date if constraint is not None else None
            if windows:
                return self._unpublished(
                    pid,
                    mid,
                    notes,
                    f"prices[{_text(constraint)}]",
                    repr(prices),
                    "a dated price after a daily window (the window would end on that date)",
                )
            if plain and (start is None or (plain[-1][0] or dt.date.min) >= start):
                raise SourceError(f"{pid}/{mid}: conditional prices out of date order")
            plain.append((start, prices))
        if not plain:
            return self._unpublished(
                pid,
                mid,
                notes,
                "prices",
                repr(m.prices),
                "daily windows with no price outside them",
            )
        contexts: dict[str, list[tuple[dt.date | None, dict[str, Any]]]] = {}
        for variant in m.price_variants or ():
            context = self._context(pid, mid, variant)
            if context is None:
                continue
            start = None
            if variant.constraint is not None:
                start = variant.constraint.start_date
            contexts.setdefault(context, []).append((start, _prices(variant.prices)))
        plans: list[dict[str, Any]] = []
        groups: list[tuple[str, tuple[str, str] | None]] = [("default", None)]
        groups += [("default", w) for w, _ in windows]
        for context in sorted(contexts):
            groups += [(context, None), *((context, w) for w, _ in windows)]
        window_prices = dict(windows)
        for context, window in groups:
            variants = contexts.get(context, [])
            dates = sorted(
                {d for d, _ in plain if d is not None} | {d for d, _ in variants if d is not None}
            )
            days: list[dt.date | None] = [None, *dates]
            first = plain[0][0]
            if first is not None and window is None:
                # before the first dated price genai-prices applies it anyway; the card
                # does not guess a price before its first date
                days = [d for d in dates if d >= first]
            last: dict[str, Any] | None = None
            for day in days:
                standard = window_prices[window] if window else _standard(plain, day)
                if context != "default":
                    active = [p for d, p in variants if d is None or (day is not None and d <= day)]
                    if not active:
                        continue
                    overrides: dict[str, Any] = {}
                    for p in active:
                        for key, value in p.items():
                            overrides.setdefault(key, value)
                    standard = {**standard, **overrides}
                if standard == last:
                    continue
                last = standard
                where = "" if context == "default" else f" [{context}]"
                if window:
                    where += f" [{window[0]}-{window[1]} UTC]"
                plan = self.plan(pid, mid, standard, day, notes, where)
                head: dict[str, Any] = {}
                if context != "default":
                    head["context"] = context
                if window:
                    head["daily_utc"] = {"from": window[0], "to": window[1]}
                plans.append({**head, **plan})
        if windows:
            notes.append(
                "genai-prices prices this model by time of day: the versions with daily_utc "
                "apply inside their daily UTC window (start inclusive, end exclusive)."
            )
        if contexts:
            notes.append(
                "Price contexts from genai-prices' price variants: each context's prices are "
                "the standard prices with the variant's overrides (a price the variant does "
                "not give is the standard one, as genai-prices charges it). A context is "
                "priced from its variant's first date; a record of a context the card does "
                "not price, or before that date, is refused (genai-prices would apply the "
                "standard prices)."
            )
        return plans

    def _context(self, pid: str, mid: str, variant: Any) -> str | None:
        """The card context a price variant prices, or None (reported) when it has none."""
        when = dict(variant.when)
        key = f"price_variants[when={when}]"
        if type(variant.constraint).__name__ == "TimeOfDateConstraint":
            self.report.add(pid, mid, key, repr(variant.prices), "a price variant by time of day")
            return None
        if len(when) == 1:
            ((name, value),) = when.items()
            if name in CONTEXT_KEYS:
                context = CONTEXT_KEYS[name] or value
                if context in ("default", "standard"):
                    if any(v is not None for v in _prices(variant.prices).values()):
                        self.report.add(
                            pid,
                            mid,
                            key,
                            repr(variant.prices),
                            "prices for an explicit default service tier that differ from the "
                            "standard ones: ratecard's default context is the standard prices",
                        )
                    return None
                return context
        self.report.add(
            pid,
            mid,
            key,
            repr(variant.prices),
            f"a price context selected by {', '.join(sorted(when))}: usage records name "
            "their context by service_tier or batch only; records are priced at the "
            "standard prices",
        )
        return None

    def _unpublished(
        self, pid: str, mid: str, notes: list[str], key: str, value: str, why: str
    ) -> list[dict[str, Any]]:
        self.report.add(
            pid,
            mid,
            key,
            value,
            f"{why}: the model is imported with unpublished prices, never at the wrong rate",
        )
        notes.append(
            f"genai-prices' prices for this model include {why}, which the card format "
            "cannot say; its prices are unpublished here (see the import report)."
        )
        return [{"input_mtok": "unpublished", "output_mtok": "unpublished"}]

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


#: Rate keys in the order a card lists them (the five original kinds first).
_ORDER = tuple(kind.price_key for kind in KINDS.values())


def _ordered(rates: dict[str, Any]) -> dict[str, Any]:
    return {k: rates[k] for k in _ORDER if k in rates}


def _prices(model_price: Any) -> dict[str, Any]:
    """A genai-prices ``ModelPrice`` as a dict of its set prices."""
    return {k: v for k, v in vars(model_price).items() if v is not None and not k.startswith("_")}


def _standard(
    plain: list[tuple[dt.date | None, dict[str, Any]]], day: dt.date | None
) -> dict[str, Any]:
    """genai-prices' standard prices on ``day`` (None: before every date): the last version
    whose start has come, else the first (``ModelInfo.get_prices``)."""
    chosen = plain[0][1]
    for start, prices in plain:
        if start is None or (day is not None and start <= day):
            chosen = prices
    return chosen


def _window(constraint: Any) -> tuple[str, str] | None:
    """A ``TimeOfDateConstraint`` as a daily UTC window (``HH:MM``, start inclusive, end
    exclusive, as genai-prices reads it), or None when it is not whole minutes."""
    out = []
    for value in (constraint.start_time, constraint.end_time):
        if value.tzinfo is not None:
            value = dt.datetime.combine(dt.date(1970, 1, 1), value).astimezone(dt.UTC).time()
        if value.second or value.microsecond:
            return None
        out.append(f"{value.hour:02d}:{value.minute:02d}")
    return out[0], out[1]


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
