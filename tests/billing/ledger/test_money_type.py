"""Money round-trips exactly on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select

from billing.ledger.money_type import Money

_ids = itertools.count()
_meta = MetaData()
probe = Table("money_probe", _meta, Column("id", Integer, primary_key=True), Column("v", Money()))

amounts = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: abs(d.adjusted()) < 120
)


@pytest.fixture(scope="module")
def probe_engine(shared_engine: Engine) -> Engine:
    _meta.create_all(shared_engine)
    return shared_engine


@settings(max_examples=60, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=20))
def test_decimals_round_trip_exactly(probe_engine: Engine, values: list[Decimal]) -> None:
    rows = [{"id": next(_ids), "v": v} for v in values]
    with probe_engine.begin() as conn:
        conn.execute(insert(probe), rows)
        back = dict(
            conn.execute(
                select(probe.c.id, probe.c.v).where(probe.c.id.in_([r["id"] for r in rows]))
            ).all()
        )
    for row in rows:
        got = back[row["id"]]
        assert isinstance(got, Decimal)
        assert got == row["v"]


def test_scale_is_kept(probe_engine: Engine) -> None:
    pk = next(_ids)
    with probe_engine.begin() as conn:
        conn.execute(insert(probe), [{"id": pk, "v": Decimal("0.090")}])
        got = conn.execute(select(probe.c.v).where(probe.c.id == pk)).scalar_one()
    assert str(got) == "0.090"


def test_tiny_and_huge_amounts(probe_engine: Engine) -> None:
    values = [Decimal("0.000000000000000000000001"), Decimal("123456789012345678901234567890.5")]
    with probe_engine.begin() as conn:
        ids = [next(_ids) for _ in values]
        conn.execute(insert(probe), [{"id": i, "v": v} for i, v in zip(ids, values, strict=True)])
        back = [conn.execute(select(probe.c.v).where(probe.c.id == i)).scalar_one() for i in ids]
    assert back == values


@pytest.mark.parametrize("bad", [0.1, Decimal("NaN"), Decimal("Infinity")])
def test_floats_and_non_finite_values_are_refused(probe_engine: Engine, bad: object) -> None:
    with pytest.raises(Exception, match="money must be"), probe_engine.begin() as conn:
        conn.execute(insert(probe), [{"id": next(_ids), "v": bad}])
