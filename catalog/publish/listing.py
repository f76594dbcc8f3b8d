"""Choosing offerings for ``catalog list``: filters and sort orders over a big catalog."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ..catalog import Catalog
from ..model import Offering
from ..rates import PriceState

SORTS = ("id", "input", "output", "context")


def headline_price(offering: Offering, kind: str) -> Decimal | None:
    """The current plan's first-tier published rate of ``kind`` per 1M tokens, or None."""
    plan = offering.plan_at(None)
    if plan is None or not plan.tiers:
        return None
    token_price = plan.tiers[0].prices.get(kind)
    if token_price is None or token_price.rate.state is not PriceState.PUBLISHED:
        return None
    return token_price.rate.price


def select(
    catalog: Catalog,
    *,
    provider: str | None = None,
    search: str | None = None,
    status: str | None = None,
    modality: str | None = None,
    feature: str | None = None,
    sort: str = "id",
    limit: int | None = None,
) -> list[Offering]:
    """The offerings that pass every filter given: ``provider`` exactly; ``search`` in the
    id, name, provider or model (case-insensitive); ``status``; an input or output
    ``modality``; a ``feature`` flag. Sorted by id (provider, id), or cheapest first by
    ``input`` / ``output`` (unpublished prices last), or largest ``context`` first; at most
    ``limit``."""
    needle = search.lower() if search else None
    chosen: Iterable[Offering] = catalog
    out = []
    for o in chosen:
        if provider is not None and o.provider != provider:
            continue
        if status is not None and o.status != status:
            continue
        if modality is not None and modality not in (*o.input_modalities, *o.output_modalities):
            continue
        if feature is not None and feature not in o.features:
            continue
        if needle is not None:
            text = " ".join((o.id, o.name, o.provider, o.model)).lower()
            if needle not in text:
                continue
        out.append(o)
    if sort in ("input", "output"):

        def price_key(o: Offering) -> tuple[bool, Decimal, str]:
            price = headline_price(o, sort)
            return (price is None, price if price is not None else Decimal(0), o.key)

        out.sort(key=price_key)
    elif sort == "context":
        out.sort(key=lambda o: (o.context_window is None, -(o.context_window or 0), o.key))
    elif sort != "id":
        raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    return out[:limit] if limit is not None else out


__all__ = ["SORTS", "headline_price", "select"]
