""" "The plan in effect" has one meaning: ``Offering.plan_at(None)`` is the plan in effect now,
and billing prices a record without a timestamp, and estimates a request, with that plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from types import MappingProxyType

from billing import price
from catalog import Catalog, PriceState, Rate, load_catalog
from catalog.model import TOKEN_KINDS, PricePlan, Tier, TokenPrice
from tests.conftest import DATA

NOW = dt.datetime.now(dt.UTC)


def _plan(version: str, start: dt.datetime | None, until: dt.datetime | None, p: str) -> PricePlan:
    prices = {kind: TokenPrice(Rate(PriceState.PUBLISHED, Decimal(p))) for kind in TOKEN_KINDS}
    return PricePlan(
        effective_from=start,
        effective_until=until,
        version=version,
        currency="USD",
        tier_by="input_tokens",
        tier_boundary="upper_inclusive",
        tiered=False,
        tiers=(Tier(0, None, None, True, MappingProxyType(prices)),),
        tools=(),
        request_fees=(),
    )


def test_a_future_version_is_not_the_plan_in_effect_now() -> None:
    base = load_catalog(DATA)
    later = NOW + dt.timedelta(days=365)
    pricing = (_plan("old", None, later, "2"), _plan("new", later, None, "5"))
    template = base.offerings["empiriolabs/qwen3-5-flash"]
    offering = dataclasses.replace(
        template, id="dated", pricing=pricing, variants=(), rules=(), parameters={}
    )
    catalog = Catalog(base.models, base.providers, {offering.key: offering})
    plan = offering.plan_at(None)
    assert plan is not None and plan.version == "old"  # the newest version starts next year
    assert offering.plan_at(later) is pricing[1]
    record = {"model": "dated", "usage": {"prompt_tokens": 1000000, "completion_tokens": 0}}
    charge = price(record, catalog)
    # 1,000,000 input tokens × $2 / 1M = $2 (the old version's price, not the new $5)
    assert charge.price_version == "old"
    assert charge.total == Decimal("2")
