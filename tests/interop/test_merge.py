"""``catalog import --merge``: a second source's cards merged into a tree that holds the
first's, facts merged where both name the same model, prices never blended."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from billing import price
from catalog import load_catalog
from catalog.interop import (
    ImportReport,
    import_litellm,
    merge_cards,
    read_tree,
    source,
    write_tree,
)

# The tree already there (as an import writes it): acme's acme-large at $3 / $15 per 1M,
# matching the dated ids acme returns, with a 100,000-token context and no output cap.
EXISTING = (
    {"acme": {"name": "Acme", "endpoints": {"chat.completions": {"method": "POST"}}}},
    {
        ("acme", "acme-large"): {
            "id": "acme-large",
            "name": "Acme Large",
            "model": "acme/acme-large",
            "status": "available",
            "limits": {"context_window": 100_000},
            "endpoints": ["chat.completions"],
            "pricing": [{"input_mtok": Decimal(3), "output_mtok": Decimal(15)}],
            "match": {"starts_with": "acme-large-"},
            "sources": ["first source"],
        }
    },
    {"acme/acme-large": {"name": "Acme Large", "creator": "Acme"}},
)
# LiteLLM names the dated snapshot (the same model) and a model the tree lacks.
LITELLM = """{
 "acme/acme-large-2025-01-01": {"litellm_provider": "acme", "mode": "chat",
   "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1.5e-05,
   "max_input_tokens": 120000, "max_output_tokens": 8000, "supports_vision": true},
 "acme/acme-small": {"litellm_provider": "acme", "mode": "chat",
   "input_cost_per_token": 1e-07, "output_cost_per_token": 4e-07}
}"""


def test_merge_into_another_sources_tree(tmp_path: Path) -> None:
    root = tmp_path / "cards"
    write_tree(root, *EXISTING)
    src = source("litellm")
    report = ImportReport("litellm")
    new = import_litellm(json.loads(LITELLM, parse_float=Decimal), src, report)
    write_tree(root, *merge_cards(read_tree(root), new, "LiteLLM", report))
    cat = load_catalog(root)  # lint-clean, or this raises
    # the dated id is acme-large's (its rule): one offering, not two
    assert sorted(cat.offerings) == ["acme/acme-large", "acme/acme-small"]
    large = cat.offerings["acme/acme-large"]
    # the facts the card lacked come from LiteLLM (output cap 8,000, vision); the context
    # window it states (100,000) is kept, LiteLLM's 120,000 is a report line
    assert (large.context_window, large.max_output_tokens) == (100_000, 8000)
    assert large.features == ("vision",)
    assert any("from LiteLLM" in n for n in large.notes)
    lines = {(e.model, e.key) for e in report.entries}
    assert ("acme-large", "merge: context_window") in lines
    # prices are never blended: $3 / $15 stay (LiteLLM's $2.50 is reported).
    # 1,000 x 3 / 1M + 100 x 15 / 1M = 0.003 + 0.0015 = 0.0045
    assert ("acme-large", "merge: pricing") in lines
    record = {
        "provider": "acme",
        "model": "acme-large-2025-01-01",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100},
    }
    assert price(record, cat).total == Decimal("0.0045")
    # acme-small is new: LiteLLM's 1e-07 / 4e-07 per token = $0.10 / $0.40 per 1M.
    # 1,000 x 0.1 / 1M + 100 x 0.4 / 1M = 0.0001 + 0.00004 = 0.00014
    small = {**record, "model": "acme-small"}
    assert price(small, cat).total == Decimal("0.00014")
    # merging the same source again changes nothing (deterministic, idempotent)
    before = {p: p.read_bytes() for p in root.rglob("*.yaml")}
    again = import_litellm(json.loads(LITELLM, parse_float=Decimal), src, ImportReport("x"))
    write_tree(root, *merge_cards(read_tree(root), again, "LiteLLM", ImportReport("x")))
    assert {p: p.read_bytes() for p in root.rglob("*.yaml")} == before
