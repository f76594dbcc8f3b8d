"""Importers and exporters of peer catalogs, one module per format.

- :mod:`.sources`: the pinned wheels (``sources.lock.json``), fetched with pip and checked
  by SHA-256; LiteLLM is read with zipfile, never installed.
- :mod:`.genai_prices`: genai-prices' providers, models, match rules, dated and tiered
  prices into cards.
- :mod:`.report`: the import report (what the card format cannot hold, and why).
- :mod:`.tree`: writing a tree of cards deterministically.
"""

from __future__ import annotations

from .report import ImportReport, ReportEntry
from .sources import Source, SourceError, fetch, source, sources

__all__ = ["ImportReport", "ReportEntry", "Source", "SourceError", "fetch", "source", "sources"]
