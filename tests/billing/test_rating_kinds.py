"""Hand-computed vectors for the plan kinds the seeds lack (tests/billing/vectors/plans.yaml,
priced against the cards in tests/billing/vectors/cards/), and the rater's defaults."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from billing import PricingError, RecordError, parse_json_line, price
from catalog import Catalog, PriceState, Rate, load_catalog
from catalog.model import RequestCharge

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
        kind, text, *code = vector["error"]  # a PricingError's stable code third
        with pytest.raises(ERRORS[kind]) as info:
            price(parse_json_line(vector["record"], 7), vec_catalog)
        message = str(info.value)
        assert text in message
        assert [getattr(info.value, "code", None)] == (code or [None]), vector["name"]
        record_id = yaml.safe_load(vector["record"])["id"]
        assert message.startswith(f"line 7, record {record_id!r}: "), message
        return
    charge = price(parse_json_line(vector["record"], 1), vec_catalog)
    check_charge(charge, vector, "vec", list_prices=True)  # the vec cards publish no list price


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


def test_pricing_error_args_carry_the_sentence() -> None:
    error = PricingError("beyond the top", 3, "evt-3", code="beyond_top_tier")
    assert error.args == ("line 3, record 'evt-3': beyond the top",)
    assert (error.message, error.line, error.record_id) == ("beyond the top", 3, "evt-3")
    assert error.code == "beyond_top_tier"
    assert PricingError("no plan", code="no_price_version").args == ("no plan",)


def _gapped(catalog: Catalog, inclusive: bool) -> Catalog:
    """vec/upper-in with a gap between its tiers (Python callers can build one; cards cannot):
    <=1000 (or <1000), then 1500-2000."""
    offering = catalog.offerings["vec/upper-in"]
    plan = offering.pricing[0]
    low, high = plan.tiers
    tiers = (
        dataclasses.replace(low, upper_inclusive=inclusive),
        dataclasses.replace(high, lower=1500, upper_inclusive=inclusive),
    )
    plan = dataclasses.replace(plan, tiers=tiers)
    gapped = dataclasses.replace(offering, id="gapped", pricing=(plan,))
    return Catalog(catalog.models, catalog.providers, {gapped.key: gapped})


@pytest.mark.parametrize(
    ("inclusive", "count", "tier"),
    [
        (True, 1000, "<=1,000"),
        (True, 1001, None),  # in the gap
        (True, 1500, None),  # the second tier's lower bound, left out by upper_inclusive
        (True, 1501, "1,500-2,000"),
        (False, 999, "<1,000"),
        (False, 1000, None),
        (False, 1499, None),
        (False, 1500, "1,500-2,000"),  # lower_inclusive takes its lower bound
    ],
)
def test_tiers_with_a_gap(
    vec_catalog: Catalog, inclusive: bool, count: int, tier: str | None
) -> None:
    catalog = _gapped(vec_catalog, inclusive)
    record = {"model": "gapped", "usage": {"prompt_tokens": count, "completion_tokens": 0}}
    if tier is None:
        with pytest.raises(PricingError, match="is beyond the top price tier of gapped"):
            price(record, catalog)
    else:
        assert price(record, catalog).tier == tier


def test_a_fee_on_null(vec_catalog: Catalog) -> None:
    """A fee whose condition is null (cards cannot write one; Python callers can): a parameter
    sent as null switches it on; absent, with no default, it does not (absent is not null).
    input 1500 × 1 / 1e6 = 0.0015; request:nullfee 0.3; total 0.3015."""
    offering = vec_catalog.offerings["vec/states"]
    plan = offering.pricing[0]
    fee = RequestCharge(
        "nullfee", "nullfee", Rate(PriceState.PUBLISHED, Decimal("0.3")), {"mode": None}
    )
    plan = dataclasses.replace(plan, request_fees=(fee,))
    changed = dataclasses.replace(offering, pricing=(plan,))
    catalog = Catalog(vec_catalog.models, vec_catalog.providers, {changed.key: changed})
    usage = {"prompt_tokens": 1500, "completion_tokens": 0}
    sent = price({"model": "states", "usage": usage, "request": {"mode": None}}, catalog)
    assert sent.total == Decimal("0.3015")
    assert [(li.charge, li.amount, li.note) for li in sent.lines][-1] == (
        "request:nullfee",
        Decimal("0.3"),
        "mode is null",
    )
    absent = price({"model": "states", "usage": usage}, catalog)
    assert absent.total == Decimal("0.0015")


@pytest.mark.parametrize("inclusive", [True, False])
def test_an_open_top_tier(vec_catalog: Catalog, inclusive: bool) -> None:
    """A top tier without a bound (Python callers can build one) takes every larger count:
    5000 prompt tokens at tier 2's 3 per 1M = 0.015."""
    offering = vec_catalog.offerings["vec/upper-in"]
    plan = offering.pricing[0]
    low, high = plan.tiers
    tiers = (
        dataclasses.replace(low, upper_inclusive=inclusive),
        dataclasses.replace(high, upper=None, upper_inclusive=inclusive),
    )
    changed = dataclasses.replace(offering, pricing=(dataclasses.replace(plan, tiers=tiers),))
    catalog = Catalog(vec_catalog.models, vec_catalog.providers, {changed.key: changed})
    charge = price(
        {"model": "upper-in", "usage": {"prompt_tokens": 5000, "completion_tokens": 0}}, catalog
    )
    assert charge.total == Decimal("0.015")
    # Tier.label of an open top tier above 1,000 (issue 10: "above the previous bound, whatever
    # the size"): ">1,000" when a bound stays in the lower tier, ">=1,000" when it opens this one
    assert charge.tier == (">1,000" if inclusive else ">=1,000")


def test_an_unknown_model_of_a_named_provider_carries_its_code(vec_catalog: Catalog) -> None:
    """A record that names its provider resolves the model among that provider's offerings
    (billing.rating._Tables.get_in); an unknown one fails with the same stable code as
    without a provider."""
    record = {
        "id": "p1",
        "provider": "vec",
        "model": "no-such-model",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1},
    }
    with pytest.raises(PricingError) as caught:
        price(record, vec_catalog)
    assert caught.value.code == "unknown_offering"
    # and a known one of that provider is priced: input 1000 × 1 / 1e6 = 0.001
    known = {
        **record,
        "model": "one-tier",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 0},
    }
    assert price(known, vec_catalog).total == Decimal("0.001")


def test_price_quick_prices_and_fails_as_price_does(vec_catalog: Catalog) -> None:
    """billing.ledger.ingest prices the common record with read_quick + price_quick: the
    same charge as price(), and a failure carries the record's id and stable code, with no
    line (0: the caller knows it)."""
    from billing.rating import price_quick
    from billing.records import read_quick

    # first (nothing priced yet in this test under `make mutation`): the bundled catalog
    # when none is given, seed 000's qwen3-5-4b: 0.000075 as in
    # test_the_default_catalog_is_the_bundled_one
    bundled = read_quick(
        {
            "id": "q0",
            "model": "qwen3-5-4b",
            "usage": {"prompt_tokens": 1000, "completion_tokens": 500},
        }
    )
    assert bundled is not None and price_quick(bundled).total == Decimal("0.000075")
    ok = {
        "id": "q1",
        "model": "lower-in",
        "timestamp": "2026-11-02T00:00:00Z",
        "usage": {"prompt_tokens": 999, "completion_tokens": 10},
    }
    quick = read_quick(ok)
    assert quick is not None
    # input 999 × 1 / 1e6 = 0.000999; output 10 × 2 / 1e6 = 0.00002; total 0.001019
    assert price_quick(quick, vec_catalog).total == Decimal("0.001019")
    beyond = read_quick(
        {**ok, "id": "q2", "usage": {"prompt_tokens": 2000, "completion_tokens": 0}}
    )
    assert beyond is not None
    for attempt in (
        lambda: price_quick(beyond, vec_catalog),
        lambda: price(
            {**ok, "id": "q2", "usage": {"prompt_tokens": 2000, "completion_tokens": 0}},
            vec_catalog,
        ),
    ):
        with pytest.raises(PricingError) as info:
            attempt()
        error = info.value
        assert (error.line, error.record_id, error.code) == (0, "q2", "beyond_top_tier")
        assert str(error).startswith("record 'q2': 2,000 prompt tokens (cached included) is beyond")
