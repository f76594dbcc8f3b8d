"""``ratecard invoice --pdf``: an A4 PDF of one or two pages, white, printed by headless
Chromium; page 1 is rendered to PNG with poppler's ``pdftoppm`` under build/pdf-check/ to be
looked at (the test checks the page size, the page count and the white background)."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from billing.invoicing.lifecycle import invoice
from billing.invoicing.profiles import set_customer, set_issuer
from ratecard.cli import main
from tests.billing.ledger.helpers import event, line, store

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "build" / "pdf-check"


def _debian(binary: str, package: str) -> None:
    """Install ``package`` with apt-get when ``binary`` is missing (CI runs as root)."""
    if shutil.which(binary):
        return
    if os.geteuid() != 0:
        pytest.skip(f"{binary} is missing and apt-get needs root: apt-get install {package}")
    subprocess.run(["apt-get", "install", "-y", "-q", package], check=True, capture_output=True)


@pytest.fixture(scope="module")
def tools() -> None:
    _debian("chromium", "chromium")
    _debian("pdftoppm", "poppler-utils")


def _ppm_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and RGB bytes of a binary PPM (P6) file."""
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos : pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b"P6" and fields[3] == b"255"
    return int(fields[1]), int(fields[2]), data[pos + 1 :]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_pdf_is_a4_white_and_readable(
    tools: None, engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 539 web searches × 0.015 = 8.085 -> 8.09; 123456 input × 0.090 / 1M = 0.01111104 -> 0.01
    # subtotal 8.10; tax 8.10 × 0.20 = 1.62; total 9.72
    store(
        engine,
        event("acme", "e1", "2026-10-02T10:00:00Z", line("tool:web_search", 539, "0.015", "8.085")),
        event("acme", "e2", "2026-10-03T10:00:00Z", line("input", 123456, "0.090", "0.01111104")),
    )
    set_issuer(engine, name="Example AI Platform Ltd", address="1 Sample Street\nLondon")
    set_customer(
        engine,
        "acme",
        name="Acme Analytics GmbH",
        address="Musterstrasse 1\n10115 Berlin",
        tax_rate=Decimal("0.20"),
    )
    assert invoice(engine, "acme", "2026-10").total == Decimal("9.72")
    OUT.mkdir(parents=True, exist_ok=True)
    pdf = OUT / "invoice.pdf"
    pdf.unlink(missing_ok=True)
    argv = ["invoice", "--db", db_url, "--customer", "acme", "--period", "2026-10"]
    assert main([*argv, "--finalize", "--pdf", str(pdf)]) == 0
    capsys.readouterr()
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    fields = dict(
        (k.strip(), v.strip()) for k, _, v in (x.partition(":") for x in info.stdout.splitlines())
    )
    assert fields["Pages"] in ("1", "2")
    assert fields["Page size"].endswith("(A4)")  # 594.96 x 841.92 pts: 210 x 297 mm
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for shown in ("INV-000001", "Acme Analytics GmbH", "Musterstrasse 1", "Due date", "$9.72"):
        assert shown in text, shown
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(OUT / "page-1")],
        check=True,
    )  # fmt: skip
    assert (OUT / "page-1.png").stat().st_size > 10_000
    subprocess.run(
        ["pdftoppm", "-r", "20", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(OUT / "p")],
        check=True,
    )
    width, height, rgb = _ppm_pixels(OUT / "p.ppm")
    assert height > width  # portrait
    corners = [rgb[0:3], rgb[(width - 1) * 3 : width * 3], rgb[-3:]]
    assert all(px == b"\xff\xff\xff" for px in corners), corners  # no grey page background
    # the sample page is mostly white: the background is not tinted
    white = sum(1 for i in range(0, len(rgb), 3) if rgb[i : i + 3] == b"\xff\xff\xff")
    assert white / (width * height) > 0.8


def test_pdf_to_stdout_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "ledger.db"
    code = main(
        ["invoice", "--db", str(db), "--customer", "a", "--period", "2026-10", "--pdf", "-"]
    )
    assert code == 2 and "--pdf writes a file" in capsys.readouterr().err


def test_pdf_without_chromium_is_a_sentence_before_finalising(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATECARD_CHROMIUM", str(tmp_path / "no-such-browser"))
    db = tmp_path / "ledger.db"
    argv = ["invoice", "--db", str(db), "--customer", "a", "--period", "2026-10"]
    code = main([*argv, "--finalize", "--pdf", str(tmp_path / "x.pdf")])
    err = capsys.readouterr().err
    assert code == 2 and "--pdf needs Chromium" in err and "Traceback" not in err
    assert not db.exists()  # refused before the ledger was opened
