"""Issue 10, fault 5: an event that cannot be priced because of its counts keeps every field
that could be read, above all its time and period, so invoices and ``ratecard rate`` count it
as unpriceable in its period."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from billing.invoicing.lifecycle import invoice
from ratecard.cli import main


def _rec(i: int, model: str, usage: dict[str, object]) -> str:
    return json.dumps(
        {
            "id": f"u-{i}",
            "customer": "acme",
            "model": model,
            "timestamp": "2026-11-15T12:00:00Z",
            "usage": usage,
        }
    )


def test_four_events_three_unpriceable(db_url: str, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_text(
        "\n".join(
            [
                _rec(1, "qwen3-5-4b", {"prompt_tokens": 10, "completion_tokens": 5}),
                _rec(2, "no-such-model", {"prompt_tokens": 10, "completion_tokens": 5}),
                _rec(3, "qwen3-5-4b", {"prompt_tokens": -1, "completion_tokens": 5}),
                _rec(
                    4,
                    "qwen3-5-4b",
                    {
                        "prompt_tokens": 10,
                        "completion_tokens": 5,
                        "prompt_tokens_details": {"cached_tokens": 11},
                    },
                ),
            ]
        )
        + "\n"
    )
    assert main(["ingest", "--db", db_url, str(path)]) == 1  # three rejected
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT event_id, status, period, event_time FROM usage_events ORDER BY event_id")
        ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("u-1", "priced", "2026-11"),
        ("u-2", "unpriceable", "2026-11"),
        ("u-3", "unpriceable", "2026-11"),
        ("u-4", "unpriceable", "2026-11"),
    ]
    assert all(r[3] is not None for r in rows)
    view = invoice(engine, "acme", "2026-11")
    assert view.unpriceable_events == 3
