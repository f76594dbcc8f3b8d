"""Model pages as HTML, built from the compiled documents (``offering_doc``, ``model_doc``):
what ``GET /models/{id}`` serves and ``ratecard catalog site`` writes.

A page has the sections of the providers' own pages: at a glance, pricing (one row per
charge; tiers as ``<=128K $0.029 (was $0.090); 128K-256K $0.115``; a list price as
``(was $0.10)``; one row per priced tool and request fee), parameters, variants (each with
its own glance, pricing and parameters), and the model's facts. Plain HTML and one small
stylesheet: no script.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..units import format_tokens, slug

if TYPE_CHECKING:
    from ..catalog import Catalog

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#1b1f24}
h1{margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #d0d7de} .sub{color:#57606a}
table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{border:1px solid #d0d7de;
padding:.3rem .5rem;text-align:left;vertical-align:top} th{background:#f6f8fa}
code{background:#f6f8fa;padding:0 .2rem} .was{color:#57606a} footer{margin-top:2rem;color:#57606a}
"""

_CHARGE_NAMES = {"input": "Input", "output": "Output", "cache_read": "Implicit cache read"}
_CHARGE_SPECS = {
    "input": "per 1M prompt tokens",
    "output": "per 1M generated tokens",
    "cache_read": "per 1M cached input tokens",
    "cache_write": "per 1M cache-write tokens",
    "reasoning": "per 1M reasoning tokens",
}

Link = Callable[[str], str]


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tokens(count: int | None) -> str:
    return "-" if count is None else _e(format_tokens(count))


def _count(count: int | None) -> str:
    return "-" if count is None else f"{count:,}"


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("Yes" if value else "No")


def rate_html(rate: Mapping[str, Any]) -> str:
    """``$0.090 <span class=was>(was $0.10)</span>``, ``free``, ``unpublished``, ``n/a``."""
    state = rate.get("state")
    if state == "unpublished":
        return "unpublished"
    if state == "not_applicable":
        return "not applicable"
    if rate.get("free"):
        return "free"
    text = f"${_e(rate['price'])}"
    if rate.get("list_price") is not None:
        text += f' <span class="was">(was ${_e(rate["list_price"])})</span>'
    return text


def _charge_rows(plan: Mapping[str, Any]) -> list[list[str]]:
    tiers = plan["tiers"]
    kinds = [k for k in _CHARGE_SPECS if any(k in t["prices"] for t in tiers)]
    rows = []
    for kind in kinds:
        cells = []
        for tier in tiers:
            rate = tier["prices"].get(kind)
            if rate is None or rate.get("charged_as"):
                continue
            text = rate_html(rate)
            cells.append(f"{_e(tier['label'])} {text}" if plan["tiered"] else text)
        if cells:
            name = _CHARGE_NAMES.get(kind, kind.replace("_", " ").capitalize())
            rows.append([_e(name), _e(_CHARGE_SPECS[kind]), "; ".join(cells)])
    for tool in plan["tools"]:
        if tool["per_call"].get("free"):
            continue  # free tools (and those a request fee covers) are listed under the table
        rows.append([_e(tool["label"]), "per call", rate_html(tool["per_call"])])
    for fee in plan["request_fees"]:
        # a label like "Web search (per query when enabled)" carries its own spec
        named = re.fullmatch(r"(.*?) \(((?:per|each) .*)\)", fee["label"])
        name, spec = (named[1], named[2]) if named else (fee["label"], "per request when enabled")
        rows.append([_e(name), _e(spec), rate_html(fee["per_request"])])
    return rows


def pricing_html(doc: Mapping[str, Any]) -> str:
    plans = doc["pricing"]
    if not plans:
        return "<p>No price is published.</p>"
    out = []
    for plan in plans:
        if len(plans) > 1:
            since = plan["effective_from"] or "always"
            out.append(f"<h3>Price version {_e(plan['version'])} (from {_e(since)})</h3>")
        out.append(_table(["Charge", "Spec", "Rate"], _charge_rows(plan)))
        free = [
            t["label"]
            for t in plan["tools"]
            if t["per_call"].get("free") and t["included_in"] is None
        ]
        if free:
            out.append(f"<p>Free tools (billed at $0): {_e(', '.join(free))}.</p>")
        for tool in plan["tools"]:
            if tool["included_in"] is not None:
                out.append(
                    f"<p>{_e(tool['label'])} calls are covered by the "
                    f"{_e(tool['included_in'])} request fee.</p>"
                )
        if plan["tiered"]:
            out.append(
                f"<p>Tiers are chosen by {_e(plan['tier_count'].replace('_', ' '))} and price "
                "the whole request.</p>"
            )
        for note in plan["notes"]:
            out.append(f"<p>{_e(note)}</p>")
    return "".join(out)


def _endpoints(doc: Mapping[str, Any]) -> str:
    return ", ".join(f"{e['method']} {e['path']}" for e in doc["endpoints"]) or "-"


def glance_html(doc: Mapping[str, Any]) -> str:
    rows = [
        ("Model id", doc["id"]),
        ("Status", doc["status"]),
        ("Input modalities", ", ".join(m.capitalize() for m in doc["modalities"]["input"]) or "-"),
        (
            "Output modalities",
            ", ".join(m.capitalize() for m in doc["modalities"]["output"]) or "-",
        ),
        ("Context window", None),
        ("Weight precision", doc["weight_precision"] or "-"),
        ("Max output tokens", None),
        ("Region", doc["region"] or "-"),
        ("Features", ", ".join(doc["features"]) or "-"),
        ("Native inference", _yes(doc["native_inference"])),
        ("New", _yes(doc["new"])),
        ("Supported endpoints", _endpoints(doc)),
    ]
    cells = []
    for name, value in rows:
        if name == "Context window":
            shown = _tokens(doc["context_window"])
        elif name == "Max output tokens":
            shown = _count(doc["max_output_tokens"])
        else:
            shown = _e(value)
        cells.append([_e(name), shown])
    return _table(["Field", "Value"], cells)


def _param_description(p: Mapping[str, Any]) -> str:
    text = p.get("description", "")
    if p.get("minimum") is not None or p.get("maximum") is not None:
        text += f" · Range: {p.get('minimum', '-')} – {p.get('maximum', '-')}"
    if p.get("values"):
        text += " · Values: " + ", ".join(str(v) for v in p["values"])
    return _e(text.strip(" ·"))


def parameters_html(doc: Mapping[str, Any]) -> str:

    rows = [
        [
            f"<code>{_e(p['name'])}</code>",
            _e(p["type"] if isinstance(p["type"], str) else " | ".join(p["type"])),
            "yes" if p["required"] else "no",
            _e(json.dumps(p["default"])) if "default" in p else "-",
            _param_description(p),
        ]
        for p in doc["parameters"]
    ]
    if not rows:
        return "<p>No parameters are listed.</p>"
    return _table(["Parameter", "Type", "Required", "Default", "Description"], rows)


def facts_html(model: Mapping[str, Any] | None) -> str:
    if not model:
        return "<p>No model card.</p>"
    params = model["parameters"]
    rows = [
        ("Model", model["id"]),
        ("Name", model["name"]),
        ("Creator", model["creator"]),
        ("Family", model["family"] or "-"),
        ("Architecture", model["architecture"] or "-"),
        ("Parameters (total)", f"{params['total']:,}" if params["total"] else "-"),
        ("Parameters (active)", f"{params['active']:,}" if params["active"] else "-"),
        ("License", model["license"] or "-"),
        ("Open weights", _yes(model["open_weights"])),
        ("Release date", model["release_date"] or "-"),
        (
            "Native context",
            format_tokens(model["native_context"]) if model["native_context"] else "-",
        ),
        ("Superseded by", model["superseded_by"] or "-"),
    ]
    for bench in model["benchmarks"]:
        shown = bench.get("as_published") or bench.get("value")
        rows.append((str(bench.get("name", "benchmark")), str(shown)))
    return _table(["Fact", "Value"], [[_e(k), _e(v)] for k, v in rows])


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


def offering_page(
    doc: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]] = (),
    *,
    link: Link = lambda ref: f"/models/{ref}",
    api: str = "/v1/models/",
) -> str:
    """The page of one offering (``doc``: its ``offering_doc`` with ``model_card``) and the
    documents of its variants, each shown in its own section."""
    first = doc["endpoints"][0] if doc["endpoints"] else None
    parts = [
        f"<h1>{_e(doc['name'])}</h1>",
        f'<p class="sub">{_e(doc["provider"])} · {_e(doc["task"] or "-")}</p>',
        f"<p><code>{_e(first['method'])} {_e(first['path'])}</code></p>" if first else "",
        f"<p>{_e(doc['description'] or '')}</p>",
        "<h2>At a glance</h2>",
        glance_html(doc),
        "<h2>Pricing</h2>",
        pricing_html(doc),
        "<h2>Parameters</h2>",
        parameters_html(doc),
    ]
    if doc["notes"]:
        parts.append("<h2>Notes</h2><ul>")
        parts.extend(f"<li>{_e(n)}</li>" for n in doc["notes"])
        parts.append("</ul>")
    if variants:
        parts.append("<h2>Variants</h2>")
        for v in variants:
            suffix = v["id"][len(doc["id"]) :] if v["id"].startswith(doc["id"]) else v["id"]
            parts.append(
                f'<section id="{_e(suffix)}"><h3><a href="{_e(link(v["id"]))}">{_e(suffix)}</a>'
                f"</h3>{glance_html(v)}<h4>Pricing</h4>{pricing_html(v)}"
                f"<h4>Parameters</h4>{parameters_html(v)}</section>"
            )
    parts.append("<h2>Model facts</h2>")
    parts.append(facts_html(doc.get("model_card")))
    parts.append(
        f"<footer>Machine-readable schema: <code>GET {_e(api)}{_e(doc['id'])}</code></footer>"
    )
    return _page(f"{doc['name']} · {doc['id']}", "".join(parts))


def index_page(
    rows: Sequence[Mapping[str, Any]], *, link: Link = lambda ref: f"/models/{ref}"
) -> str:
    """The list of offerings and variants (``list_doc`` rows), each linking to its page."""
    body = _table(
        ["Model id", "Provider", "Status", "Context", "Max output", "Input / 1M", "Output / 1M"],
        [
            [
                f'<a href="{_e(link(r["id"]))}">{_e(r["id"])}</a>',
                _e(r["provider"]),
                _e(r["status"]),
                _tokens(r["context_window"]),
                _tokens(r["max_output_tokens"]),
                rate_html(r["input_per_1m"]) if r["input_per_1m"] else "-",
                rate_html(r["output_per_1m"]) if r["output_per_1m"] else "-",
            ]
            for r in rows
        ],
    )
    return _page("Models", f"<h1>Models</h1>{body}")


def model_card_page(model: Mapping[str, Any]) -> str:
    """The facts page of a model card (``model_doc``)."""
    body = f"<h1>{_e(model['name'])}</h1><p>{_e(model['description'] or '')}</p>"
    return _page(str(model["name"]), body + facts_html(model))


def write_site(catalog: Catalog, out: Path) -> list[Path]:
    """Write ``out/index.html`` and ``out/models/<provider>/<id>.html`` per offering and
    variant (``:`` ``@`` ``/`` in an id become ``-`` in its file name), for any static web
    server. Returns the files written."""
    from .documents import list_doc, model_doc, offering_doc  # here for start-up time

    def doc_of(offering: Any) -> dict[str, Any]:
        doc = offering_doc(catalog, offering)
        card = catalog.models.get(offering.model)
        doc["model_card"] = model_doc(card) if card else None
        return doc

    where = {o.id: f"models/{o.provider}/{slug(o.id)}.html" for o in catalog}
    written = []
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.html"
    index.write_text(index_page(list_doc(catalog), link=lambda ref: where[ref]), encoding="utf-8")
    written.append(index)
    for offering in catalog:
        doc = doc_of(offering)
        variants = [doc_of(catalog.resolve(f"{offering.provider}/{v}")) for v in offering.variants]
        path = out / where[offering.id]
        path.parent.mkdir(parents=True, exist_ok=True)
        html = offering_page(
            doc, variants, link=lambda ref: "../../" + where[ref], api="/v1/models/"
        )
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written
