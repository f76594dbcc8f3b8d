"""Hand-computed price vectors (tests/billing/vectors/prices.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from billing import PricingError, RecordError, parse_json_line, price
from catalog import Catalog

from .vector_checks import check_charge

VECTORS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "vectors" / "prices.yaml").read_text(encoding="utf-8")
)
ERRORS = {"PricingError": PricingError, "RecordError": RecordError}


def test_vectors_are_well_formed() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names)) >= 40
    for vector in VECTORS:
        assert ("error" in vector) != ("total" in vector), vector["name"]
        assert isinstance(vector.get("total", ""), str), vector["name"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector: dict[str, Any], catalog: Catalog) -> None:
    if "error" in vector:
        kind, text = vector["error"]
        with pytest.raises(ERRORS[kind]) as info:
            price(parse_json_line(vector["record"], 3), catalog)
        message = str(info.value)
        assert text in message
        assert message.startswith("line 3"), message
        return
    charge = price(parse_json_line(vector["record"], 1), catalog)
    check_charge(charge, vector, vector.get("provider", "empiriolabs"))
