"""The ledger, with an API key: ``POST /v1/events`` and the invoice routes.

A tenant's customer ``acme`` is the ledger's customer ``<tenant>/acme``
(:func:`billing.ledger.tenant_customer`), so every query stays inside the tenant: another
tenant's customer or invoice is simply not found (404, never 403, never data). Answers
name the customer as the tenant knows it.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import threading
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path as FilePath
from typing import Any

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from billing import loads, period_of, period_problem
from billing.invoicing import (
    InvoiceError,
    InvoiceView,
    PdfError,
    chromium_path,
    credit_note,
    credit_note_doc,
    customer_exists,
    customer_invoices,
    invoice,
    invoice_by_number,
    invoice_csv,
    invoice_doc,
    invoice_html,
    invoice_pdf,
    void,
)
from billing.ledger import Problem, ingest_lines, tenant_customer, tenant_issuer
from catalog import dump_request

from .problems import ProblemError, problem_responses
from .state import ServiceState, json_response, state_of

router = APIRouter(tags=["ledger"])

_KEY: list[dict[str, list[str]]] = [{"bearer": []}]
NDJSON = "application/x-ndjson"
#: the ledger's column holds 200 characters: the tenant prefix takes its share
_CUSTOMER_MAX = 200
_PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"

_CUSTOMER_PATH = Path(min_length=1, max_length=128, pattern=r"^[^/]+$")
_PERIOD_PATH = Path(pattern=_PERIOD, description="a UTC calendar month, YYYY-MM")


#: a usage record as POST /v1/events reads it (README: the usage record format); the service
#: checks each record itself and reports one that breaks it as a problem at its position
_RECORD = {
    "type": "object",
    "required": ["id", "customer", "model", "timestamp", "usage"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
        "customer": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^/]+$"},
        "model": {"type": "string", "examples": ["qwen3-5-4b"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "usage": {
            "type": "object",
            "properties": {
                "prompt_tokens": {"type": "integer", "minimum": 0},
                "completion_tokens": {"type": "integer", "minimum": 0},
            },
        },
    },
}
_ITEM = {
    **_RECORD,
    "description": "a usage record (README: the usage record format); an element that is not "
    "one is not refused with the batch: it is reported as a problem at its position, and the "
    "rest are stored",
}
_INGEST_ANSWER = {
    "type": "object",
    "required": ["lines", "ingested", "duplicates", "conflicts", "rejected", "problems"],
    "properties": {
        "lines": {"type": "integer"},
        "ingested": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "conflicts": {"type": "integer"},
        "invalid": {"type": "integer"},
        "unpriceable": {"type": "integer"},
        "rejected": {"type": "integer"},
        "interrupted": {"type": "boolean"},
        "problems": {"type": "array", "items": {"type": "object"}},
        "invoices": {
            "description": "the (customer, period) of every record read: the invoices the "
            "batch may have changed",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["customer", "period"],
                "properties": {"customer": {"type": "string"}, "period": {"type": "string"}},
            },
        },
    },
}
#: OpenAPI links: how a client goes from one answer to the next call (the stateful
#: schemathesis test follows them: events -> invoices -> finalise -> invoice, credit, void)
_FROM_EVENTS = {
    "customer": "$response.body#/invoices/0/customer",
    "period": "$response.body#/invoices/0/period",
}
_SAME_INVOICE = {"customer": "$request.path.customer", "period": "$request.path.period"}
_EVENT_LINKS = {
    "ListTheInvoice": {
        "operationId": "listInvoices",
        "parameters": _FROM_EVENTS,
        "description": "the draft invoice the first record's usage went to",
    },
    "FinalizeTheInvoice": {"operationId": "finalizeInvoice", "parameters": _FROM_EVENTS},
}
_LIST_LINKS = {
    "FinalizeListed": {
        "operationId": "finalizeInvoice",
        "parameters": {
            "customer": "$request.path.customer",
            "period": "$response.body#/data/0/period",
        },
    },
    "GetListed": {
        "operationId": "getInvoice",
        "parameters": {"number": "$response.body#/data/0/document_number"},
    },
}
_FINAL_LINKS = {
    "GetByNumber": {
        "operationId": "getInvoice",
        "parameters": {"number": "$response.body#/document_number"},
    },
    "CreditIt": {"operationId": "creditInvoice", "parameters": _SAME_INVOICE},
    "VoidIt": {"operationId": "voidInvoice", "parameters": _SAME_INVOICE},
}
_VOID_LINKS = {
    "ListAfterVoid": {"operationId": "listInvoices", "parameters": _SAME_INVOICE},
    "FinalizeAgain": {"operationId": "finalizeInvoice", "parameters": _SAME_INVOICE},
}


def _answer(description: str, links: dict[str, Any], schema: Any = None) -> dict[int | str, Any]:
    doc: dict[str, Any] = {"description": description, "links": links}
    if schema is not None:
        doc["content"] = {"application/json": {"schema": schema}}
    return {200: doc}


def _tenant_pricer(
    base: Callable[[str, int], Any], tenant: str, touched: set[tuple[str, str]]
) -> Callable[[str, int], Any]:
    """``base`` for the tenant's customers; ``touched`` collects the (customer, period) of
    every record that names both (the invoices the batch may change)."""
    prefix = tenant_customer(tenant, "")

    def prepare(text: str, line: int) -> Any:
        item = base(text, line)
        if isinstance(item, Problem):
            return item
        if item.timestamp is not None:
            touched.add((item.customer, period_of(item.timestamp)))
        code = prefix + item.customer
        if len(code) > _CUSTOMER_MAX:
            limit = _CUSTOMER_MAX - len(prefix)
            return Problem(
                line,
                "invalid",
                f"the customer id is longer than {limit} characters",
                item.event_id,
                item.customer,
                text,
            )
        return dataclasses.replace(item, customer=code)

    return prepare


def _plain(problem: Problem, prefix: str) -> dict[str, Any]:
    customer = problem.customer
    message = problem.message
    if customer is not None and customer.startswith(prefix):
        plain = customer[len(prefix) :]
        message = message.replace(f"customer {customer} ", f"customer {plain} ")
        customer = plain
    return {
        "line": problem.line,
        "id": problem.event_id,
        "customer": customer,
        "kind": problem.kind,
        "reason": message,
    }


def _event_lines(text: str, media: str) -> list[tuple[int, str]]:
    """(line, record text): JSON Lines, or the elements of a JSON array (line = 1-based
    position in the array)."""
    if media == "application/json" or (media != NDJSON and text.lstrip().startswith("[")):
        try:
            items = loads(text)
        except (ValueError, RecursionError) as exc:
            raise ProblemError(
                400, f"the body is not a JSON array of usage records: {exc}"
            ) from None
        if not isinstance(items, list):
            raise ProblemError(
                400,
                "a JSON body must be an array of usage records; send one record per line "
                "with Content-Type: application/x-ndjson",
            )
        return [(n, dump_request(item)) for n, item in enumerate(items, 1)]
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


@router.post(
    "/v1/events",
    summary="Ingest usage events",
    description="Usage records (README: the usage record format) as JSON Lines "
    "(`Content-Type: application/x-ndjson`) or as a JSON array. Each is priced and stored "
    "once per (tenant, customer, id), exactly as `ratecard ingest`: the same id with the "
    "same payload is a duplicate (nothing changes), with a different payload a conflict (not "
    "stored). A client that retries a batch stores nothing twice. The answer counts `lines`, "
    "`ingested` (stored), `duplicates`, `conflicts` and `rejected` (unpriceable, stored but "
    "never charged, plus invalid), and lists each problem with its `line` and `reason`. "
    "Everything counted is committed before the answer is sent. `invoices` names the "
    "(customer, period) of every record read: the drafts the batch may have changed.",
    status_code=200,
    operation_id="ingestEvents",
    openapi_extra={
        "security": _KEY,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": _ITEM}},
                NDJSON: {"schema": {"description": "JSON Lines: one usage record per line"}},
            },
        },
    },
    responses={
        **_answer("what was stored", _EVENT_LINKS, _INGEST_ANSWER),
        **problem_responses(400, 401, 413),
    },
)
async def ingest(request: Request) -> Response:
    state = state_of(request)
    tenant = await state.tenant(request)
    assert tenant is not None
    text = await state.text(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    lines = _event_lines(text, media)
    limit = state.config.max_batch_lines
    if len(lines) > limit:
        raise ProblemError(
            413,
            f"the request holds {len(lines):,} records; this service takes at most {limit:,} "
            "per request: send them in smaller batches",
        )
    touched: set[tuple[str, str]] = set()
    pricer = _tenant_pricer(state.pricer, tenant, touched)
    summary = await run_in_threadpool(
        ingest_lines, state.engine, lines, pricer, batch_size=max(len(lines), 1)
    )
    metrics = state.metrics
    metrics.events_stored.inc(summary.ingested)
    metrics.events_duplicates.inc(summary.duplicates)
    for problem in summary.problems:
        metrics.event_rejects.labels(problem.kind).inc()
    prefix = tenant_customer(tenant, "")
    doc = {
        **summary.as_json(),
        "problems": [_plain(p, prefix) for p in summary.problems],
        "invoices": [{"customer": c, "period": p} for c, p in sorted(touched)],
    }
    return json_response(doc)


# -- invoices -------------------------------------------------------------------------


def _shown(view: InvoiceView, customer: str) -> InvoiceView:
    return dataclasses.replace(view, customer=customer)


async def _ledger(
    state: ServiceState, customer: str, tenant: str, work: Callable[[str], Any]
) -> Any:
    """Run ``work(code)`` in a thread; InvoiceError becomes a problem worded for the
    tenant (its own customer id, not the ledger's)."""
    code = tenant_customer(tenant, customer)
    try:
        return await run_in_threadpool(work, code)
    except InvoiceError as exc:
        message = str(exc).replace(repr(code), repr(customer)).replace(code, customer)
        status = 404 if message.startswith("unknown customer") else 409
        raise ProblemError(status, message) from None


def _period_query(period: str | None) -> str | None:
    """A period in a path or query: a 422 problem unless it is a calendar month
    (billing.period: years 0001 to 9999)."""
    why = None if period is None else period_problem(period)
    if why is not None:
        raise ProblemError(
            422, f"period must be YYYY-MM (for example 2026-11), got {period!r}: {why}"
        )
    return period


@router.get(
    "/v1/customers/{customer}/invoices",
    summary="A customer's invoices",
    description="Without `period`: every stored invoice of the customer (void ones "
    "included). With `period`: that month's invoice, a draft regenerated from the charges "
    "now (as `ratecard invoice`), or the final one.",
    operation_id="listInvoices",
    openapi_extra={"security": _KEY},
    responses={
        **_answer("the invoices", _LIST_LINKS),
        **problem_responses(401, 404, 409, 422),
    },
)
async def list_invoices(
    request: Request,
    customer: str = _CUSTOMER_PATH,
    period: str | None = Query(None, pattern=_PERIOD, description="YYYY-MM"),
) -> Response:
    state = state_of(request)
    tenant = await state.tenant(request)
    assert tenant is not None
    _period_query(period)

    def work(code: str) -> list[InvoiceView]:
        if period is not None:
            return [invoice(state.engine, code, period, catalog=state.catalog)]
        if not customer_exists(state.engine, code):
            raise InvoiceError(f"unknown customer {code!r}: no usage has been ingested for it")
        return customer_invoices(state.engine, code)

    views = await _ledger(state, customer, tenant, work)
    return json_response(
        {"object": "list", "data": [invoice_doc(_shown(v, customer)) for v in views]}
    )


@router.post(
    "/v1/customers/{customer}/invoices/{period}/finalize",
    summary="Finalise the period's invoice",
    description="Regenerate the draft, freeze it and give it the next gapless number; an "
    "invoice that is already final is returned as it is. Refused (409) while the issuer is "
    "the placeholder (`ratecard issuer set`), and, unless `force=true`, for a period that "
    "has not ended or an invoice without usage.",
    operation_id="finalizeInvoice",
    openapi_extra={"security": _KEY},
    responses={
        **_answer("the final invoice", _FINAL_LINKS),
        **problem_responses(401, 404, 409, 422),
    },
)
async def finalize(
    request: Request,
    customer: str = _CUSTOMER_PATH,
    period: str = _PERIOD_PATH,
    force: bool = Query(
        False, description="issue it even if the period has not ended or it has no usage"
    ),
) -> Response:
    state = state_of(request)
    tenant = await state.tenant(request)
    assert tenant is not None
    _period_query(period)
    view = await _ledger(
        state,
        customer,
        tenant,
        lambda code: invoice(
            state.engine, code, period, finalize=True, catalog=state.catalog, force=force
        ),
    )
    return json_response(invoice_doc(_shown(view, customer)))


@router.post(
    "/v1/customers/{customer}/invoices/{period}/void",
    summary="Void the period's finalised invoice",
    description="It keeps its number and lines; its charges are released to be invoiced "
    "again. A draft, or an invoice with credit notes, cannot be voided (409).",
    operation_id="voidInvoice",
    openapi_extra={"security": _KEY},
    responses={
        **_answer("the void invoice", _VOID_LINKS),
        **problem_responses(401, 404, 409, 422),
    },
)
async def void_invoice(
    request: Request, customer: str = _CUSTOMER_PATH, period: str = _PERIOD_PATH
) -> Response:
    state = state_of(request)
    tenant = await state.tenant(request)
    assert tenant is not None
    _period_query(period)
    view = await _ledger(state, customer, tenant, lambda code: void(state.engine, code, period))
    return json_response(invoice_doc(_shown(view, customer)))


_CREDIT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["amount", "reason"],
                "properties": {
                    "amount": {
                        "type": "string",
                        "pattern": r"^[0-9]+(\.[0-9]+)?$",
                        "description": "a decimal amount in the invoice's currency, e.g. 1.50",
                    },
                    "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
                },
                "additionalProperties": False,
            }
        }
    },
}


@router.post(
    "/v1/customers/{customer}/invoices/{period}/credit-notes",
    summary="Credit part of a finalised invoice",
    description="Issue a credit note (the next gapless `CN-` number). Credit notes together "
    "never exceed the invoice (409 beyond it).",
    status_code=201,
    operation_id="creditInvoice",
    openapi_extra={"security": _KEY, "requestBody": _CREDIT_BODY},
    responses=problem_responses(400, 401, 404, 409, 413, 422),
)
async def credit(
    request: Request, customer: str = _CUSTOMER_PATH, period: str = _PERIOD_PATH
) -> Response:
    state = state_of(request)
    tenant = await state.tenant(request)
    assert tenant is not None
    _period_query(period)
    text = await state.text(request)
    try:
        body = loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(400, f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict) or set(body) != {"amount", "reason"}:
        raise ProblemError(
            422, 'the body must be {"amount": "1.50", "reason": "why"} and nothing else'
        )
    raw_amount, reason = body["amount"], body["reason"]
    if not isinstance(raw_amount, str) or not isinstance(reason, str) or not reason.strip():
        raise ProblemError(422, 'amount must be a decimal string ("1.50") and reason a sentence')
    try:
        amount = Decimal(raw_amount)
    except InvalidOperation:
        raise ProblemError(422, f"amount must be a decimal number, got {raw_amount!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise ProblemError(422, f"amount must be a positive amount, got {raw_amount!r}")
    note = await _ledger(
        state,
        customer,
        tenant,
        lambda code: credit_note(state.engine, code, period, amount, reason),
    )
    doc = credit_note_doc(dataclasses.replace(note, customer=customer))
    return json_response(doc, status=201)


_FORMATS = {
    "application/json": "json",
    "text/csv": "csv",
    "text/html": "html",
    "application/pdf": "pdf",
}
#: Chromium takes a few hundred MiB and most of a core per print: at most two at a time
#: (taken in the worker thread, so a waiting print never blocks the event loop)
_PDF_PRINTS = threading.BoundedSemaphore(2)
_PDF_TIMEOUT = 60.0
_NO_CHROMIUM = (
    "this server cannot render PDF invoices: Chromium is not installed here (Debian: "
    "apt-get install chromium, or set RATECARD_CHROMIUM); ask for text/html and print it, "
    "or try again once it is installed"
)


def _pdf_bytes(view: InvoiceView) -> bytes:
    """The invoice printed by headless Chromium (billing.invoicing.invoice_pdf)."""
    with _PDF_PRINTS, tempfile.TemporaryDirectory(prefix="ratecard-serve-pdf-") as tmp:
        out = FilePath(tmp) / "invoice.pdf"
        invoice_pdf(view, out, timeout=_PDF_TIMEOUT)
        return out.read_bytes()


async def _pdf_response(view: InvoiceView, number: str) -> Response:
    if chromium_path() is None:
        raise ProblemError(503, _NO_CHROMIUM, headers={"Retry-After": "3600"})
    try:
        body = await run_in_threadpool(_pdf_bytes, view)
    except PdfError as exc:
        raise ProblemError(
            503, f"the PDF of invoice {number} could not be printed: {exc}"
        ) from None
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", number)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
    )


def _negotiate(accept: str) -> str | None:
    """The best format the Accept header allows (q-values honoured), else None."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in ("*/*", "application/*"):
            found = "json"
        elif media == "text/*":
            found = "html"
        else:
            found = _FORMATS.get(media, "")
        if found and (best is None or (q, -position) > (best[0], best[1])):
            best = (q, -position, found)
    return best[2] if best else None


@router.get(
    "/v1/invoices/{number}",
    summary="One invoice by its number",
    description="By `Accept`: `application/json` (the `ratecard invoice --json` document, the "
    "default), `text/csv`, `text/html` (printable) or `application/pdf` (A4, the HTML "
    "printed by headless Chromium, as `ratecard invoice --pdf`). A PDF asked of a server "
    "without Chromium is a 503 problem; an `Accept` naming none of these is a 406 problem.",
    operation_id="getInvoice",
    openapi_extra={"security": _KEY},
    responses={
        200: {
            "description": "the invoice",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(401, 404, 406, 503),
    },
)
async def get_invoice(
    request: Request, number: str = Path(min_length=1, max_length=64)
) -> Response:
    state = state_of(request)
    tenant = await state.tenant(request)
    assert tenant is not None
    fmt = _negotiate(request.headers.get("accept", "*/*"))
    if fmt is None:
        raise ProblemError(
            406,
            "an invoice is available as application/json, text/csv, text/html or application/pdf",
        )
    view = await run_in_threadpool(
        lambda: invoice_by_number(state.engine, number, issuer=tenant_issuer(tenant))
    )
    prefix = tenant_customer(tenant, "")
    if view is None or not view.customer.startswith(prefix):
        raise ProblemError(404, f"no invoice numbered {number!r}")
    shown = _shown(view, view.customer[len(prefix) :])
    if fmt == "csv":
        return Response(invoice_csv(shown), media_type="text/csv")
    if fmt == "html":
        return Response(invoice_html(shown), media_type="text/html")
    if fmt == "pdf":
        return await _pdf_response(shown, number)
    return json_response(invoice_doc(shown))
