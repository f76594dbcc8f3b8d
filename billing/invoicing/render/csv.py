"""The invoice as CSV: one row per line, then a total row (kind = "total")."""

from __future__ import annotations

import csv
import io

from ...money import decimal_text, price_text
from ..view import InvoiceView

HEADER = [
    "kind",
    "position",
    "model",
    "offering",
    "charge",
    "tier",
    "adjustment_period",
    "quantity",
    "unit",
    "unit_price",
    "precise_amount",
    "amount",
    "currency",
    "event_ids",
]


def invoice_csv(view: InvoiceView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for line in view.lines:
        writer.writerow(
            [
                "adjustment" if line.adjustment_period else "line",
                line.position,
                line.model,
                line.offering,
                line.charge,
                line.tier or "",
                line.adjustment_period or "",
                line.quantity,
                line.unit,
                price_text(line.unit_price),
                decimal_text(line.precise_amount),
                format(line.amount, "f"),
                view.currency,
                " ".join(line.event_ids) if line.event_ids is not None else "",
            ]
        )
    total = ["total", "", "", "", "", "", "", "", "", ""]
    writer.writerow(
        [*total, decimal_text(view.precise_total), format(view.total, "f"), view.currency, ""]
    )
    return out.getvalue()
