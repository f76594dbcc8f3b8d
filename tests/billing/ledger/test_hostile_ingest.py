"""The hostile usage records of tests/hostile/records/ ingested on SQLite and PostgreSQL:
the same lines are refused with the same sentences on both (ids over 200 characters, tool
names over 100, NUL characters, unpaired surrogates, repeated keys, numbers out of range),
and the good lines after them are stored."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[3]
RECORDS = ROOT / "tests" / "hostile" / "records" / "hostile.jsonl"
EXPECTED = {
    int(k): v
    for k, v in json.loads((RECORDS.parent / "expected.json").read_text(encoding="utf-8")).items()
}


def test_hostile_lines_are_rejects_and_the_file_goes_on(
    db_url: str, engine: Engine, tmp_path: Path, capsys: object
) -> None:
    rejects = tmp_path / "rejects.jsonl"
    code = main(["ingest", "--db", db_url, "--rejects", str(rejects), "--json", str(RECORDS)])
    assert code == 1
    found = {r["line"]: r for r in map(json.loads, rejects.read_text().splitlines())}
    assert set(found) == set(EXPECTED)
    for line, expected in EXPECTED.items():
        assert expected in found[line]["error"], found[line]
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT event_id, status FROM usage_events ORDER BY event_id")
        ).all()
    # line 19 (10^16 prompt tokens) is stored as unpriceable; the lines whose text cannot be
    # stored are not; evt-001, evt-005 and evt-021 are priced
    assert [tuple(r) for r in stored] == [
        ("evt-001", "priced"),
        ("evt-005", "priced"),
        ("evt-019", "unpriceable"),
        ("evt-021", "priced"),
    ]
