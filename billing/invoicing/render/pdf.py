"""The invoice as PDF: the HTML rendering printed by headless Chromium (A4, white page).

Chromium's print-to-PDF is the renderer: a maintained engine whose layout is the one the
HTML invoice was designed in, so the PDF matches what a browser shows and prints. It is
found as ``$RATECARD_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on ``PATH``
(Debian: ``apt-get install chromium``). It runs with a fresh profile in a temporary
directory, no network services, no sandbox (containers) and no header or footer; the page
size and margins come from the HTML's ``@page`` rule (A4, 18 mm) and its print style drops
the grey screen background.

Errors: :class:`PdfError` with a sentence (no Chromium, it failed or timed out, or it wrote
no PDF). The output file is written whole or not at all (a temporary file, then renamed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..view import InvoiceView
from .html import invoice_html

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


class PdfError(Exception):
    """The PDF could not be made (the message says why and what to install)."""


def chromium_path() -> str | None:
    """The Chromium executable: ``$RATECARD_CHROMIUM``, else ``chromium`` or
    ``chromium-browser`` on ``PATH``; None when there is none."""
    chosen = os.environ.get("RATECARD_CHROMIUM")
    if chosen:
        return shutil.which(chosen)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_to_pdf(html: str, out: Path, *, timeout: float = 120.0) -> None:
    """Print ``html`` to the PDF file ``out`` with headless Chromium (see the module)."""
    browser = chromium_path()
    if browser is None:
        raise PdfError(
            "--pdf needs Chromium: install it (Debian: apt-get install chromium) or set "
            "RATECARD_CHROMIUM to its path"
        )
    with tempfile.TemporaryDirectory(prefix="ratecard-pdf-") as tmp:
        page = Path(tmp) / "invoice.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(tmp) / "invoice.pdf"
        argv = [
            browser,
            *_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={printed}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not print the invoice within {timeout:g} s") from None
        except OSError as exc:
            raise PdfError(f"Chromium could not be started ({exc.strerror})") from None
        if not printed.is_file() or printed.read_bytes()[:5] != b"%PDF-":
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise PdfError(
                f"Chromium wrote no PDF (exit status {done.returncode}) {tail[0][:200]}".strip()
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        shutil.copyfile(printed, partial)
        os.replace(partial, out)


def invoice_pdf(view: InvoiceView, out: Path, *, timeout: float = 120.0) -> None:
    """Write the invoice as an A4 PDF to ``out`` (the HTML rendering, printed)."""
    html_to_pdf(invoice_html(view), out, timeout=timeout)


__all__ = ["PdfError", "chromium_path", "html_to_pdf", "invoice_pdf"]
