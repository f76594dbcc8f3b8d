from __future__ import annotations

from decimal import Decimal

from catalog import Catalog


def test_seed_000_prices(catalog: Catalog) -> None:
    # 000_f107579f5972bdaf.txt: Input $0.04, Output $0.07, Implicit cache read $0.02 per 1M.
    plan = catalog.resolve("qwen3-5-4b").plan_at(None)
    assert plan is not None
    prices = plan.tiers[0].prices
    assert prices["input"].rate.price == Decimal("0.04")
    assert prices["output"].rate.price == Decimal("0.07")
    assert prices["cache_read"].rate.price == Decimal("0.02")
