"""The tier rule has one owner (catalog.model: ``tier_count``, ``Tier.closed_range``,
``PricePlan.tier_for``); billing.rating's hot path and billing.sqlrate's CASE are derived from
it. Hypothesis draws plans and counts and checks that all three pick the same tier."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Engine, create_engine, literal, select

from billing import PricingError, price
from billing.records import UsageRecord
from billing.sqlrate.params import json_params
from billing.sqlrate.plan import TOKEN_COLUMNS, VT, compile_offering
from billing.usage import Usage
from catalog import Catalog, PriceState, Rate, load_catalog
from catalog.model import TOKEN_KINDS, PricePlan, Tier, TokenPrice, tier_count
from tests.budget import examples

_PRICES = MappingProxyType(
    {kind: TokenPrice(Rate(PriceState.PUBLISHED, Decimal(1))) for kind in TOKEN_KINDS}
)


@st.composite
def tier_plans(draw: st.DrawFn) -> PricePlan:
    inclusive = draw(st.booleans())
    n_tiers = draw(st.integers(1, 4))
    bounds = sorted(draw(st.sets(st.integers(0, 300), min_size=n_tiers, max_size=n_tiers)))
    open_top = draw(st.booleans())
    tiers, lower = [], None
    for t in range(n_tiers):
        upper: int | None = None if t == n_tiers - 1 and open_top else bounds[t]
        tiers.append(Tier(t, lower, upper, inclusive, _PRICES))
        lower = upper
    return PricePlan(
        effective_from=None,
        effective_until=None,
        version="v1",
        currency="USD",
        tier_by=draw(st.sampled_from(["input_tokens", "uncached_input_tokens", "total_tokens"])),
        tier_boundary="upper_inclusive" if inclusive else "lower_inclusive",
        tiered=True,
        tiers=tuple(tiers),
        tools=(),
        request_fees=(),
    )


counts = st.tuples(*(st.integers(0, 120) for _ in TOKEN_KINDS))


_CACHE: dict[str, object] = {}


def _base() -> Catalog:
    if "base" not in _CACHE:
        from tests.conftest import DATA

        _CACHE["base"] = load_catalog(DATA)
    found = _CACHE["base"]
    assert isinstance(found, Catalog)
    return found


def _sqlite() -> Engine:
    if "sqlite" not in _CACHE:
        _CACHE["sqlite"] = create_engine("sqlite://")
    found = _CACHE["sqlite"]
    assert isinstance(found, Engine)
    return found


def _catalog(plan: PricePlan) -> Catalog:
    base = _base()
    template = base.offerings["empiriolabs/qwen3-5-flash"]
    offering = dataclasses.replace(
        template, id="tier-model", pricing=(plan,), variants=(), rules=()
    )
    return Catalog(base.models, base.providers, {offering.key: offering})


def _sql_tier(engine: Engine, catalog: Catalog, n: tuple[int, ...]) -> int | None:
    cells = [
        literal(v, BigInteger).label(TOKEN_COLUMNS[k]) for k, v in zip(TOKEN_KINDS, n, strict=True)
    ]
    rows = select(*cells, literal(None).label("request_params")).subquery("e")
    compiled = compile_offering(
        catalog.resolve("tier-model"), rows.c, json_params("sqlite", rows.c.request_params)
    )
    with engine.connect() as conn:
        vt = conn.execute(select(compiled.vt).select_from(rows)).scalar_one()
    return None if vt == -2 else int(vt) - 0 * VT  # version 0: vt is the tier


@settings(max_examples=examples(150), deadline=None)
@given(plan=tier_plans(), n=counts)
def test_model_hot_path_and_sql_pick_the_same_tier(plan: PricePlan, n: tuple[int, ...]) -> None:
    count = tier_count(plan.tier_by, dict(zip(TOKEN_KINDS, n, strict=True)))
    chosen = plan.tier_for(count)
    want = None if chosen is None else chosen.index
    # the model's rule, written out: a closed range per tier, the first that holds the count
    by_hand = [
        t.index
        for t in plan.tiers
        if (t.lower is None or (count > t.lower if t.upper_inclusive else count >= t.lower))
        and (t.upper is None or (count <= t.upper if t.upper_inclusive else count < t.upper))
    ]
    assert want == (by_hand[0] if by_hand else None)

    catalog = _catalog(plan)
    usage = Usage(*n, MappingProxyType({}), MappingProxyType({}))
    record = UsageRecord(1, "e1", "c", "tier-model", None, "chat.completions", usage, None, {})
    try:
        charge = price(record, catalog)
    except PricingError as exc:
        assert exc.code == "beyond_top_tier"
        got = None
    else:
        got = next(i for i, t in enumerate(plan.tiers) if t.label == charge.tier)
    assert got == want
    assert _sql_tier(_sqlite(), catalog, n) == want


def test_tier_count_sums_the_declared_kinds() -> None:
    n = {"input": 1, "cache_read": 10, "cache_write": 100, "output": 1000, "reasoning": 10000}
    assert tier_count("input_tokens", n) == 111  # 1 + 10 + 100
    assert tier_count("uncached_input_tokens", n) == 1
    assert tier_count("total_tokens", n) == 11111  # 1 + 10 + 100 + 1000 + 10000
    with pytest.raises(ValueError, match="unknown tier count 'output_tokens'"):
        tier_count("output_tokens", n)


def test_tier_count_adds_the_extra_kinds_that_belong_to_it() -> None:
    """Issue 10's extra kinds (catalog.kinds) count as their direction and cache say: an
    audio prompt token is a prompt token and an uncached one; a 1-hour cache write is a
    prompt token, not an uncached one; an audio output token counts only in the total."""
    n = {
        "input": 1,
        "cache_read": 10,
        "input_audio": 100,
        "cache_write_1h": 1000,
        "input_tool": 10000,
        "output": 100000,
        "output_audio": 1000000,
    }
    assert tier_count("input_tokens", n) == 11111  # 1 + 10 + 100 + 1000 + 10000
    assert tier_count("uncached_input_tokens", n) == 101  # 1 + 100 (input_audio)
    assert tier_count("total_tokens", n) == 1111111  # every count
    assert tier_count("input_tokens", {"input_audio": 7}) == 7  # extra kinds alone


def test_closed_range_of_each_boundary_rule() -> None:
    # upper_inclusive: 128K < count <= 1M; lower_inclusive: 128K <= count < 1M
    assert Tier(1, 131072, 1048576, True, _PRICES).closed_range() == (131073, 1048576)
    assert Tier(1, 131072, 1048576, False, _PRICES).closed_range() == (131072, 1048575)
    assert Tier(0, None, None, True, _PRICES).closed_range() == (None, None)
