"""A valid card dumped to YAML and loaded again is the same card, Decimals exactly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from pydantic import BaseModel

from catalog import parse_card, read_cards
from catalog.cards.dump import dump_card
from catalog.cards.format import ModelCard, OfferingCard, PricePlanCard, ProviderCard

from . import strategies as s

DATA = Path(__file__).resolve().parents[2] / "data"


def _round_trip(card: BaseModel) -> None:
    text = dump_card(card)
    back, problems = parse_card(type(card), text)
    assert problems == [], text
    assert back == card
    assert back is not None
    # what the card sets (variants inherit everything else) survives too
    assert back.model_dump(exclude_unset=True) == card.model_dump(exclude_unset=True)
    assert dump_card(back) == text


@settings(max_examples=60, deadline=None)
@given(s.offerings)
def test_offering_round_trip(card: OfferingCard) -> None:
    _round_trip(card)


@settings(max_examples=40, deadline=None)
@given(s.models)
def test_model_round_trip(card: ModelCard) -> None:
    _round_trip(card)


@settings(max_examples=30, deadline=None)
@given(s.providers)
def test_provider_round_trip(card: ProviderCard) -> None:
    _round_trip(card)


@settings(max_examples=60, deadline=None)
@given(s.plans)
def test_plan_round_trip_keeps_decimal_digits(plan: PricePlanCard) -> None:
    text = dump_card(plan)
    back, problems = parse_card(PricePlanCard, text)
    assert problems == [] and back == plan
    assert back is not None
    for key in ("input_mtok", "output_mtok"):
        mine, theirs = getattr(plan, key), getattr(back, key)
        if mine is not None and mine.price is not None:
            # same digits and exponent, not just equal: 0.090 stays 0.090
            assert theirs.price.as_tuple() == mine.price.as_tuple()


def test_decimals_are_plain_text() -> None:
    plan = PricePlanCard(input_mtok=Decimal("0.090"), output_mtok=Decimal("1E-7"))
    text = dump_card(plan)
    assert "input_mtok: 0.090\n" in text
    assert "output_mtok: 0.0000001\n" in text
    assert "E" not in text and "e-" not in text


def test_every_data_card_round_trips() -> None:
    cards, problems = read_cards(DATA)
    assert problems == []
    assert len(cards) >= 9
    for loaded in cards:
        _round_trip(loaded.card)


PEERS = Path(__file__).resolve().parents[1] / "billing" / "peers" / "providers"


def test_issue10_card_fields_round_trip() -> None:
    """Token kinds, contexts, daily windows, open top tiers, published bounds and fees with
    no condition (the peer catalog of the pricing tests) survive dump and load."""
    paths = sorted(PEERS.glob("*/models/*.yaml"))
    assert len(paths) >= 10
    for path in paths:
        card, problems = parse_card(OfferingCard, path.read_text(encoding="utf-8"))
        assert problems == [] and card is not None, path
        _round_trip(card)
