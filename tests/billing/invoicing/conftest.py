from tests.billing.ledger.conftest import (  # noqa: F401  (the ledger's database fixtures)
    db_url,
    dialect,
    engine,
    pg_server,
    pg_template,
    shared_engine,
    sqlite_template,
)
