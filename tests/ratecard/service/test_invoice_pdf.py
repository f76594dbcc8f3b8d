"""``GET /v1/invoices/{number}`` with ``Accept: application/pdf``: the invoice printed by
Debian's headless chromium (as ``ratecard invoice --pdf``), and a 503 problem with a sentence
on a server without it."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from .conftest import Service
from .test_browser import chromium
from .test_service import is_problem, ndjson, record


def _final_invoice(svc: Service) -> str:
    c, auth = svc.client, svc.auth("alpha")
    nd = {**auth, "Content-Type": "application/x-ndjson"}
    assert c.post("/v1/events", content=ndjson(record("p1")), headers=nd).json()["ingested"] == 1
    final = c.post("/v1/customers/acme/invoices/2026-11/finalize?force=true", headers=auth)
    assert final.status_code == 200, final.text
    number: str = final.json()["document_number"]
    return number


def _pages(pdf: bytes) -> int:
    """The page count: pdfinfo (poppler) when installed, else the page objects."""
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
        found = re.search(rb"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
        assert found is not None, info.stdout
        return int(found.group(1))
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_invoice_as_pdf(sqlite_service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CHROMIUM", chromium())
    number = _final_invoice(sqlite_service)
    got = sqlite_service.client.get(
        f"/v1/invoices/{number}",
        headers={**sqlite_service.auth("alpha"), "Accept": "application/pdf"},
    )
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == f'inline; filename="{number}.pdf"'
    assert got.content.startswith(b"%PDF-")
    assert got.content.rstrip().endswith(b"%%EOF")
    # one usage line, one customer: the A4 invoice fits on one page
    assert _pages(got.content) == 1
    # q-values: PDF preferred over HTML when the client says so
    preferred = sqlite_service.client.get(
        f"/v1/invoices/{number}",
        headers={
            **sqlite_service.auth("alpha"),
            "Accept": "text/html;q=0.5, application/pdf",
        },
    )
    assert preferred.headers["content-type"] == "application/pdf"
    # another tenant's invoice is not found, in PDF as in JSON
    other = sqlite_service.client.get(
        f"/v1/invoices/{number}",
        headers={**sqlite_service.auth("beta"), "Accept": "application/pdf"},
    )
    is_problem(other, 404)


def test_pdf_without_chromium(sqlite_service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CHROMIUM", "/nonexistent/chromium")
    number = _final_invoice(sqlite_service)
    got = sqlite_service.client.get(
        f"/v1/invoices/{number}",
        headers={**sqlite_service.auth("alpha"), "Accept": "application/pdf"},
    )
    problem = is_problem(got, 503)
    assert "Chromium is not installed" in str(problem["detail"])
    # the other formats still answer
    html = sqlite_service.client.get(
        f"/v1/invoices/{number}", headers={**sqlite_service.auth("alpha"), "Accept": "text/html"}
    )
    assert html.status_code == 200
