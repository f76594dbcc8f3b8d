"""billing.price_response and ``ratecard price --response``: a raw provider body (streams'
final chunk included) gives the same charge as the equivalent record. Values by hand from
the peer catalog (tests/billing/peers)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from billing import PricingError, RecordError, price, price_response, record_from_response
from catalog import Catalog, load_catalog
from ratecard.cli import main

PEERS = Path(__file__).parent / "peers"
VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(scope="module")
def peers() -> Catalog:
    return load_catalog(PEERS)


CHAT_AUDIO = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "gpt-audio",
    "choices": [],
    "usage": {
        "prompt_tokens": 17,
        "completion_tokens": 592,
        "total_tokens": 609,
        "completion_tokens_details": {"audio_tokens": 482, "reasoning_tokens": 0},
    },
}


def test_chat_body_equals_record(peers: Catalog) -> None:
    # fault 3's counts: 17 × 2.5 + 110 × 10 + 482 × 80 = 39,702.5 µ$
    charge = price_response(CHAT_AUDIO, provider="openai", catalog=peers)
    assert charge.total == Decimal("0.0397025")
    record = {"provider": "openai", "model": "gpt-audio", "usage": CHAT_AUDIO["usage"]}
    assert price(record, peers) == charge


def test_chat_stream_final_chunk(peers: Catalog) -> None:
    chunks = [
        {"object": "chat.completion.chunk", "model": "gpt-audio", "choices": [{}], "usage": None},
        {"object": "chat.completion.chunk", "model": "gpt-audio", "choices": [], "usage": None},
        {**CHAT_AUDIO, "object": "chat.completion.chunk", "choices": []},
    ]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    assert price_response(sse, provider="openai", catalog=peers).total == Decimal("0.0397025")
    assert price_response(chunks, catalog=peers).total == Decimal("0.0397025")


def test_stream_without_usage_is_refused(peers: Catalog) -> None:
    chunks = [{"object": "chat.completion.chunk", "model": "gpt-audio", "usage": None}]
    with pytest.raises(RecordError) as info:
        price_response(chunks, catalog=peers)
    assert "carries no usage" in str(info.value)


def test_responses_completed_event(peers: Catalog) -> None:
    # fault 1's counts: 3 × 1 + 18,011 × 1.25 + 50 × 8 = 22,916.75 µ$
    body = {
        "object": "response",
        "model": "gpt-resp",
        "usage": {
            "input_tokens": 18014,
            "input_tokens_details": {"cache_write_tokens": 18011},
            "output_tokens": 50,
        },
    }
    events = [
        {"type": "response.created", "response": {**body, "usage": None}},
        {"type": "response.completed", "response": body},
    ]
    assert price_response(events, catalog=peers).total == Decimal("0.02291675")


def test_gemini_generate_content(peers: Catalog) -> None:
    # gemini-flash: prompt 1,000 (800 text + 200 audio), 100 of the text cached;
    # answer 50, thoughts 30 beside it; tool-use prompt 20 (falls back to input, 0.30).
    # text 700 × 0.3 = 210; cached text 100 × 0.03 = 3; audio 200 × 1 = 200;
    # tool-use 20 × 0.3 = 6; output 50 × 2.5 = 125; reasoning 30 × 2.5 = 75 → 619 µ$
    body = {
        "candidates": [],
        "modelVersion": "gemini-flash",
        "usageMetadata": {
            "promptTokenCount": 1000,
            "cachedContentTokenCount": 100,
            "candidatesTokenCount": 50,
            "thoughtsTokenCount": 30,
            "toolUsePromptTokenCount": 20,
            "totalTokenCount": 1100,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": 800},
                {"modality": "AUDIO", "tokenCount": 200},
            ],
            "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 100}],
        },
    }
    charge = price_response(body, provider="google", catalog=peers)
    assert charge.total == Decimal("0.000619")
    kinds = {li.charge: li.quantity for li in charge.lines}
    assert kinds == {
        "input": 700,
        "cache_read": 100,
        "output": 50,
        "reasoning": 30,
        "input_tool": 20,
        "input_audio": 200,
    }


def test_embeddings(peers: Catalog) -> None:
    # 1,000,000 × 0.02 = 0.02; output not applicable, 0 tokens: no line
    body = {"object": "list", "data": [], "model": "text-embedding",
            "usage": {"prompt_tokens": 1000000, "total_tokens": 1000000}}  # fmt: skip
    assert price_response(body, catalog=peers).total == Decimal("0.02")


def test_cli_price_response(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps(CHAT_AUDIO))
    code = main(["--data", str(PEERS), "price", "--response", str(path), "--provider", "openai",
                 "--json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["total"] == "0.0397025"
    path.write_text("{}")
    assert main(["--data", str(PEERS), "price", "--response", str(path)]) == 1
    assert "cannot tell the response's shape" in capsys.readouterr().out


RESPONSES = yaml.safe_load((VECTORS / "responses.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", RESPONSES, ids=[c["name"] for c in RESPONSES])
def test_response_corpus(case: dict[str, Any]) -> None:
    """tests/billing/vectors/responses.yaml: each body read as the record written there."""
    args = (case["body"], case.get("provider"), case.get("endpoint"))
    if "error" in case:
        with pytest.raises(RecordError) as info:
            record_from_response(*args)
        want = case["error"]
        if want.endswith("..."):
            assert str(info.value).startswith(want[:-3])
        else:
            assert str(info.value) == want
        return
    assert record_from_response(*args) == case["record"]
    raw = case["body"]
    if isinstance(raw, dict | list):  # the same body as JSON text and as UTF-8 bytes
        assert record_from_response(json.dumps(raw), *args[1:]) == case["record"]
        assert record_from_response(json.dumps(raw).encode(), *args[1:]) == case["record"]


def test_the_callers_provider_and_endpoint_reach_the_record(peers: Catalog) -> None:
    """price_response passes ``provider`` and ``endpoint`` on: an unmarked body priced only
    with endpoint= (fault 3's counts again: 0.0397025), and a provider that publishes no such
    offering refused."""
    unmarked = {"model": "gpt-audio", "usage": CHAT_AUDIO["usage"]}
    charge = price_response(unmarked, "openai", "chat.completions", catalog=peers)
    assert charge.total == Decimal("0.0397025")
    with pytest.raises(RecordError, match="cannot tell the response's shape"):
        price_response(unmarked, "openai", catalog=peers)
    with pytest.raises(PricingError):
        price_response(CHAT_AUDIO, provider="nobody", catalog=peers)
