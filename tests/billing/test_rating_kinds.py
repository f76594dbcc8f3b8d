"""Hand-computed vectors for the plan kinds the seeds lack (tests/billing/vectors/plans.yaml,
priced against the cards in tests/billing/vectors/cards/), and the rater's defaults."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from billing import PricingError, RecordError, parse_json_line, price
from catalog import Catalog, load_catalog

from .vector_checks import check_charge

HERE = Path(__file__).parent / "vectors"
VECTORS: list[dict[str, Any]] = yaml.safe_load((HERE / "plans.yaml").read_text(encoding="utf-8"))
ERRORS = {"PricingError": PricingError, "RecordError": RecordError}


@pytest.fixture(scope="session")
def vec_catalog() -> Catalog:
    return load_catalog(HERE / "cards")


def test_plan_vectors_are_well_formed() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names)) >= 50
    for vector in VECTORS:
        assert ("error" in vector) != ("total" in vector), vector["name"]
        assert isinstance(vector.get("total", ""), str), vector["name"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_plan_vector(vector: dict[str, Any], vec_catalog: Catalog) -> None:
    if "error" in vector:
        kind, text = vector["error"]
        with pytest.raises(ERRORS[kind]) as info:
            price(parse_json_line(vector["record"], 7), vec_catalog)
        message = str(info.value)
        assert text in message
        record_id = yaml.safe_load(vector["record"])["id"]
        assert message.startswith(f"line 7, record {record_id!r}: "), message
        return
    charge = price(parse_json_line(vector["record"], 1), vec_catalog)
    check_charge(charge, vector, list_prices=True)  # the vec cards publish no list price


def test_the_default_catalog_is_the_bundled_one() -> None:
    """price() without a catalog uses the bundled data/ cards (seed 000's qwen3-5-4b):
    input 1000 × 0.04 / 1e6 = 0.00004; output 500 × 0.07 / 1e6 = 0.000035; 0.000075."""
    charge = price(
        {
            "id": "b1",
            "model": "qwen3-5-4b",
            "usage": {"prompt_tokens": 1000, "completion_tokens": 500},
        }
    )
    assert charge.total == Decimal("0.000075")
    assert [(li.charge, li.amount) for li in charge.lines] == [
        ("input", Decimal("0.00004")),
        ("output", Decimal("0.000035")),
    ]
    again = price(
        {"id": "b2", "model": "qwen3-5-4b", "usage": {"prompt_tokens": 0, "completion_tokens": 1}}
    )
    assert again.total == Decimal("0.00000007")  # 1 × 0.07 / 1e6


def test_a_mapping_record_errors_name_its_fields() -> None:
    with pytest.raises(RecordError, match="usage is missing"):
        price({"id": "b3", "model": "qwen3-5-4b"})
