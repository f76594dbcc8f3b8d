"""``ratecard rate``: the sample period re-rated in SQL equals the stored charges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ratecard.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "usage-2026-11.jsonl"


def test_rate_matches_stored_charges(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ingest", "--db", db_url, str(SAMPLE)])
    capsys.readouterr()
    code = main(["rate", "--db", db_url, "--period", "2026-11", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["differences"] == 0
    # the three records ingest rejected as unpriceable: unknown model, beyond the top tier,
    # an unpublished price; counted, never charged 0
    assert doc["unrated_events"] == 3
    assert sorted(e["reason"] for e in doc["errors"]) == [
        "a token rate is unpublished or not applicable and the count is above 0",
        "the count is beyond the top price tier",
        "unknown offering",
    ]
    # the same stable codes billing.price gives (PricingError.code)
    assert sorted(e["code"] for e in doc["errors"]) == [
        "beyond_top_tier",
        "token_rate_unavailable",
        "unknown_offering",
    ]
    assert code == 1
    web = [ln for ln in doc["lines"] if ln["charge"] == "request:web_search"]
    assert web and all(ln["unit_price"] == "0.01" for ln in web)
    main(["rate", "--db", db_url, "--period", "2026-11", "--show-sql"])
    assert "GROUP BY" in capsys.readouterr().out


def _rated(doc: dict[str, object]) -> list[tuple[object, ...]]:
    """The rated part of each line (the stored side is absent without a ledger)."""
    keys = ("customer", "offering", "price_version", "tier", "charge", "unit", "unit_price")
    lines = doc["lines"]
    assert isinstance(lines, list)
    return [tuple(ln[k] for k in (*keys, "quantity", "events", "amount")) for ln in lines]


def test_rate_on_duckdb_equals_the_database(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", "--db", db_url, str(SAMPLE)])
    capsys.readouterr()
    main(["rate", "--db", db_url, "--period", "2026-11", "--json"])
    own = json.loads(capsys.readouterr().out)
    code = main(["rate", "--db", db_url, "--period", "2026-11", "--engine", "duckdb", "--json"])
    duck = json.loads(capsys.readouterr().out)
    assert code == 1  # the three unpriceable records, as on the database
    assert (own["engine"], duck["engine"]) == (own["engine"], "duckdb")
    assert own["engine"] in ("sqlite", "postgresql")
    assert duck["lines"] == own["lines"] and duck["differences"] == 0
    assert duck["errors"] == own["errors"]
    # the Parquet export, rated without the ledger
    out = tmp_path / "export"
    main(["export-events", "--db", db_url, "--period", "2026-11", "--out", str(out), "--json"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    # 634 lines, 3 of them retries of an id already sent (duplicates, stored once)
    assert rows["usage_events"] == 631
    main(["rate", "--events", str(out), "--period", "2026-11", "--engine", "duckdb", "--json"])
    files = json.loads(capsys.readouterr().out)
    assert _rated(files) == _rated(own)
    assert files["errors"] == own["errors"]
    # no ledger, nothing compared: every stored field null, not 0
    assert files["differences"] is None
    stored = ("same", "stored_quantity", "stored_amount", "difference")
    assert all(ln[k] is None for ln in files["lines"] for k in stored)


def test_rate_on_spark_equals_the_database(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "ledger.db")
    main(["ingest", "--create", "--db", db, str(SAMPLE)])
    main(["export-events", "--db", db, "--period", "2026-11", "--out", str(tmp_path / "x")])
    capsys.readouterr()
    main(["rate", "--db", db, "--period", "2026-11", "--json"])
    own = json.loads(capsys.readouterr().out)
    args = ["rate", "--events", str(tmp_path / "x"), "--period", "2026-11", "--json"]
    code = main([*args, "--engine", "spark", "--spark-master", "local[2]"])
    on_spark = json.loads(capsys.readouterr().out)
    assert code == 1 and on_spark["engine"] == "spark"
    assert _rated(on_spark) == _rated(own)
    assert on_spark["errors"] == own["errors"]


def test_engine_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rate", "--period", "2026-11", "--events", "x"]) == 2
    assert "--events needs --engine duckdb" in capsys.readouterr().err
