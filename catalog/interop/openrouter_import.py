"""Import an OpenRouter ``/api/v1/models`` document (saved by the user) into cards.

OpenRouter documents each model's ``pricing`` as per-token USD decimal strings (``prompt``,
``completion``, ``request``, ``image``, ``web_search``, ``internal_reasoning``,
``input_cache_read``, ``input_cache_write``), with ``context_length``,
``top_provider.max_completion_tokens``, ``architecture.input_modalities`` /
``output_modalities`` and ``supported_parameters``
(https://openrouter.ai/docs/api-reference/list-available-models).

One offering per model under one provider (``openrouter`` unless the caller names another,
for a platform's own document), id as OpenRouter writes it (``openai/gpt-4o``):

- ``prompt`` / ``completion`` / ``input_cache_read`` / ``input_cache_write`` /
  ``internal_reasoning`` × 10^6 → ``input_mtok`` / ``output_mtok`` / ``cache_read_mtok`` /
  ``cache_write_mtok`` / ``reasoning_mtok`` (exact: the strings are read as Decimals);
- ``web_search`` → the ``web_search`` tool fee per call; ``internal_reasoning: "0"`` means
  no rate of its own (reasoning is billed in completion tokens), so no ``reasoning_mtok``;
- a missing or negative (``-1``: variable, as for routers) ``prompt`` or ``completion`` is
  ``unpublished``, never free; ``"0"`` is free;
- a non-zero ``request`` fee (charged on every request) → ``request_fees: {request:
  {per_request}}`` with no ``when`` (a fee on every request); a non-zero ``image`` price and
  other keys are reported;
- ``supported_parameters``: ``tools`` → feature ``function_calling``, ``reasoning`` →
  ``reasoning``, ``structured_outputs`` → ``structured_output``; the list is kept as a note.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..units import slug
from .build import MTOK, Prices, model_card, model_key, plain, plan, provider_card
from .genai_prices import clean_price
from .report import ImportReport
from .sources import SourceError

#: OpenRouter pricing key → token kind (per-token prices).
TOKEN_KEYS: dict[str, str] = {
    "prompt": "input",
    "completion": "output",
    "input_cache_read": "cache_read",
    "input_cache_write": "cache_write",
    "internal_reasoning": "reasoning",
}
#: supported_parameters name → card feature
FEATURES: dict[str, str] = {
    "tools": "function_calling",
    "reasoning": "reasoning",
    "structured_outputs": "structured_output",
}
_MODALITIES = ("text", "image", "video", "audio")


def load_openrouter(path: Path) -> dict[str, Any]:
    """The saved document, numbers as Decimals; :class:`SourceError` if it is not one."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{path}: not a readable JSON document ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SourceError(f'{path}: an /api/v1/models document has a "data" list')
    return doc


def _price(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def import_openrouter(
    doc: dict[str, Any], path: Path, provider: str, report: ImportReport
) -> tuple[dict[str, Any], dict[tuple[str, str], Any], dict[str, Any]]:
    """Provider, offering and model cards (plain dicts) from a ``/api/v1/models`` document
    read from ``path`` (its SHA-256 is the cards' provenance)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    provenance = f"OpenRouter /api/v1/models document {path.name} (sha256 {digest[:16]}…)"
    prices = Prices(f"the OpenRouter document {path.name}", report)
    offerings: dict[tuple[str, str], dict[str, Any]] = {}
    models: dict[str, dict[str, Any]] = {}
    files: dict[str, str] = {}
    pid = provider
    for i, m in enumerate(doc["data"]):
        mid = m.get("id") if isinstance(m, dict) else None
        if not isinstance(mid, str) or not mid:
            report.add(pid, f"data[{i}]", "id", "(missing)", "a model without an id: not imported")
            continue
        if slug(mid) in files:
            report.add(pid, mid, "id", mid, f"same file name as {files[slug(mid)]!r}: not imported")
            continue
        files[slug(mid)] = mid
        notes: list[str] = []
        rates: dict[str, Decimal] = {}
        tools: dict[str, Decimal] = {}
        request_fee: Decimal | None = None
        for key, value in sorted((m.get("pricing") or {}).items()):
            price = _price(value)
            if price is None:
                report.add(pid, mid, f"pricing.{key}", str(value), "not a number: not read")
                continue
            if key in TOKEN_KEYS:
                if price < 0:
                    report.add(
                        pid,
                        mid,
                        f"pricing.{key}",
                        str(value),
                        "negative (variable price): unpublished",
                    )
                    continue
                kind = TOKEN_KEYS[key]
                if kind == "reasoning" and price == 0:
                    # OpenRouter writes "0" where reasoning has no rate of its own: it is
                    # billed in completion tokens at the completion price, not free.
                    continue
                rates[kind] = prices.clean(pid, mid, f"pricing.{key}", price, price * MTOK, notes)
            elif key == "web_search":
                if price > 0:
                    tools["web_search"] = price
            elif key == "request":
                if price < 0:
                    report.add(pid, mid, "pricing.request", str(value), "negative: not read")
                elif price != 0:
                    request_fee, noisy = clean_price(plain(price))
                    if noisy:
                        report.add(
                            pid,
                            mid,
                            "pricing.request",
                            str(value),
                            f"float noise: rounded to {format(request_fee, 'f')} per request",
                        )
            elif price != 0:
                report.add(
                    pid,
                    mid,
                    f"pricing.{key}",
                    str(value),
                    "a price in a unit with no card field yet (issue 10)",
                )
        name = str(m.get("name") or mid)
        card: dict[str, Any] = {"id": mid, "name": name, "model": model_key(pid, mid)}
        card["status"] = "available"
        if m.get("description"):
            card["description"] = str(m["description"])
        limits: dict[str, int] = {}
        ctx = m.get("context_length")
        if isinstance(ctx, int) and ctx > 0:
            limits["context_window"] = ctx
        cap = (m.get("top_provider") or {}).get("max_completion_tokens")
        if isinstance(cap, int) and cap > 0:
            if cap > limits.get("context_window", cap):
                report.add(
                    pid,
                    mid,
                    "top_provider.max_completion_tokens",
                    str(cap),
                    "above context_length: not written",
                )
            else:
                limits["max_output_tokens"] = cap
        if limits:
            card["limits"] = limits
        arch = m.get("architecture") or {}
        mods = {
            side: [x for x in arch.get(f"{side}_modalities") or [] if x in _MODALITIES]
            for side in ("input", "output")
        }
        for side in ("input", "output"):
            for x in arch.get(f"{side}_modalities") or []:
                if x not in _MODALITIES:
                    report.add(
                        pid, mid, f"architecture.{side}_modalities", str(x), "no such modality"
                    )
        if mods["input"] or mods["output"]:
            card["modalities"] = mods
        params = [str(p) for p in m.get("supported_parameters") or []]
        features = sorted({FEATURES[p] for p in params if p in FEATURES})
        if features:
            card["features"] = features
        if params:
            notes.append(f"Supported parameters (OpenRouter): {', '.join(params)}.")
        card["endpoints"] = ["chat.completions"]
        card["pricing"] = [plan([(None, rates)], tools, "OpenRouter", notes)]
        if request_fee is not None:
            card["pricing"][0]["request_fees"] = {
                "request": {
                    "per_request": request_fee,
                    "label": f"fee per request (OpenRouter: $ {format(request_fee, 'f')})",
                }
            }
        if notes:
            card["notes"] = notes
        card["sources"] = [f"{provenance}: data[{i}] {mid}"]
        offerings[(pid, mid)] = card
        creator = name.split(":")[0] if ":" in name else mid.split("/")[0]
        models[model_key(pid, mid)] = model_card(
            name,
            creator,
            provenance,
            [
                f"Imported from an OpenRouter document; the creator is read from the name or "
                f"the id's prefix ({mid})."
            ],
        )
    providers = {
        pid: provider_card(
            "OpenRouter" if pid == "openrouter" else pid,
            {"chat.completions"},
            provenance,
            "Imported from an OpenRouter /api/v1/models document (OpenAI-compatible chat).",
        )
    }
    return providers, offerings, models


__all__ = ["FEATURES", "TOKEN_KEYS", "import_openrouter", "load_openrouter"]
