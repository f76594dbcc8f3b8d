"""Write a card back to YAML that the loader reads to the same card.

Decimals are written as plain decimal text (``0.090``, never ``9.0E-2`` and never through a
float), so a price reloads exactly. Only the fields a card sets are written: a variant's
set fields are what it overrides, so "unset" and "set to null" must survive the trip.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel

_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"


class _CardDumper(yaml.SafeDumper):
    """SafeDumper that writes Decimal as exact decimal text, and never an anchor or alias
    (``&id001`` / ``*id001``): a value shared by two places is written out in both, as a
    person would write the card."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    if not value.is_finite():
        raise ValueError(f"cannot write {value} in a card")
    text = format(value, "f")
    return dumper.represent_scalar(_FLOAT if "." in text else _INT, text)


_CardDumper.add_representer(Decimal, _represent_decimal)


def card_data(card: BaseModel) -> dict[str, Any]:
    """The fields ``card`` sets, as plain YAML-ready values (Decimals kept)."""
    return card.model_dump(mode="python", exclude_unset=True)


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_CardDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def dump_card(card: BaseModel, *, schema: str | None = None) -> str:
    """YAML text for ``card``; ``schema`` (a relative path to its JSON Schema) becomes the
    ``# yaml-language-server`` comment on line 1."""
    text = dump_yaml(card_data(card))
    if schema is not None:
        text = f"# yaml-language-server: $schema={schema}\n{text}"
    return text
