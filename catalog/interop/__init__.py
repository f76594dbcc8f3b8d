"""Importers and exporters of peer catalogs, one module per format.

- :mod:`.sources`: the pinned wheels (``sources.lock.json``), fetched with pip and checked
  by SHA-256; LiteLLM is read with zipfile, never installed.
- :mod:`.genai_prices`: genai-prices' providers, models, match rules, dated and tiered
  prices into cards.
- :mod:`.litellm_import`, :mod:`.models_dev_import`, :mod:`.openrouter_import`: LiteLLM's
  ``model_cost``, models.dev's ``api.json`` and a saved OpenRouter ``/api/v1/models``
  document into cards (shared pieces in :mod:`.build`).
- :mod:`.genai_prices_export`, :mod:`.litellm_export`, :mod:`.models_dev_export`,
  :mod:`.openrouter_export`: cards into each peer's format.
- :mod:`.report`: the import report (what the card format cannot hold, and why).
- :mod:`.tree`: writing a tree of cards deterministically.
"""

from __future__ import annotations

from .report import ImportReport, ReportEntry
from .sources import Source, SourceError, fetch, source, sources

__all__ = ["ImportReport", "ReportEntry", "Source", "SourceError", "fetch", "source", "sources"]
