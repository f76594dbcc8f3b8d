"""The service on SQLite and on a throwaway PostgreSQL, with two tenants and their keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from billing.ledger import create_tenant, ensure_schema, make_engine
from ratecard.service import ServiceConfig, create_app
from tests.billing.ledger.conftest import (  # noqa: F401  (fixtures)
    DIALECTS,
    blank_database,
    new_database,
    pg_server,
    pg_template,
    sqlite_template,
)

DATA = Path(__file__).resolve().parents[3] / "data"


@dataclass
class Service:
    client: TestClient
    db: str
    keys: dict[str, str]  #: tenant -> key

    def auth(self, tenant: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[tenant]}"}


def make_service(db: str, **options: object) -> Service:
    engine = make_engine(db)
    ensure_schema(engine)
    keys = {name: create_tenant(engine, name).key for name in ("alpha", "beta")}
    engine.dispose()
    app = create_app(ServiceConfig(data=DATA, db=db, key_cache_seconds=0, **options))  # type: ignore[arg-type]
    return Service(TestClient(app), db, keys)


@pytest.fixture(params=DIALECTS)
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    db = new_database(request, str(request.param), tmp_path)
    svc = make_service(db)
    with svc.client:
        yield svc
    svc.client.app.state.ratecard.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_service(tmp_path: Path) -> Iterator[Service]:
    svc = make_service(f"sqlite:///{tmp_path / 'svc.db'}")
    with svc.client:
        yield svc
    svc.client.app.state.ratecard.engine.dispose()  # type: ignore[attr-defined]
