"""ratecard's catalog: cards, models, offerings, parameters, prices and request validation.

This package never imports :mod:`billing`. Names are imported on first use (PEP 562), so
that ``ratecard validate`` can start from its compiled cache without loading pydantic and
the card loader; add new public names to ``_LAZY`` (name → module) and to ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cards.dump import dump_card
    from .cards.editor_schema import stale_schemas, write_schemas
    from .cards.loader import lint_cards, load_catalog, parse_card, read_cards
    from .catalog import Catalog
    from .datadir import data_dirs
    from .endpoints import ENDPOINTS
    from .errors import (
        AmbiguousOfferingError,
        CardErrors,
        CardProblem,
        CatalogError,
        RequestError,
        UnknownOfferingError,
    )
    from .jsontext import json_problem
    from .layers import load_layers
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
    from .publish.compile import compile_catalog
    from .rates import PriceState, Rate
    from .requests.issues import Issue
    from .requests.jsonnum import dump_request, parse_request
    from .requests.schemas import compile_endpoint, compile_requests
    from .requests.token_estimate import (
        PromptEstimate,
        estimate_prompt_range,
        estimate_prompt_tokens,
    )
    from .requests.validation import (
        RequestValidator,
        ValidationResult,
        request_validator,
        validate_request,
    )
    from .units import format_tokens, parse_parameter_count, parse_tokens, slug

_LAZY = {
    "Catalog": "catalog",
    "CardErrors": "errors",
    "CardProblem": "errors",
    "CatalogError": "errors",
    "UnknownOfferingError": "errors",
    "AmbiguousOfferingError": "errors",
    "RequestError": "errors",
    "PriceState": "rates",
    "Rate": "rates",
    "Issue": "requests.issues",
    "load_catalog": "cards.loader",
    "load_layers": "layers",
    "lint_cards": "cards.loader",
    "parse_card": "cards.loader",
    "compile_catalog": "publish.compile",
    "dump_card": "cards.dump",
    "read_cards": "cards.loader",
    "slug": "units",
    "Model": "model",
    "Offering": "model",
    "Parameter": "model",
    "PricePlan": "model",
    "Provider": "model",
    "RequestCharge": "model",
    "Rule": "model",
    "Tier": "model",
    "TokenPrice": "model",
    "ToolCharge": "model",
    "rate_state": "model",
    "PromptEstimate": "requests.token_estimate",
    "estimate_prompt_range": "requests.token_estimate",
    "estimate_prompt_tokens": "requests.token_estimate",
    "format_tokens": "units",
    "parse_parameter_count": "units",
    "parse_tokens": "units",
    "RequestValidator": "requests.validation",
    "ValidationResult": "requests.validation",
    "dump_request": "requests.jsonnum",
    "parse_request": "requests.jsonnum",
    "request_validator": "requests.validation",
    "validate_request": "requests.validation",
    "ENDPOINTS": "endpoints",
    "data_dirs": "datadir",
    "json_problem": "jsontext",
    "compile_endpoint": "requests.schemas",
    "compile_requests": "requests.schemas",
    "stale_schemas": "cards.editor_schema",
    "write_schemas": "cards.editor_schema",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'catalog' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ENDPOINTS",
    "AmbiguousOfferingError",
    "CardErrors",
    "CardProblem",
    "Catalog",
    "CatalogError",
    "Issue",
    "Model",
    "Offering",
    "Parameter",
    "PricePlan",
    "PriceState",
    "PromptEstimate",
    "Provider",
    "Rate",
    "RequestCharge",
    "RequestError",
    "RequestValidator",
    "Rule",
    "Tier",
    "TokenPrice",
    "ToolCharge",
    "UnknownOfferingError",
    "ValidationResult",
    "compile_catalog",
    "compile_endpoint",
    "compile_requests",
    "data_dirs",
    "dump_card",
    "dump_request",
    "estimate_prompt_range",
    "estimate_prompt_tokens",
    "format_tokens",
    "json_problem",
    "lint_cards",
    "load_catalog",
    "load_layers",
    "parse_card",
    "parse_parameter_count",
    "parse_request",
    "parse_tokens",
    "rate_state",
    "read_cards",
    "request_validator",
    "slug",
    "stale_schemas",
    "validate_request",
    "write_schemas",
]
