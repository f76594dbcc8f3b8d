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
    assert code == 1
    web = [ln for ln in doc["lines"] if ln["charge"] == "request:web_search"]
    assert web and all(ln["unit_price"] == "0.01" for ln in web)
    main(["rate", "--db", db_url, "--period", "2026-11", "--show-sql"])
    assert "GROUP BY" in capsys.readouterr().out
