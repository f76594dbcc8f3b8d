"""ratecard's catalog: cards, models, offerings, parameters and prices.

This package never imports :mod:`billing`.
"""

from .catalog import Catalog
from .errors import CardErrors, CardProblem, CatalogError, UnknownOfferingError
from .fields import PriceState, Rate
from .loader import lint_cards, load_catalog, parse_card, read_cards, slug
from .model import (
    Model,
    Offering,
    Parameter,
    PricePlan,
    Provider,
    RequestCharge,
    Rule,
    Tier,
    TokenPrice,
    ToolCharge,
    rate_state,
)
from .units import format_tokens, parse_parameter_count, parse_tokens

__all__ = [
    "CardErrors",
    "CardProblem",
    "Catalog",
    "CatalogError",
    "Model",
    "Offering",
    "Parameter",
    "PricePlan",
    "PriceState",
    "Provider",
    "Rate",
    "RequestCharge",
    "Rule",
    "Tier",
    "TokenPrice",
    "ToolCharge",
    "UnknownOfferingError",
    "format_tokens",
    "lint_cards",
    "load_catalog",
    "parse_card",
    "parse_parameter_count",
    "parse_tokens",
    "rate_state",
    "read_cards",
    "slug",
]
