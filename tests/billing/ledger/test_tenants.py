"""Tenants and API keys (migration 0004): upgrading a ledger with data, keys stored only as
hashes, revocation, and tenant customers kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from billing.invoicing import invoice
from billing.ledger import (
    TenantError,
    authenticate,
    create_key,
    create_tenant,
    list_keys,
    revoke_key,
    tenant_customer,
)
from billing.ledger.db import make_engine
from billing.ledger.migrate import current_revision, downgrade, head_revision, upgrade
from billing.ledger.tenants import key_hash

from .conftest import blank_database
from .helpers import D, event, line
from .test_migrations import store_before_0005


def test_0003_upgrades_to_0004_keeping_data(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path
) -> None:
    engine = make_engine(blank_database(request, dialect, tmp_path))
    try:
        upgrade(engine, "0003")
        # 123456 input tokens * 0.090 / 1M = 0.01111104 (stored as the code before revision
        # 0005 stored it: the columns 0005 adds do not exist yet)
        store_before_0005(
            engine,
            event(
                "acme",
                "evt-1",
                "2026-11-03T10:00:00Z",
                line("input", 123456, "0.090", "0.01111104"),
            ),
        )
        assert "tenants" not in inspect(engine).get_table_names()
        upgrade(engine, "0004")
        assert current_revision(engine) == "0004"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT event_id FROM usage_events")).scalar_one() == "evt-1"
        new = create_tenant(engine, "alpha")
        assert authenticate(engine, new.key) == "alpha"
        downgrade(engine, "0003")
        assert "api_keys" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert invoice(engine, "acme", "2026-11").precise_total == D("0.01111104")
    finally:
        engine.dispose()


def test_keys(engine: Engine) -> None:
    first = create_tenant(engine, "alpha")
    assert first.key.startswith(f"rc_{first.key_id}_") and len(first.key) == 59
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash FROM api_keys")).scalar_one()
        everything = " ".join(
            str(v) for row in conn.execute(text("SELECT * FROM api_keys")) for v in row
        )
    assert stored == key_hash(first.key) and first.key not in everything
    second = create_key(engine, "alpha")
    assert authenticate(engine, second.key) == "alpha"
    assert authenticate(engine, second.key[:-1] + ("A" if second.key[-1] != "A" else "B")) is None
    assert authenticate(engine, "rc_000000000000_" + "x" * 43) is None
    assert authenticate(engine, "not a key") is None
    revoke_key(engine, second.key_id)
    revoke_key(engine, second.key_id)  # twice is harmless
    assert authenticate(engine, second.key) is None
    assert authenticate(engine, first.key) == "alpha"
    assert [revoked is not None for _, _, revoked in list_keys(engine, "alpha")] == [False, True]
    with pytest.raises(TenantError, match="exists"):
        create_tenant(engine, "alpha")
    with pytest.raises(TenantError, match="no tenant named"):
        create_key(engine, "nobody")
    for bad in ("Alpha", "a/b", "", "-x", "x" * 64):
        with pytest.raises(TenantError, match="tenant name"):
            create_tenant(engine, bad)
    with pytest.raises(TenantError, match="no API key"):
        revoke_key(engine, "ffffffffffff")
    assert tenant_customer("alpha", "acme") == "alpha/acme"
