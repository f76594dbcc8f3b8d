"""``catalog crosscheck`` against models.dev (the pinned wheel) and a saved OpenRouter
document, read by the same mapping as ``catalog import``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import load_catalog
from catalog.interop import (
    ImportReport,
    crosscheck,
    fetch,
    import_models_dev,
    imported_facts,
    load_models_dev,
    source,
)
from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "openrouter_models.json"


def test_models_dev_against_the_world() -> None:
    # models.dev 1.0.398 anthropic/claude-sonnet-4-5: cost input 3, output 15, cache_read
    # 0.3, cache_write 3.75 per 1M, no tiers, no web-search fee, context 200,000. genai-prices
    # 0.2.3 (the world): the same four rates up to 200,000 input tokens, a second tier above
    # (6 / 22.5 / 0.6 / 7.5), a $6 1-hour write and $10 per 1,000 web searches.
    world = load_catalog(ROOT / "data" / "world")
    own = {"anthropic/claude-sonnet-4-5": world.offerings["anthropic/claude-sonnet-4-5"]}
    src = source("models.dev")
    cards = import_models_dev(
        load_models_dev(src, fetch(src, ROOT / "build" / "sources")), src, ImportReport("m")
    )
    found, missing = crosscheck(own, {"models.dev": imported_facts(cards, own)})
    assert missing == {"models.dev": []}
    assert {(d.field, d.ours, d.theirs) for d in found} == {
        ("tiers", "2", "1"),
        ("tier 1.upper_bound", "200,000", "-"),
        ("tier 1.cache_write_1h_mtok", "6", "-"),
        ("fee.web_search", "0.01", "-"),
    }


def test_openrouter_document_against_the_world(capsys: pytest.CaptureFixture[str]) -> None:
    # The hand-written fixture (OpenRouter's documented format) against the world's
    # openrouter offerings of the same ids (genai-prices 0.2.3):
    # - perplexity/sonar: "prompt" / "completion" "0.000001" = $1 per 1M on both, "request"
    #   "0.005" per request vs genai-prices' fee-free openrouter entry, "web_search" "0.005"
    #   per call vs none;
    # - openai/gpt-4o: "web_search" "0.01" per call, which genai-prices' openrouter entry
    #   does not list.
    code = main(
        [
            "--data",
            str(ROOT / "data" / "world"),
            "catalog",
            "crosscheck",
            "--against",
            "openrouter",
            "--openrouter",
            str(FIXTURE),
            "--json",
        ]
    )
    assert code == 1  # disagreements found
    out = json.loads(capsys.readouterr().out)
    got = {(d["offering"], d["field"], d["ours"], d["theirs"]) for d in out["disagreements"]}
    assert ("openrouter/openai/gpt-4o", "fee.web_search", "-", "0.01") in got
    assert ("openrouter/perplexity/sonar", "fee.web_search", "-", "0.005") in got
    assert ("openrouter/perplexity/sonar", "fee.request:request", "-", "0.005") in got
    assert not any(f.endswith("input_mtok") for o, f, _, _ in got if o.endswith("sonar"))


def test_openrouter_peer_needs_its_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "crosscheck", "--against", "openrouter"]) == 2
    assert "--openrouter FILE" in capsys.readouterr().err
