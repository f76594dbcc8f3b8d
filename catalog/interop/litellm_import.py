"""Import LiteLLM's ``model_cost`` map (MIT; BerriAI/litellm) into cards.

Read from the hash-pinned wheel with :func:`catalog.interop.litellm.load_litellm` (numbers as
exact Decimals from the JSON text; LiteLLM is never installed). One offering per entry whose
``mode`` is one ratecard prices (``chat``, ``responses``, ``completion``, or no mode):

- provider = ``litellm_provider``; id = the key without its ``<provider>/`` prefix when the
  key has one (``gemini/gemini-2.5-pro`` → ``gemini`` / ``gemini-2.5-pro``), else the key as
  LiteLLM writes it (``gpt-4o`` → ``openai`` / ``gpt-4o``; ``openrouter/openai/gpt-4o`` →
  ``openrouter`` / ``openai/gpt-4o``). Two keys naming the same provider/id (or the same file
  name): the first in key order is kept, the other reported;
- prices per token × 10^6 = per 1M tokens (``input_cost_per_token``,
  ``output_cost_per_token``, ``cache_read_input_token_cost``,
  ``cache_creation_input_token_cost``, ``output_cost_per_reasoning_token``), the
  ``*_above_<N>k_tokens`` tiers (k = 1,000; a prompt count above N uses the higher price:
  ``up_to: N`` with ``upper_inclusive``), ``search_context_cost_per_query`` as the
  ``web_search`` tool fee when one price holds for every search context size;
- ``max_input_tokens`` / ``max_output_tokens`` → ``limits`` (as the cross-check reads them);
  ``supports_<x>: true`` → feature ``<x>``; ``supported_endpoints`` → endpoints ratecard
  knows; ``deprecation_date`` → a note (and ``deprecated`` once past the source's pin date);
- the 1-hour cache write and tokens by modality (``cache_creation_input_token_cost_above_1hr``,
  ``input_cost_per_audio_token``, ...) → their token kinds (:data:`.litellm.TOKEN_KEYS`);
- ``tiered_pricing`` ranges → tiers (:func:`.litellm.tiered_pricing`: a tier prices the
  whole request when ``start < prompt tokens <= end``; the top tier is open, as LiteLLM
  prices a prompt beyond the last range at the last tier), with a note naming the declared
  end; a request with no prompt tokens, which LiteLLM prices at the entry's flat prices
  (none, for most of these entries: 0), is a report line where those differ from the
  first tier;
- keys ending ``_batches`` / ``_priority`` / ``_flex`` → the price contexts ``batch`` /
  ``priority`` / ``flex``: the entry with those keys in place of the standard ones (LiteLLM
  takes a key the context lacks from the standard prices).

A missing input or output price is ``unpublished``, never free. Float noise is rounded to 15
significant digits with a note and a report line. Everything else (per-image, per-second and
per-character prices, ``tiered_pricing`` that LiteLLM's rule cannot write as tiers, other
modes) is in the report: provider, model,
LiteLLM key, value, reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..units import slug
from .build import MTOK, Prices, model_card, model_key, plan, provider_card
from .litellm import TOKEN_KEYS, entry_facts, is_threshold_key
from .report import ImportReport
from .sources import Source

#: LiteLLM modes whose records ratecard prices, and the endpoint each implies.
MODES: dict[str | None, str] = {
    "chat": "chat.completions",
    "responses": "responses",
    "completion": "completions",
    None: "chat.completions",
}
#: LiteLLM ``supported_endpoints`` → ratecard endpoint (dialect).
ENDPOINTS: dict[str, str] = {
    "/v1/chat/completions": "chat.completions",
    "/v1/responses": "responses",
    "/v1/completions": "completions",
    "/v1/messages": "messages",
}
_KEY_OF = {kind: key for key, kind in TOKEN_KEYS.items()}
#: Fact keys read here (not prices): never reported.
_READ = frozenset(
    {"litellm_provider", "mode", "source", "max_input_tokens", "max_output_tokens", "max_tokens"}
)


def card_id(key: str, provider: str) -> str:
    """The offering id of LiteLLM key ``key``: without the ``provider/`` prefix if any."""
    prefix = provider + "/"
    return key[len(prefix) :] if key.startswith(prefix) and len(key) > len(prefix) else key


class _Importer:
    def __init__(self, src: Source, report: ImportReport) -> None:
        self.src = src
        self.report = report
        self.prices = Prices(f"{src.name} {src.version}", report)
        self.providers: dict[str, set[str]] = {}
        self.offerings: dict[tuple[str, str], dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[str, str], str] = {}

    def entry(self, key: str, e: dict[str, Any]) -> None:
        pid = e.get("litellm_provider")
        if not isinstance(pid, str) or not pid:
            self.report.add("", key, "litellm_provider", "(missing)", "no provider: not imported")
            return
        mid = card_id(key, pid)
        mode = e.get("mode")
        if mode not in MODES:
            self.report.add(
                pid,
                mid,
                "mode",
                str(mode),
                "not a mode ratecard prices (token-priced "
                "chat, responses, completion): not imported",
            )
            return
        if (pid, slug(mid)) in self.files:
            self.report.add(
                pid,
                mid,
                "(key)",
                f"{key} (kept: {self.files[(pid, slug(mid))]})",
                "same provider/id or file name as a key imported first: not imported",
            )
            return
        self.files[(pid, slug(mid))] = key
        notes: list[str] = []
        base = {k: v for k, v in e.items() if _context_of(k) is None}
        facts, unread = entry_facts(base)
        default = self._plan(pid, mid, facts, notes, "")
        pricing = [default]
        ranged = "tiered_pricing" in e and "tiered_pricing" not in unread
        if ranged:
            self.tiered(pid, mid, e, facts, notes)
        for suffix, context in CONTEXTS.items():
            own = {k[: -len(suffix)]: v for k, v in e.items() if k.endswith(suffix)}
            if not own:
                continue
            if ranged:
                for k in sorted(own):
                    self.report.add(
                        pid,
                        mid,
                        k + suffix,
                        _text(own[k]),
                        "LiteLLM bills an entry with tiered_pricing by its tiers in every "
                        f"context: the {context!r} price is not used (not imported)",
                    )
                continue
            # LiteLLM prices a batch / priority / flex request at the context's key where
            # it has one, else at the standard key: the context is the entry with those
            # keys replaced
            ctx_facts, ctx_unread = entry_facts({**base, **own})
            for k in sorted(own):
                if k in ctx_unread:
                    self.report.add(pid, mid, k + suffix, _text(own[k]), _reason(k))
            plan_ = self._plan(pid, mid, ctx_facts, notes, f" [{context}]")
            pricing.append({"context": context, **plan_})
        card: dict[str, Any] = {"id": mid, "name": mid, "model": model_key(pid, mid)}
        card["status"] = "available"
        limits: dict[str, int] = {}
        if isinstance(facts.context_window, int) and facts.context_window > 0:
            limits["context_window"] = facts.context_window
        cap = facts.max_output_tokens
        if isinstance(cap, int) and cap > 0:
            if cap > limits.get("context_window", cap):
                self.report.add(
                    pid,
                    mid,
                    "max_output_tokens",
                    f"{cap} (max_input_tokens {limits['context_window']})",
                    "above max_input_tokens (read as the context window): not written",
                )
            else:
                limits["max_output_tokens"] = cap
        elif "max_tokens" in e:
            self.report.add(
                pid,
                mid,
                "max_tokens",
                str(e["max_tokens"]),
                "legacy key (input or output cap, LiteLLM does not say): not read",
            )
        if limits:
            card["limits"] = limits
        features = sorted(
            k.removeprefix("supports_")
            for k, v in e.items()
            if k.startswith("supports_") and v is True
        )
        if features:
            card["features"] = features
        endpoints = self.endpoints(pid, mid, e)
        card["endpoints"] = endpoints
        card["pricing"] = pricing
        for k, v in sorted(unread.items()):
            if k == "deprecation_date" and isinstance(v, str):
                notes.append(f"LiteLLM gives a deprecation date: {v}.")
                if v <= self.src.pinned:
                    card["status"] = "deprecated"
                continue
            if k in _READ or k.startswith("supports_"):
                continue
            if ranged and is_threshold_key(k):
                reason = "replaced by tiered_pricing (LiteLLM prices the entry by its ranges)"
                self.report.add(pid, mid, k, _text(v), reason + ": not read")
                continue
            self.report.add(pid, mid, k, _text(v), _reason(k))
        if notes:
            card["notes"] = notes
        sources = [f"{self.src.provenance}: {key}"]
        if isinstance(e.get("source"), str):
            sources.append(e["source"])
        card["sources"] = sources
        self.offerings[(pid, mid)] = card
        self.providers.setdefault(pid, set()).update(endpoints)
        self.models[model_key(pid, mid)] = model_card(
            mid,
            pid,
            self.src.provenance,
            [f"Imported from LiteLLM's {pid} entries; the creator is the seller it lists."],
        )

    def tiered(self, pid: str, mid: str, e: dict[str, Any], facts: Any, notes: list[str]) -> None:
        """The note and report line of an entry priced by ``tiered_pricing`` ranges."""
        ends = [t["range"][1] for t in e["tiered_pricing"]]
        last = max(Decimal(x) for x in ends)
        notes.append(
            "Tiers from LiteLLM's tiered_pricing ranges: a tier prices the whole request "
            "when its start < prompt tokens (cached included) <= its end; the last range "
            f"ends at {int(last):,} tokens, and LiteLLM prices a longer prompt at the last "
            "tier, so the top tier is open."
        )
        first = facts.tiers[0].rates
        flat = {
            kind: Decimal(e[key]) * MTOK
            for key, kind in TOKEN_KEYS.items()
            if isinstance(e.get(key), Decimal | int)
        }
        differ = sorted(
            kind
            for kind in {"input", "output"} | set(flat)
            if kind in first and flat.get(kind) != first[kind]
        )
        if differ:
            shown = ", ".join(
                f"{_KEY_OF[k]} {format(flat[k] / MTOK, 'f') if k in flat else '(none)'}"
                for k in differ
            )
            self.report.add(
                pid,
                mid,
                "tiered_pricing",
                f"flat prices: {shown}",
                "a request with no prompt tokens: LiteLLM selects no tier and charges the "
                "entry's flat prices (a missing one as 0); the card prices it at the first "
                "tier",
            )

    def _plan(self, pid: str, mid: str, facts: Any, notes: list[str], where: str) -> dict[str, Any]:
        """One price plan from an entry's facts (``where`` names its context in reports)."""
        tiers = []
        lower: int | None = None
        for tier in facts.tiers:
            rates = {}
            for kind, value in sorted(tier.rates.items()):
                at = _KEY_OF[kind] + ("" if lower is None else f" (above {lower:,} tokens)")
                rates[kind] = self.prices.clean(pid, mid, at + where, value / MTOK, value, notes)
            tiers.append((tier.upper, rates))
            lower = tier.upper
        tools: dict[str, Decimal] = {}
        for name, fee in facts.fees.items():
            if name == "web_search":
                tools[name] = self.prices.clean(
                    pid, mid, "search_context_cost_per_query" + where, fee, fee, notes
                )
            else:
                self.report.add(
                    pid,
                    mid,
                    "search_context_cost_per_query" + where,
                    f"{name}: {format(fee, 'f')}",
                    "the fee depends on the search context size; the card format has "
                    "one fee per tool, so web searches are unpriced (refused, never free)",
                )
        return plan(tiers, tools, f"LiteLLM {self.src.version}", notes)

    def endpoints(self, pid: str, mid: str, e: dict[str, Any]) -> list[str]:
        listed = e.get("supported_endpoints")
        if isinstance(listed, list):
            known = [ENDPOINTS[x] for x in listed if x in ENDPOINTS]
            for x in listed:
                if x not in ENDPOINTS:
                    self.report.add(
                        pid,
                        mid,
                        "supported_endpoints",
                        x,
                        "not an endpoint ratecard reads records from",
                    )
            if known:
                return sorted(set(known))
        return [MODES[e.get("mode")]]


def _text(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


#: LiteLLM key suffix → the card's price context (a record's ``batch: true`` or
#: ``service_tier``)
CONTEXTS: dict[str, str] = {"_batches": "batch", "_priority": "priority", "_flex": "flex"}


def _context_of(key: str) -> str | None:
    for suffix, context in CONTEXTS.items():
        if key.endswith(suffix):
            return context
    return None


def _reason(key: str) -> str:
    if key == "tiered_pricing":
        return (
            "tiered_pricing that LiteLLM's rule cannot write as tiers (a tier without an "
            "input price, a key that is not a token price, ranges not contiguous from 0, "
            "or bounds that are not whole tokens): not read"
        )
    if "cost" in key:
        return "a price in a unit with no card field (per image, second, character, ...)"
    return "a fact with no card field"


def import_litellm(
    data: dict[str, Any], src: Source, report: ImportReport
) -> tuple[dict[str, Any], dict[tuple[str, str], Any], dict[str, Any]]:
    """Provider, offering and model cards (plain dicts) from LiteLLM's ``model_cost`` map
    (as :func:`~catalog.interop.litellm.load_litellm` returns it), in key order."""
    importer = _Importer(src, report)
    for key in sorted(data):
        if isinstance(data[key], dict):
            importer.entry(key, data[key])
    providers = {
        pid: provider_card(
            pid,
            endpoints,
            src.provenance,
            "Imported from LiteLLM: the provider is its litellm_provider; endpoints are the "
            "ones its entries list.",
        )
        for pid, endpoints in sorted(importer.providers.items())
    }
    return providers, importer.offerings, importer.models


__all__ = ["ENDPOINTS", "MODES", "card_id", "import_litellm"]
