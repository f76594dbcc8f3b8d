"""Every example record of docs/usage-shapes.md parses and prices as the page shows, on the
peer catalog (tests/billing/peers); every usage shape has one."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from billing import parse_record, price
from billing.shapes import SHAPES
from catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "usage-shapes.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```json\n(.*?)\n```\nPriced: `([0-9.]+)`", PAGE, re.S)


@pytest.fixture(scope="module")
def peers() -> Catalog:
    return load_catalog(Path(__file__).parent / "peers")


def test_every_shape_has_an_example() -> None:
    shapes = {json.loads(text).get("endpoint", "chat.completions") for text, _ in EXAMPLES}
    assert shapes == set(SHAPES)


@pytest.mark.parametrize(("text", "total"), EXAMPLES)
def test_example_prices_as_shown(peers: Catalog, text: str, total: str) -> None:
    from billing.records import loads

    assert price(parse_record(loads(text)), peers).total == Decimal(total)
