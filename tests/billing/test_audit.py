"""Audit: reported cost against computed cost, with likely causes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from billing.audit import audit_stream, default_tolerance
from catalog import Catalog
from ratecard.cli import main

SEED = (
    '{"id": "evt-0001", "model": "qwen3-5-flash", "usage": {"prompt_tokens": 123, '
    '"completion_tokens": 456, "cost_usd": 0.0042, '
    '"tool_usage": {"web_search": 3, "code_interpreter": 1}}}'
)


@pytest.mark.parametrize(
    ("reported", "tolerance"),
    [("0.0042", "0.00005"), ("3", "0.5"), ("0.10", "0.005"), ("0.045178878", "0.0000000005")],
)
def test_default_tolerance_is_half_the_last_digit(reported: str, tolerance: str) -> None:
    assert default_tolerance(Decimal(reported)) == Decimal(tolerance)


def test_seed_example_disagrees(catalog: Catalog) -> None:
    (finding,) = audit_stream([(1, SEED)], catalog)
    # computed 123*0.090/1e6 + 456*0.368/1e6 + 3*0.015 + 1*0 = 0.045178878
    assert finding.computed == Decimal("0.045178878")
    assert finding.reported == Decimal("0.0042")
    assert finding.agrees is False
    # 0.045178878 - 0.0042 = 0.040978878
    assert finding.difference == Decimal("0.040978878")
    assert finding.tolerance == Decimal("0.00005")
    assert "tool fees" in finding.causes[0]


def _one(catalog: Catalog, record: dict[str, object]) -> tuple[str, ...]:
    (finding,) = audit_stream([(1, json.dumps(record))], catalog)
    assert finding.agrees is False
    return finding.causes


def test_cause_missing_tool_fees(catalog: Catalog) -> None:
    # tokens only: 0.00001107 + 0.000167808 = 0.000178878
    causes = _one(
        catalog,
        {
            "model": "qwen3-5-flash",
            "cost_usd": "0.000178878",
            "usage": {
                "prompt_tokens": 123,
                "completion_tokens": 456,
                "tool_usage": {"web_search": 3},
            },
        },
    )
    assert causes == ("the tool fees (0.045) are missing (that gives 0.000178878)",)


def test_cause_wrong_tier(catalog: Catalog) -> None:
    # 131073 is tier 2; at tier 1: 131073*0.029/1e6 + 1000*0.287/1e6
    # = 0.003801117 + 0.000287 = 0.004088117
    causes = _one(
        catalog,
        {
            "model": "qwen3-5-flash:variant1",
            "cost_usd": "0.004088117",
            "usage": {"prompt_tokens": 131073, "completion_tokens": 1000},
        },
    )
    assert any("wrong tier" in c and "<=128K" in c for c in causes)


def test_cause_cache_priced_as_input(catalog: Catalog) -> None:
    # 1000 prompt (400 cached), 200 output on qwen3-5-4b, all at the input rate:
    # 1000*0.04/1e6 + 200*0.07/1e6 = 0.00004 + 0.000014 = 0.000054
    causes = _one(
        catalog,
        {
            "model": "qwen3-5-4b",
            "cost_usd": "0.000054",
            "usage": {
                "prompt_tokens": 1000,
                "completion_tokens": 200,
                "prompt_tokens_details": {"cached_tokens": 400},
            },
        },
    )
    assert any("cached input is priced at the input rate" in c for c in causes)


def test_cause_cache_billed_twice(catalog: Catalog) -> None:
    # computed 0.000046 (see the vectors); plus 400 cached again at input 0.04:
    # 0.000046 + 400*0.04/1e6 = 0.000046 + 0.000016 = 0.000062
    causes = _one(
        catalog,
        {
            "model": "qwen3-5-4b",
            "cost_usd": "0.000062",
            "usage": {
                "prompt_tokens": 1000,
                "completion_tokens": 200,
                "prompt_tokens_details": {"cached_tokens": 400},
                "completion_tokens_details": {"reasoning_tokens": 50},
            },
        },
    )
    assert any("billed twice" in c for c in causes)


def test_tolerance_option(catalog: Catalog) -> None:
    # |0.045178878 - 0.045| = 0.000178878 <= 0.001
    record = SEED.replace("0.0042", "0.045")
    (finding,) = audit_stream([(1, record)], catalog, Decimal("0.001"))
    assert finding.agrees is True


def test_audit_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "usage.jsonl"
    agreeing = SEED.replace("0.0042", "0.045178878").replace("evt-0001", "evt-0002")
    path.write_text(SEED + "\n" + agreeing + "\n", encoding="utf-8")
    assert main(["audit", str(path)]) == 1
    out = capsys.readouterr().out
    assert "reported 0.0042, computed 0.045178878" in out
    assert "evt-0002" not in out
    assert "1 agree, 1 disagree" in out
    assert main(["audit", "--json", str(path)]) == 1
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["agrees"] for d in docs] == [False, True]
    assert docs[0]["computed"] == "0.045178878"
    assert docs[0]["difference"] == "0.040978878"


@pytest.mark.parametrize("zero", ["0", "0.0", "0.00", "0E-8"])
def test_reported_zero_is_exact(zero: str) -> None:
    assert default_tolerance(Decimal(zero)) == 0


def test_reported_zero_against_a_priced_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "usage.jsonl"
    rows = [
        # 1000 × 0.04 / 1e6 = 0.00004; 1000 × 0.07 / 1e6 = 0.00007; computed 0.00011
        '{"id": "z0", "model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, '
        '"completion_tokens": 1000, "cost_usd": 0}}',
        '{"id": "z1", "model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, '
        '"completion_tokens": 1000, "cost": 0.00}}',
        # free tools and no tokens: computed 0 (zero lines at 0.090, 0.368; free rows)
        '{"id": "z2", "model": "qwen3-5-flash", "usage": {"prompt_tokens": 0, '
        '"completion_tokens": 0, "tool_usage": {"web_extractor": 1}, "cost_usd": 0}}',
        # no reported cost: nothing to compare, not a disagreement
        '{"id": "z3", "model": "qwen3-5-4b", '
        '"usage": {"prompt_tokens": 1, "completion_tokens": 1}}',
    ]
    src.write_text("\n".join(rows) + "\n")
    assert main(["audit", "--json", str(src)]) == 1
    docs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(d["id"], d["agrees"], d["tolerance"], d["computed"]) for d in docs] == [
        ("z0", False, "0", "0.00011"),
        ("z1", False, "0", "0.00011"),
        ("z2", True, "0", "0"),
        ("z3", None, None, "0.00000011"),
    ]
    assert "the provider reported 0" in docs[0]["causes"][0]
    # an explicit tolerance still decides
    assert main(["audit", "--tolerance", "0.001", str(src)]) == 0
    assert "3 agree, 0 disagree, 1 without a reported cost" in capsys.readouterr().out
