"""The faults of issue 10, each with its right value computed by hand from the rates of the
peer catalog in tests/billing/peers/ (made-up offerings carrying the reports' prices)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billing import PricingError, RecordError, price
from billing.audit import likely_causes
from catalog import Catalog, load_catalog

PEERS = Path(__file__).parent / "peers"


@pytest.fixture(scope="module")
def peers() -> Catalog:
    return load_catalog(PEERS)


def lines(charge: Any) -> dict[str, tuple[int, Decimal, str | None]]:
    return {li.charge: (li.quantity, li.amount, li.note) for li in charge.lines}


def test_fault1_responses_cache_write_tokens_are_priced(peers: Catalog) -> None:
    # $1 input, $1.25 cache write, $8 output per 1M:
    # uncached 18,014 − 18,011 = 3 × 1 = 3 µ$; writes 18,011 × 1.25 = 22,513.75 µ$;
    # output 50 × 8 = 400 µ$; total 22,916.75 µ$ = 0.02291675
    record = {
        "model": "gpt-resp",
        "endpoint": "responses",
        "usage": {
            "input_tokens": 18014,
            "input_tokens_details": {"cache_write_tokens": 18011},
            "output_tokens": 50,
        },
    }
    charge = price(record, peers)
    assert charge.total == Decimal("0.02291675")
    got = lines(charge)
    assert got["input"][:2] == (3, Decimal("0.000003"))
    assert got["cache_write"][:2] == (18011, Decimal("0.02251375"))
    assert got["output"][:2] == (50, Decimal("0.0004"))


def test_fault1_same_record_in_chat_shape_agrees(peers: Catalog) -> None:
    # the same counts in chat form: 0.02291675 as above
    record = {
        "model": "gpt-resp",
        "usage": {
            "prompt_tokens": 18014,
            "prompt_tokens_details": {"cache_write_tokens": 18011},
            "completion_tokens": 50,
        },
    }
    assert price(record, peers).total == Decimal("0.02291675")


@pytest.mark.parametrize(
    ("endpoint", "usage", "field"),
    [
        (
            "responses",
            {"input_tokens": 10, "output_tokens": 1, "input_tokens_details": {"foo_tokens": 3}},
            "usage.input_tokens_details.foo_tokens (3)",
        ),
        (
            "chat.completions",
            {"prompt_tokens": 10, "completion_tokens": 1, "surprise_tokens": 4},
            "usage.surprise_tokens (4)",
        ),
        (
            "messages",
            {"input_tokens": 10, "output_tokens": 1, "cache_creation": {"ephemeral_24h": 2}},
            "usage.cache_creation.ephemeral_24h (2)",
        ),
        (
            "chat.completions",
            {"prompt_tokens": 10, "completion_tokens": 1, "x": {"deep": [{"n": 5}]}},
            "usage.x.deep[0].n (5)",
        ),
    ],
)
def test_fault1_an_unknown_count_is_refused_by_name(
    peers: Catalog, endpoint: str, usage: dict[str, Any], field: str
) -> None:
    with pytest.raises(RecordError) as info:
        price({"model": "gpt-resp", "endpoint": endpoint, "usage": usage}, peers)
    assert field in str(info.value)
    assert "refused rather than ignored" in str(info.value)


def test_fault1_gateway_fields_in_a_chat_record(peers: Catalog) -> None:
    # LiteLLM's chat form of an Anthropic call on claude-sonnet ($3 / $3.75 / $0.30 / $15):
    # prompt 1,000 = 100 read + 200 written + 700 uncached; completion 10
    # 700 × 3 = 2,100; 100 × 0.3 = 30; 200 × 3.75 = 750; 10 × 15 = 150 → 3,030 µ$ = 0.00303
    usage = {
        "prompt_tokens": 1000,
        "completion_tokens": 10,
        "prompt_tokens_details": {"cached_tokens": 100, "cache_creation_tokens": 200},
        "cache_creation_input_tokens": 200,
        "cache_read_input_tokens": 100,
    }
    assert price({"model": "claude-sonnet", "usage": usage}, peers).total == Decimal("0.00303")
    # top-level Anthropic names alone are read too (0.00303 again)
    only_top = {
        "prompt_tokens": 1000,
        "completion_tokens": 10,
        "cache_creation_input_tokens": 200,
        "cache_read_input_tokens": 100,
    }
    assert price({"model": "claude-sonnet", "usage": only_top}, peers).total == Decimal("0.00303")


def test_fault1_two_places_that_disagree_fail(peers: Catalog) -> None:
    usage = {
        "prompt_tokens": 1000,
        "completion_tokens": 10,
        "prompt_tokens_details": {"cache_creation_tokens": 200},
        "cache_creation_input_tokens": 150,
    }
    with pytest.raises(RecordError) as info:
        price({"model": "claude-sonnet", "usage": usage}, peers)
    assert "usage.prompt_tokens_details.cache_creation_tokens (200)" in str(info.value)
    assert "usage.cache_creation_input_tokens (150)" in str(info.value)
    assert "disagree" in str(info.value)


def test_fault2_anthropic_one_hour_cache_writes(peers: Catalog) -> None:
    # $1 input, $1.25 5-minute write, $2 1-hour write, $5 output per 1M:
    # 3 × 1 + 5,424 × 2 + 36 × 5 = 3 + 10,848 + 180 = 11,031 µ$ = 0.011031
    usage = {
        "input_tokens": 3,
        "cache_creation_input_tokens": 5424,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 5424},
        "output_tokens": 36,
    }
    charge = price({"model": "claude-1h", "endpoint": "messages", "usage": usage}, peers)
    assert charge.total == Decimal("0.011031")
    assert lines(charge)["cache_write_1h"][:2] == (5424, Decimal("0.010848"))
    assert "cache_write" not in lines(charge)


def test_fault2_one_hour_write_falls_back_and_says_so(peers: Catalog) -> None:
    # claude-sonnet prices no 1-hour write: 1h → cache write ($3.75) → input.
    # 3 × 3 + 100 × 3.75 + 36 × 15 = 9 + 375 + 540 = 924 µ$ = 0.000924
    usage = {
        "input_tokens": 3,
        "cache_creation": {"ephemeral_1h_input_tokens": 100},
        "output_tokens": 36,
    }
    charge = price({"model": "claude-sonnet", "endpoint": "messages", "usage": usage}, peers)
    assert charge.total == Decimal("0.000924")
    quantity, amount, note = lines(charge)["cache_write_1h"]
    assert (quantity, amount) == (100, Decimal("0.000375"))
    assert note is not None and "at the cache-write rate" in note


def test_fault3_audio_output_tokens(peers: Catalog) -> None:
    # $2.50 text input, $10 text output, $80 audio output per 1M:
    # 17 × 2.5 + (592 − 482) × 10 + 482 × 80 = 42.5 + 1,100 + 38,560 = 39,702.5 µ$
    usage = {
        "prompt_tokens": 17,
        "completion_tokens": 592,
        "completion_tokens_details": {"audio_tokens": 482},
    }
    charge = price({"model": "gpt-audio", "usage": usage}, peers)
    assert charge.total == Decimal("0.0397025")
    assert lines(charge)["output"][:2] == (110, Decimal("0.0011"))
    assert lines(charge)["output_audio"][:2] == (482, Decimal("0.03856"))


def test_fault3_audio_cache_read_falls_back_to_audio_input(peers: Catalog) -> None:
    # gpt-audio: $40 audio input, no audio cache-read rate: audio cache read → audio input.
    # prompt 1,000 = 300 audio (100 of them cached) + 700 text (0 cached)
    # text 700 × 2.5 = 1,750; audio 200 × 40 = 8,000; cached audio 100 × 40 = 4,000;
    # output 0 → 13,750 µ$ = 0.01375
    usage = {
        "prompt_tokens": 1000,
        "completion_tokens": 0,
        "prompt_tokens_details": {
            "audio_tokens": 300,
            "cached_tokens": 100,
            "cached_tokens_details": {"audio_tokens": 100},
        },
    }
    charge = price({"model": "gpt-audio", "usage": usage}, peers)
    assert charge.total == Decimal("0.01375")
    quantity, amount, note = lines(charge)["cache_audio_read"]
    assert (quantity, amount) == (100, Decimal("0.004"))
    assert note is not None and "audio input rate" in note


def test_fault4_audit_names_cache_writes_billed_twice(peers: Catalog) -> None:
    # $3 / $3.75 / $15: 3 × 3 + 12,304 × 3.75 + 550 × 15 = 9 + 46,140 + 8,250 = 54,399 µ$;
    # reported 0.091311 = 0.054399 + 12,304 × 3 µ$ (0.036912): the writes billed again as input
    usage = {"input_tokens": 3, "cache_creation_input_tokens": 12304, "output_tokens": 550}
    charge = price({"model": "claude-sonnet", "endpoint": "messages", "usage": usage}, peers)
    assert charge.total == Decimal("0.054399")
    causes = likely_causes(charge, Decimal("0.091311"), Decimal("0.0000005"), peers)
    assert any("cache-write tokens are billed twice" in c for c in causes), causes


def test_fault4_audit_names_omitted_audio_output(peers: Catalog) -> None:
    # the fault-3 record (0.0397025) reported without its audio line: 0.0397025 − 0.03856
    # = 0.0011425
    usage = {
        "prompt_tokens": 17,
        "completion_tokens": 592,
        "completion_tokens_details": {"audio_tokens": 482},
    }
    charge = price({"model": "gpt-audio", "usage": usage}, peers)
    causes = likely_causes(charge, Decimal("0.0011425"), Decimal("0.00000005"), peers)
    assert any("audio output tokens are not charged" in c for c in causes), causes


def test_fault6_tier_bound_is_exact(peers: Catalog) -> None:
    # gemini-pro: <=200,000 at $1.25 / $10, above at $2.50 / $15 (an open top tier).
    # 202,000 prompt tokens are above 200,000: 202,000 × 2.5 = 505,000 µ$; 1,000 × 15 =
    # 15,000 µ$ → 0.52
    charge = price(
        {"model": "gemini-pro", "usage": {"prompt_tokens": 202000, "completion_tokens": 1000}},
        peers,
    )
    assert charge.total == Decimal("0.52")
    assert charge.tier == ">200K"
    # 200,000 exactly is the short-context tier: 200,000 × 1.25 = 250,000 µ$ = 0.25
    short = price(
        {"model": "gemini-pro", "usage": {"prompt_tokens": 200000, "completion_tokens": 0}}, peers
    )
    assert short.total == Decimal("0.25") and short.tier == "<=200K"
    # the open top tier has no ceiling: 5,000,000 × 2.5 = 12.5
    big = {"model": "gemini-pro", "usage": {"prompt_tokens": 5000000, "completion_tokens": 0}}
    assert price(big, peers).total == Decimal("12.5")


def test_fault6_k_notation_in_a_tier_bound_is_a_lint_error(tmp_path: Path) -> None:
    from catalog import lint_cards

    tree = tmp_path / "cards"
    (tree / "models" / "example").mkdir(parents=True)
    (tree / "models" / "example" / "model.yaml").write_text(
        (PEERS / "models" / "example" / "model.yaml").read_text()
    )
    models = tree / "providers" / "acme" / "models"
    models.mkdir(parents=True)
    (tree / "providers" / "acme" / "provider.yaml").write_text(
        "# yaml-language-server: $schema=../../schema/provider.schema.json\n"
        "name: Acme\nendpoints:\n  chat.completions: {method: POST}\n"
    )
    card = (
        "# yaml-language-server: $schema=../../../schema/offering.schema.json\n"
        "name: A\nmodel: example/model\nstatus: available\nendpoints: [chat.completions]\n"
        "pricing:\n  - tiers:\n      rows:\n"
        "        - {up_to: 200K, input_mtok: 1, output_mtok: 2}\n"
        "        - {up_to: null, input_mtok: 2, output_mtok: 4}\n"
    )
    (models / "a.yaml").write_text(card)
    problems = [str(p) for p in lint_cards(tree)]
    assert len(problems) == 1, problems
    assert (
        "pricing.0.tiers.rows.0.up_to: tier bound '200K' in K/M notation is ambiguous"
        in (problems[0])
    )
    assert ":9:" in problems[0]
    # saying the reading makes it exact: decimal 200K = 200,000
    (models / "a.yaml").write_text(
        card.replace("      rows:", "      notation: decimal\n      rows:")
    )
    assert [str(p) for p in lint_cards(tree)] == []
    cat = load_catalog(tree)
    assert cat.resolve("a").pricing[0].tiers[0].upper == 200_000


def test_provider_field_resolves_exactly(peers: Catalog) -> None:
    usage = {"prompt_tokens": 1000000, "completion_tokens": 0}
    # the bare id is both openrouter's offering 'minimax/minimax-m1' and minimax's
    # 'minimax-m1' written as provider/id: an error listing both
    with pytest.raises(PricingError) as info:
        price({"model": "minimax/minimax-m1", "usage": usage}, peers)
    assert "ambiguous" in str(info.value)
    assert "openrouter/minimax/minimax-m1" in str(info.value)
    assert "minimax/minimax-m1" in str(info.value)
    # with a provider: exactly that provider's offering. 1M × 0.44 = 0.44; 1M × 0.4 = 0.4
    router = {"provider": "openrouter", "model": "minimax/minimax-m1", "usage": usage}
    assert price(router, peers).total == Decimal("0.44")
    direct = {"provider": "minimax", "model": "minimax-m1", "usage": usage}
    assert price(direct, peers).total == Decimal("0.4")
    with pytest.raises(PricingError) as info:
        price({"provider": "minimax", "model": "minimax/minimax-m1", "usage": usage}, peers)
    assert "provider 'minimax' sells no model 'minimax/minimax-m1'" in str(info.value)
