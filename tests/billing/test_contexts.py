"""Price contexts (service_tier, batch), daily UTC windows, and the fee that applies to every
request, on the peer catalog (tests/billing/peers). Values computed by hand from its cards."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from billing import PricingError, RecordError, price, rating
from catalog import Catalog, load_catalog

PEERS = Path(__file__).parent / "peers"
USAGE = {"prompt_tokens": 1000, "completion_tokens": 100}


@pytest.fixture(scope="module")
def peers() -> Catalog:
    return load_catalog(PEERS)


def _ctx(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-ctx", "timestamp": "2026-11-15T12:00:00Z", "usage": USAGE, **extra}


@pytest.mark.parametrize(
    ("extra", "total"),
    [
        # default: 1000 × 1.25 + 100 × 10 = 2,250 µ$, plus the every-request fee 0.001
        ({}, "0.00325"),
        ({"service_tier": "default"}, "0.00325"),
        # flex: 1000 × 0.625 + 100 × 5 = 1,125 µ$ (its own plan: no request fee)
        ({"service_tier": "flex"}, "0.001125"),
        # priority, first version: 1000 × 2.5 + 100 × 20 = 4,500 µ$
        ({"service_tier": "priority"}, "0.0045"),
        # priority from 2026-12-01: 1000 × 3 + 100 × 24 = 5,400 µ$
        ({"service_tier": "priority", "timestamp": "2026-12-02T00:00:00Z"}, "0.0054"),
        # batch: 1000 × 0.625 + 100 × 5 = 1,125 µ$
        ({"batch": True}, "0.001125"),
        ({"service_tier": "batch"}, "0.001125"),
    ],
)
def test_contexts(peers: Catalog, extra: dict[str, Any], total: str) -> None:
    assert price(_ctx(**extra), peers).total == Decimal(total)


def test_every_request_fee_line(peers: Catalog) -> None:
    charge = price(_ctx(), peers)
    fee = [li for li in charge.lines if li.charge == "request:call"]
    assert len(fee) == 1 and fee[0].amount == Decimal("0.001")
    assert fee[0].note == "applies to every request"


def test_unpriced_context_fails_never_default(peers: Catalog) -> None:
    with pytest.raises(PricingError) as info:
        price(_ctx(service_tier="scale"), peers)
    message = str(info.value)
    assert "no price for the 'scale' context" in message
    assert "batch, default, flex, priority" in message
    # an offering with no contexts at all refuses flex too
    with pytest.raises(PricingError):
        price({"model": "gpt-resp", "service_tier": "flex", "usage": USAGE}, peers)


def test_anthropic_service_tier_inside_usage(peers: Catalog) -> None:
    # standard is the default context: 3 × 3 + 36 × 15 = 549 µ$
    usage = {"input_tokens": 3, "output_tokens": 36, "service_tier": "standard"}
    record = {"model": "claude-sonnet", "endpoint": "messages", "usage": usage}
    assert price(record, peers).total == Decimal("0.000549")
    with pytest.raises(PricingError):  # priority is not priced on this card
        price({**record, "usage": {**usage, "service_tier": "priority"}}, peers)
    with pytest.raises(RecordError) as info:
        price({**record, "service_tier": "priority"}, peers)
    assert "disagree" in str(info.value)


@pytest.mark.parametrize(
    ("time", "total"),
    [
        # standard 10:00 UTC: 1000 × 0.27 + 100 × 1.1 = 380 µ$
        ("2026-11-15T10:00:00Z", "0.00038"),
        # off-peak 16:30-00:30 UTC: 1000 × 0.135 + 100 × 0.55 = 190 µ$
        ("2026-11-15T16:30:00Z", "0.00019"),
        ("2026-11-15T23:59:59Z", "0.00019"),
        ("2026-11-16T00:15:00Z", "0.00019"),  # the window wraps past midnight
        ("2026-11-16T00:30:00Z", "0.00038"),  # its end is exclusive
        ("2026-11-15T16:29:59Z", "0.00038"),
        # a time given with an offset is read in UTC: 18:00+02:00 is 16:00 UTC, standard
        ("2026-11-15T18:00:00+02:00", "0.00038"),
        # the second off-peak version, from 2026-12-01: 1000 × 0.1 + 100 × 0.4 = 140 µ$
        ("2026-12-02T17:00:00Z", "0.00014"),
        ("2026-12-01T00:15:00Z", "0.00014"),  # its first night (its start is inclusive)
        ("2026-11-30T23:59:59Z", "0.00019"),  # the night before: the first version
        ("2026-12-02T10:00:00Z", "0.00038"),  # standard, outside the window
    ],
)
def test_daily_utc_window(peers: Catalog, time: str, total: str) -> None:
    record = {"model": "deepseek-chat", "timestamp": time, "usage": USAGE}
    charge = price(record, peers)
    assert charge.total == Decimal(total)
    if total == "0.00019":
        assert charge.price_version == "off-peak"
    if total == "0.00014":
        assert charge.price_version == "off-peak-2"


@pytest.mark.parametrize(
    ("now", "total"),
    [
        # a record without a timestamp is priced at the time it is priced ("now"):
        # 17:00 UTC is off-peak (190 µ$ as above), 10:00 UTC standard (380 µ$)
        (dt.datetime(2026, 11, 15, 17, tzinfo=dt.UTC), "0.00019"),
        (dt.datetime(2026, 11, 15, 10, tzinfo=dt.UTC), "0.00038"),
    ],
)
def test_daily_window_without_a_timestamp_is_now(
    peers: Catalog, monkeypatch: pytest.MonkeyPatch, now: dt.datetime, total: str
) -> None:
    _clock_at(monkeypatch, now)
    record = {"model": "deepseek-chat", "usage": USAGE}
    assert price(record, peers).total == Decimal(total)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"model": "gpt-resp", "batch": True, "usage": USAGE},
            "gpt-resp has no price for the 'batch' context (the record's batch flag); it "
            "prices default. The record is not priced at another context's rate",
        ),
        (
            _ctx(service_tier="scale"),
            "gpt-ctx has no price for the 'scale' context (the record's service_tier); it "
            "prices batch, default, flex, priority. The record is not priced at another "
            "context's rate",
        ),
        (
            # deepseek prices default only; its off-peak window is a version of default
            {"model": "deepseek-chat", "service_tier": "flex", "usage": USAGE},
            "deepseek-chat has no price for the 'flex' context (the record's service_tier); "
            "it prices default. The record is not priced at another context's rate",
        ),
    ],
)
def test_an_unpriced_context_names_itself(
    peers: Catalog, record: dict[str, Any], message: str
) -> None:
    with pytest.raises(PricingError) as info:
        price(record, peers)
    assert str(info.value) == message
    assert info.value.code == "no_price_version"


def test_an_extra_kind_at_a_not_applicable_rate(peers: Catalog) -> None:
    """1,234 audio output tokens on text-embedding, whose output (the rate audio output
    falls back to) is not applicable: refused with the count, never priced 0."""
    usage = {"prompt_tokens": 10, "completion_tokens": 1234,
             "completion_tokens_details": {"audio_tokens": 1234}}  # fmt: skip
    with pytest.raises(PricingError) as info:
        price({"model": "text-embedding", "usage": usage}, peers)
    assert str(info.value) == (
        "the record reports 1,234 audio output tokens, but audio output tokens cannot occur on "
        "text-embedding: the output rate they are charged at is not applicable"
    )
    assert info.value.code == "token_rate_unavailable"


def _clock_at(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    """ "Now" is ``now`` for the estimate, the rating and the catalog (each reads the clock
    through its module's ``dt``)."""
    import billing.estimating
    import catalog.model

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Frozen:  # type: ignore[override]
            return cls.fromtimestamp(now.timestamp(), tz)

    clock = SimpleNamespace(**{**vars(dt), "datetime": Frozen})
    for module in (billing.estimating, rating, catalog.model):
        monkeypatch.setattr(module, "dt", clock)


def test_estimate_worst_case_across_contexts(
    peers: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billing.estimating import estimate

    body = {"model": "gpt-ctx", "messages": [{"role": "user", "content": "Hello"}],
            "max_tokens": 100}  # fmt: skip
    # an estimate prices the request now: before priority's price of 2026-12-01
    _clock_at(monkeypatch, dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
    # prompt upper bound: 5 bytes + 8 per message + 16 per request = 29 tokens
    # default: 29 × 1.25 + 100 × 10 = 1,036.25 µ$ + the every-request fee 0.001 = 0.00203625
    # priority: 29 × 2.5 + 100 × 20 = 2,072.5 µ$ = 0.0020725 (the dearest)
    worst = estimate(body, catalog=peers)
    assert worst.worst_case == Decimal("0.0020725")
    assert any("dearest context" in a and "(priority)" in a for a in worst.assumptions)
    # a request that names its tier is priced in it: flex 29 × 0.625 + 100 × 5 = 518.125 µ$
    flex = estimate({**body, "service_tier": "flex"}, catalog=peers)
    assert flex.worst_case == Decimal("0.000518125")
    named_default = estimate({**body, "service_tier": "default"}, catalog=peers)
    assert named_default.worst_case == Decimal("0.00203625")
    # from 2026-12-01 priority costs 3 and 24 USD per 1M: 29 × 3 + 100 × 24 = 2,487 µ$
    _clock_at(monkeypatch, dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    assert estimate(body, catalog=peers).worst_case == Decimal("0.002487")


#: An offering whose plain flex version is listed before its default off-peak window, with two
#: dated default versions (peak-2 from 2020, so a record in peak-1 is never "now").
MIXED = """\
# yaml-language-server: $schema=../../../schema/offering.schema.json
name: DeepSeek mixed
model: example/model
status: available
endpoints: [chat.completions]
pricing:
  - version: peak-1
    input_mtok: 1
    output_mtok: 2
  - context: flex
    input_mtok: 0.5
    output_mtok: 1
  - daily_utc: {from: "16:30", to: "00:30"}
    version: off-peak
    input_mtok: 0.25
    output_mtok: 0.5
  - effective_from: 2020-01-01T00:00:00Z
    version: peak-2
    input_mtok: 3
    output_mtok: 6
"""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("mixed") / "peers"
    shutil.copytree(PEERS, root)
    (root / "providers/deepseek/models/ds-mixed.yaml").write_text(MIXED, encoding="utf-8")
    return load_catalog(root)


@pytest.mark.parametrize(
    ("extra", "total"),
    [
        # in the default window, past the plain flex context listed before it: off-peak,
        # 1,000 × 0.25 + 100 × 0.5 = 300 µ$
        ({"timestamp": "2026-11-15T17:00:00Z"}, "0.0003"),
        # flex in the default window stays flex: 1,000 × 0.5 + 100 × 1 = 600 µ$
        ({"timestamp": "2026-11-15T17:00:00Z", "service_tier": "flex"}, "0.0006"),
        # outside the window, the newest dated default version: 1,000 × 3 + 100 × 6 = 3,600 µ$
        ({"timestamp": "2026-11-15T10:00:00Z"}, "0.0036"),
        # before peak-2, the older default version (not the one in effect now):
        # 1,000 × 1 + 100 × 2 = 1,200 µ$
        ({"timestamp": "2019-06-01T10:00:00Z"}, "0.0012"),
    ],
)
def test_windows_beside_plain_contexts(mixed: Catalog, extra: dict[str, Any], total: str) -> None:
    record = {"model": "ds-mixed", "usage": USAGE, **extra}
    assert price(record, mixed).total == Decimal(total)


def test_another_contexts_window_never_prices_a_record(mixed: Catalog) -> None:
    """priority is not priced, not even at 17:00, inside the window of the default context."""
    record = {
        "model": "ds-mixed",
        "usage": USAGE,
        "timestamp": "2026-11-15T17:00:00Z",
        "service_tier": "priority",
    }
    with pytest.raises(PricingError) as info:
        price(record, mixed)
    assert info.value.code == "no_price_version"
    assert "it prices default, flex." in str(info.value)
