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
- :mod:`.tree`: writing a tree of cards deterministically; :mod:`.merge`: importing into a
  tree that holds another source's cards (``--merge``).
"""

from __future__ import annotations

from .crosscheck import crosscheck, imported_facts, offering_facts
from .facts import PriceFacts
from .genai_prices import import_genai_prices, load_providers
from .genai_prices_export import export_genai_prices
from .litellm import entry_facts, load_litellm
from .litellm_export import export_litellm
from .litellm_import import import_litellm
from .merge import merge_cards, read_tree
from .models_dev import enrich, load_models_dev
from .models_dev_export import export_models_dev
from .models_dev_import import import_models_dev
from .openrouter_export import export_openrouter
from .openrouter_import import import_openrouter, load_openrouter
from .report import ImportReport, ReportEntry
from .sources import Source, SourceError, fetch, source, sources
from .tree import write_tree

__all__ = [
    "ImportReport",
    "PriceFacts",
    "ReportEntry",
    "Source",
    "SourceError",
    "crosscheck",
    "enrich",
    "entry_facts",
    "export_genai_prices",
    "export_litellm",
    "export_models_dev",
    "export_openrouter",
    "fetch",
    "import_genai_prices",
    "import_litellm",
    "import_models_dev",
    "import_openrouter",
    "imported_facts",
    "load_litellm",
    "load_models_dev",
    "load_openrouter",
    "load_providers",
    "merge_cards",
    "offering_facts",
    "read_tree",
    "source",
    "sources",
    "write_tree",
]
