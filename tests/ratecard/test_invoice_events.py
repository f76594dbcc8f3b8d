"""``ratecard invoice --with-events`` in every output format: text, JSON, CSV, HTML and PDF.

Each lists the events billed on the invoice with their exact charges and the period's
unpriceable events marked "not billed, under review", and the events' charges add up to the
invoice's exact total. Every amount is written out by hand from the seed's price table:
qwen3-5-flash input 0.090 and output 0.368 per 1M tokens, web search 0.015 per call.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ratecard.cli import main
from tests.billing.ledger.helpers import event, line, store

# evt-1: 123456 input × 0.090 / 1M = 0.01111104; 1000 output × 0.368 / 1M = 0.000368
#        event total 0.01111104 + 0.000368 = 0.01147904
# evt-2: 100000 input × 0.090 / 1M = 0.009; 3 web searches × 0.015 = 0.045; total 0.054
# lines: input 0.02011104 -> 0.02, output 0.000368 -> 0.00, web search 0.045 -> 0.05
# invoice total 0.07; exact total 0.01147904 + 0.054 = 0.06547904 (the events' sum)
EVENTS = (
    event(
        "acme",
        "evt-1",
        "2026-11-03T10:00:00Z",
        line("input", 123456, "0.090", "0.01111104"),
        line("output", 1000, "0.368", "0.000368"),
    ),
    event(
        "acme",
        "evt-2",
        "2026-11-20T08:30:00Z",
        line("input", 100000, "0.090", "0.009"),
        line("tool:web_search", 3, "0.015", "0.045", unit="call"),
    ),
    event("acme", "bad-1", "2026-11-04T00:00:00Z", error="unknown model 'runware:x'"),
)
HELD = "not billed, under review: unknown model 'runware:x'"


@pytest.fixture
def argv(engine: Engine, db_url: str) -> list[str]:
    store(engine, *EVENTS)
    return ["invoice", "--db", db_url, "--customer", "acme", "--period", "2026-11"]


def test_text_lists_each_event_with_its_charge(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--with-events"]) == 0
    out = capsys.readouterr().out
    rows = out.split("Events: ", 1)[1].splitlines()
    assert rows[0] == "2 billed, 1 not billed (under review)"
    assert rows[1].split() == ["EVENT", "TIME", "(UTC)", "MODEL", "CHARGE"]
    cells = [row.split(None, 4) for row in rows[2:5]]
    assert cells == [
        ["evt-1", "2026-11-03", "10:00:00", "qwen3-5-flash", "0.01147904"],
        ["evt-2", "2026-11-20", "08:30:00", "qwen3-5-flash", "0.054"],
        ["bad-1", "2026-11-04", "00:00:00", "qwen3-5-flash", HELD],
    ]
    assert rows[5] == (
        "The 2 billed events add up to 0.06547904 USD, the exact usage total; each line "
        "rounded half up to the cent gives the subtotal 0.07."
    )
    assert "TOTAL USD 0.07" in out
    # without the flag there is no events listing
    assert main(argv) == 0
    assert "Events:" not in capsys.readouterr().out


def test_json_carries_the_events_and_their_sum(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--with-events", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    got = [(e["id"], e["status"], e["amount"], e["reason"]) for e in doc["event_charges"]]
    assert got == [
        ("evt-1", "billed", "0.01147904", None),
        ("evt-2", "billed", "0.054", None),
        ("bad-1", "unpriceable", None, "unknown model 'runware:x'"),
    ]
    assert doc["event_charges"][0]["time"] == "2026-11-03T10:00:00+00:00"
    assert doc["event_charges"][0]["offering"] == "empiriolabs/qwen3-5-flash"
    assert doc["event_charges_total"] == doc["precise_total"] == "0.06547904"
    billed = sum(Decimal(e["amount"]) for e in doc["event_charges"] if e["amount"])
    assert billed == Decimal(doc["precise_total"])
    assert doc["total"] == "0.07" and doc["unpriceable_events"] == 1
    assert [x["event_ids"] for x in doc["lines"]] == [["evt-1", "evt-2"], ["evt-1"], ["evt-2"]]
    assert main([*argv, "--json", "-"]) == 0
    assert "event_charges" not in json.loads(capsys.readouterr().out)


def test_csv_has_event_rows_after_the_totals(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--with-events", "--csv", "-"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["kind"] for r in rows] == [
        "line",
        "line",
        "line",
        "total",
        "event",
        "event",
        "unpriceable_event",
        "events_total",
    ]
    assert [r["event_ids"] for r in rows[:3]] == ["evt-1 evt-2", "evt-1", "evt-2"]
    events = [(r["event_ids"], r["precise_amount"], r["amount"], r["note"]) for r in rows[4:7]]
    assert events == [
        ("evt-1", "0.01147904", "", ""),
        ("evt-2", "0.054", "", ""),
        ("bad-1", "", "", HELD),
    ]
    assert rows[4]["date"] == "2026-11-03T10:00:00+00:00"
    total = next(r for r in rows if r["kind"] == "total")
    assert rows[-1]["precise_amount"] == total["precise_amount"] == "0.06547904"
    assert total["amount"] == "0.07"


def test_html_lists_the_events_and_marks_those_held_back(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "invoice.html"
    assert main([*argv, "--with-events", "--html", str(page)]) == 0
    html = page.read_text()
    assert "Usage events on this invoice" in html
    assert (
        "<tr><td>evt-1</td><td>2026-11-03 10:00:00</td><td>qwen3-5-flash</td>"
        '<td class="num">0.01147904</td></tr>'
    ) in html
    assert '<tr class="held"><td>bad-1</td>' in html
    assert "not billed, under review" in html
    assert "add up to 0.06547904 USD" in html
    capsys.readouterr()
    assert main([*argv, "--html", str(page)]) == 0
    assert "Usage events on this invoice" not in page.read_text()


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_pdf_lists_the_events(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.billing.invoicing.test_pdf import _debian

    _debian("chromium", "chromium")
    _debian("pdftotext", "poppler-utils")
    pdf = tmp_path / "invoice.pdf"
    assert main([*argv, "--with-events", "--pdf", str(pdf)]) == 0
    capsys.readouterr()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "USAGE EVENTS ON THIS INVOICE" in text.upper()
    for shown in ("evt-1", "0.01147904", "evt-2", "0.054", "bad-1", "not billed, under review"):
        assert shown in text, shown
    assert "add up to 0.06547904 USD" in " ".join(text.split())


def test_late_usage_is_listed_with_its_month(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # evt-1 finalises November; evt-2 (November) arrives late and is billed in December
    # with evt-3: 1000 input × 0.090 / 1M = 0.00009. December's exact total:
    # 0.00009 + 0.054 = 0.05409
    store(engine, EVENTS[0])
    argv = ["invoice", "--db", db_url, "--customer", "acme"]
    assert main([*argv, "--period", "2026-11", "--finalize", "--force"]) == 0
    store(
        engine,
        EVENTS[1],
        event("acme", "evt-3", "2026-12-01T00:00:00Z", line("input", 1000, "0.090", "0.00009")),
    )
    capsys.readouterr()
    assert main([*argv, "--period", "2026-12", "--with-events", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    got = [(e["id"], e["period"], e["amount"]) for e in doc["event_charges"]]
    assert got == [("evt-2", "2026-11", "0.054"), ("evt-3", "2026-12", "0.00009")]
    assert doc["event_charges_total"] == doc["precise_total"] == "0.05409"
    assert main([*argv, "--period", "2026-12", "--with-events"]) == 0
    assert "qwen3-5-flash (late, 2026-11)" in capsys.readouterr().out


def test_csv_exact_total_sits_beside_the_amount_it_rounds_to(
    engine: Engine, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from decimal import Decimal as D

    from billing.invoicing.profiles import set_customer

    # tax 0.20 on the subtotal 0.07: 0.014 -> 0.01; total 0.08. The exact usage total
    # 0.06547904 belongs beside the subtotal 0.07, not beside the total with tax 0.08.
    set_customer(engine, "acme", tax_rate=D("0.20"))
    assert main([*argv, "--with-events", "--csv", "-"]) == 0
    rows = {r["kind"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert (rows["subtotal"]["amount"], rows["subtotal"]["precise_amount"]) == (
        "0.07",
        "0.06547904",
    )
    assert (rows["tax"]["amount"], rows["total"]["amount"]) == ("0.01", "0.08")
    assert rows["total"]["precise_amount"] == ""
    assert rows["events_total"]["precise_amount"] == "0.06547904"


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_a_void_invoice_still_lists_the_events_it_billed(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # voiding releases the charges for a new invoice; the void one keeps its lines, and its
    # events are still those lines' events: 0.01147904 + 0.054 = 0.06547904
    assert main([*argv, "--finalize", "--force"]) == 0
    capsys.readouterr()
    assert main([*argv, "--void", "--with-events", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "void"
    assert [e["id"] for e in doc["event_charges"] if e["status"] == "billed"] == ["evt-1", "evt-2"]
    assert doc["event_charges_total"] == doc["precise_total"] == "0.06547904"
