"""The authored card format: strict pydantic models, one per kind of card.

These models define what a person may write in ``data/``. They forbid unknown fields (so a
typo is an error), read money exactly, and generate the JSON Schema committed beside the
cards. At run time the catalog works with the frozen dataclasses in :mod:`catalog.model`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..endpoints import Endpoint
from ..model import Status, TierBoundary, TierCount
from .fields import Exact, Instant, Money, ParameterCount, RateField, TierBound, TokenCount

Modality = Literal["text", "image", "video", "audio"]
ParamType = Literal["integer", "number", "boolean", "string", "enum", "array", "object"]
Format = Literal["uuid4", "uri", "date-time", "email"]
TierNotation = Literal["decimal", "binary"]


def _with_notation(text: str, unit: int) -> int | str:
    """``128K`` → 128 × unit, ``1M`` → unit²; anything else is left for the field to judge."""
    t = text.strip().replace(",", "").replace("_", "")
    scale = {"k": unit, "m": unit * unit}.get(t[-1:].lower())
    if scale is None:
        return text
    try:
        number = Decimal(t[:-1])
    except ArithmeticError:
        return text
    value = number * scale
    return int(value) if value == value.to_integral_value() and value >= 0 else text


#: A JSON value as a request would carry it (defaults, enum members, rule values).
JSONValue = Any


class Card(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        populate_by_name=True,
    )


class Modalities(Card):
    input: list[Modality] = Field(default_factory=list)
    """What the model takes in."""
    output: list[Modality] = Field(default_factory=list)
    """What the model produces."""


# ---------------------------------------------------------------- model cards


class ParameterCounts(Card):
    total: ParameterCount | None = None
    """All parameters (397B). Omit when unknown."""
    active: ParameterCount | None = None
    """Parameters active per token for mixture-of-experts models (17B)."""


class Benchmark(Card):
    name: str
    """What was measured, e.g. artificial_analysis_intelligence_index."""
    value: Money
    """The score or measurement, exactly as published."""
    as_published: str | None = None
    """The value as the source writes it, when abbreviated or rounded (62M)."""
    unit: str | None = None
    """Unit of the value (points, tokens, USD per 1M tokens)."""
    source: str
    """Who published it and where (a seed file name or a URL)."""
    comparison: str | None = None
    """How it compares, as the source words it (median 8 among similar models)."""


class ModelCard(Card):
    """Facts about a model, whoever sells it. The id comes from the path."""

    name: str
    """Display name (Qwen3.5 4B)."""
    creator: str
    """Who made the model (Alibaba)."""
    family: str | None = None
    """Model family (qwen3.5)."""
    description: str | None = None
    """One paragraph, as the model page describes it."""
    architecture: str | None = None
    """Dense, sparse MoE, hybrid attention…, as published."""
    parameters: ParameterCounts | None = None
    """Parameter counts; omit what is unknown."""
    license: str | None = None
    """Licence name (Apache 2.0). Omit when unknown."""
    open_weights: bool | None = None
    """Whether the weights can be downloaded. Omit when unknown."""
    weights_host: str | None = None
    """Where the weights are published (Hugging Face)."""
    release_date: dt.date | None = None
    """Release date, when published."""
    native_context: TokenCount | None = None
    """Context window of the model itself, in tokens."""
    extended_context: TokenCount | None = None
    """Context the model can be extended to (approximate where the source says 'about')."""
    modalities: Modalities | None = None
    """Input and output modalities of the model."""
    reasoning: bool | None = None
    """Whether it is a reasoning model."""
    benchmarks: list[Benchmark] = Field(default_factory=list)
    """Benchmark results and analyst measurements."""
    superseded_by: str | None = None
    """Model id (creator/model) of its successor."""
    notes: list[str] = Field(default_factory=list)
    """Facts worth keeping that have no field, and what is known to be unknown."""
    sources: list[str] = Field(default_factory=list)
    """Where these facts come from (seed file names or URLs)."""


# ------------------------------------------------------------------ parameters


class ParamSpec(Card):
    """One request parameter. Its key in the table is its place in the request:
    ``temperature`` sits at the top level, ``settings.temperature`` inside ``settings``."""

    type: ParamType | list[ParamType]
    """JSON type; a list allows several (stop: a string or an array of strings)."""
    required: bool = False
    """Whether a request must set it."""
    default: JSONValue = None
    """The value used when the request omits it (documentation; never enforced)."""
    minimum: Exact | None = None
    """Smallest allowed value (inclusive)."""
    maximum: Exact | None = None
    """Largest allowed value (inclusive)."""
    step: Exact | None = None
    """Values must be a multiple of this, in decimal arithmetic (0.01)."""
    values: list[JSONValue] | None = None
    """Every allowed value (a complete enum)."""
    values_known: list[JSONValue] | None = None
    """The allowed values that are known when the source lists only some of them."""
    values_count: int | None = None
    """How many allowed values the source says there are, when it does not show them all."""
    value_descriptions: list[str] = Field(default_factory=list)
    """What the source says of each allowed value, in order, when it gives no names."""
    const: JSONValue = None
    """The one value allowed (taskType: textInference)."""
    const_is_offering_id: bool = False
    """The value must be the offering's own id (Runware's model field)."""
    format: Format | None = None
    """String format, enforced by the validator (uuid4, uri)."""
    min_length: TokenCount | None = None
    """Minimum string length."""
    max_length: TokenCount | None = None
    """Maximum string length (may use vendor notation: 128K)."""
    min_items: int | None = None
    """Minimum array length."""
    max_items: int | None = None
    """Maximum array length (stop: 4)."""
    items: ParamSpec | None = None
    """The spec of each array item."""
    properties: dict[str, ParamSpec] | None = None
    """Fields of an object value (a message's role and content)."""
    description: str | None = None
    """What the provider's page says about it."""


class RuleCard(Card):
    """A rule across fields. It fires only on values a request sets explicitly."""

    when: dict[str, JSONValue]
    """Parameters and the values that trigger the rule (tool_web_extractor: true)."""
    requires: dict[str, JSONValue] | None = None
    """What must then hold: explicit values, or defaults that satisfy it."""
    conflicts_with: dict[str, JSONValue] | None = None
    """Values that must not be set explicitly together with ``when``."""
    message: str | None = None
    """The source's words for the rule ("Requires Web Search and Thinking.")."""

    @model_validator(mode="after")
    def _one_kind(self) -> RuleCard:
        if (self.requires is None) == (self.conflicts_with is None):
            raise ValueError("a rule has exactly one of requires or conflicts_with")
        return self


# --------------------------------------------------------------------- pricing


class TokenRates(Card):
    input_mtok: RateField | None = None
    """Uncached input, per 1M tokens."""
    cache_read_mtok: RateField | None = None
    """Cached input read, per 1M tokens. Omitted: cached tokens are charged at input_mtok."""
    cache_write_mtok: RateField | None = None
    """Cache write, per 1M tokens. Omitted: charged at input_mtok."""
    output_mtok: RateField | None = None
    """Output, per 1M tokens."""
    reasoning_mtok: RateField | None = None
    """Reasoning, per 1M tokens. Omitted: reasoning is billed as output."""
    cache_write_5m_mtok: RateField | None = None
    """5-minute cache-write tokens per 1M; else cache_write → input."""
    cache_write_1h_mtok: RateField | None = None
    """1-hour cache-write tokens per 1M; else cache_write → input."""
    input_tool_mtok: RateField | None = None
    """Tool-use prompt tokens per 1M; else input."""
    input_audio_mtok: RateField | None = None
    """Audio input tokens per 1M; else input."""
    cache_audio_read_mtok: RateField | None = None
    """Audio cache-read tokens per 1M; else input_audio → input."""
    cache_audio_write_mtok: RateField | None = None
    """Audio cache-write tokens per 1M; else input_audio → input."""
    cache_audio_write_5m_mtok: RateField | None = None
    """Audio 5-minute cache-write tokens per 1M; else cache_audio_write → input_audio → input."""
    cache_audio_write_1h_mtok: RateField | None = None
    """Audio 1-hour cache-write tokens per 1M; else cache_audio_write → input_audio → input."""
    output_audio_mtok: RateField | None = None
    """Audio output tokens per 1M; else output."""
    input_image_mtok: RateField | None = None
    """Image input tokens per 1M; else input."""
    cache_image_read_mtok: RateField | None = None
    """Image cache-read tokens per 1M; else input_image → input."""
    cache_image_write_mtok: RateField | None = None
    """Image cache-write tokens per 1M; else input_image → input."""
    cache_image_write_5m_mtok: RateField | None = None
    """Image 5-minute cache-write tokens per 1M; else cache_image_write → input_image → input."""
    cache_image_write_1h_mtok: RateField | None = None
    """Image 1-hour cache-write tokens per 1M; else cache_image_write → input_image → input."""
    output_image_mtok: RateField | None = None
    """Image output tokens per 1M; else output."""
    input_video_mtok: RateField | None = None
    """Video input tokens per 1M; else input."""
    cache_video_read_mtok: RateField | None = None
    """Video cache-read tokens per 1M; else input_video → input."""
    cache_video_write_mtok: RateField | None = None
    """Video cache-write tokens per 1M; else input_video → input."""
    cache_video_write_5m_mtok: RateField | None = None
    """Video 5-minute cache-write tokens per 1M; else cache_video_write → input_video → input."""
    cache_video_write_1h_mtok: RateField | None = None
    """Video 1-hour cache-write tokens per 1M; else cache_video_write → input_video → input."""
    output_video_mtok: RateField | None = None
    """Video output tokens per 1M; else output."""


class TierRow(TokenRates):
    up_to: TierBound | None
    """The tier's upper bound in the plan's tier count, as an exact integer (128000); null on
    the last row: an open top tier (above the previous bound, whatever the size)."""
    up_to_published: str | None = None
    """The bound as the price page writes it (<=128K, 128K-256K, >200K); shown as the tier's
    label."""


class Tiers(Card):
    by: TierCount = "input_tokens"
    """Which count selects the tier: input_tokens (cached included, the default),
    uncached_input_tokens, or total_tokens (input and output)."""
    boundary: TierBoundary = "upper_inclusive"
    """upper_inclusive: a count equal to a bound belongs to the lower tier (<=128K);
    lower_inclusive: to the higher one (<128K)."""
    notation: TierNotation | None = None
    """How K and M in the rows' up_to read: decimal (1K = 1,000, as Google, xAI, Alibaba and
    every peer catalog write thresholds) or binary (1K = 1,024). Without it, K/M in a bound
    is an error: write exact integers."""
    rows: list[TierRow]
    """Tiers in ascending order; the whole request is priced in the one selected."""

    @model_validator(mode="before")
    @classmethod
    def _read_notation(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("notation") not in ("decimal", "binary"):
            return data
        rows = data.get("rows")
        if not isinstance(rows, list):
            return data
        unit = {"decimal": 1000, "binary": 1024}[data["notation"]]
        out = []
        for row in rows:
            bound = row.get("up_to") if isinstance(row, dict) else None
            if isinstance(bound, str):
                row = {**row, "up_to": _with_notation(bound, unit)}
            out.append(row)
        return {**data, "rows": out}


class ToolFee(Card):
    per_call: RateField
    """Price per invocation (0 = free)."""
    label: str | None = None
    """Name of the charge as the pricing table shows it (Web Search)."""
    aliases: list[str] = Field(default_factory=list)
    """Other tool_usage names billed on this row (web_search_image → image_search)."""
    included_in: str | None = None
    """A request fee that covers these calls; the calls then appear as zero lines."""


class RequestFee(Card):
    per_request: RateField
    """Price added once per request when the condition holds."""
    label: str | None = None
    """Name of the charge as the pricing table shows it."""
    when: dict[str, JSONValue] = Field(default_factory=dict)
    """Request parameters that switch the fee on (tool_web_search: true). Empty (or omitted)
    with no or_when_tools_used: the fee applies to every request."""
    or_when_tools_used: list[str] = Field(default_factory=list)
    """Tools whose use in tool_usage also switches the fee on (using one enables it)."""


class DailyWindow(Card):
    """A daily window in UTC, ``from`` inclusive and ``to`` exclusive, as HH:MM; it may
    wrap past midnight (16:30 to 00:30)."""

    from_: str = Field(alias="from", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    """Start, HH:MM UTC (inclusive)."""
    to: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    """End, HH:MM UTC (exclusive); earlier than from means the next day."""


class PricePlanCard(TokenRates):
    """One version of an offering's prices."""

    effective_from: Instant | None = None
    """When this version starts (UTC); omitted on the first version means 'always'."""
    version: str | None = None
    """A label for the version, shown on every line it prices."""
    currency: Literal["USD"] = "USD"
    """ISO 4217 currency of every amount in the plan."""
    context: str = "default"
    """The price context this version prices: default, or the usage record's service_tier
    (flex, priority, scale, …) or batch. Each context has its own versions and effective
    dates; a record whose context no version prices fails (it is never priced at default)."""
    daily_utc: DailyWindow | None = None
    """Only within this daily UTC window (DeepSeek's off-peak 16:30-00:30): the version then
    replaces the one without a window of the same context and time."""
    tiers: Tiers | None = None
    """Tiered token rates; when present, rates live in the tier rows only."""
    tools: dict[str, ToolFee] = Field(default_factory=dict)
    """Per-call tool fees, keyed by the tool_usage name."""
    request_fees: dict[str, RequestFee] = Field(default_factory=dict)
    """Fees per request, conditional on request parameters."""
    notes: list[str] = Field(default_factory=list)
    """What the pricing table says that has no field."""


# ------------------------------------------------------------------ offerings


class MatchRule(Card):
    """How a model id a provider returns maps to this offering (genai-prices' match
    clauses). Exactly one key is set. Ids are compared in lower case, as genai-prices does.
    Two offerings of one provider whose rules match the same id are a lint error."""

    equals: str | None = None
    """The id is exactly this (a dated snapshot: claude-sonnet-4-5-20250929)."""
    starts_with: str | None = None
    """The id starts with this."""
    ends_with: str | None = None
    """The id ends with this."""
    contains: str | None = None
    """The id contains this."""
    regex: str | None = None
    """The id matches this regular expression (Python ``re.search``)."""
    any_of: list[MatchRule] | None = None
    """Any of these rules matches."""
    all_of: list[MatchRule] | None = None
    """Every one of these rules matches."""

    @model_validator(mode="after")
    def _one_clause(self) -> MatchRule:
        if len(self.model_fields_set) != 1:
            raise ValueError(
                "a match rule has exactly one of equals, starts_with, ends_with, contains, "
                "regex, any_of, all_of"
            )
        return self


class Limits(Card):
    context_window: TokenCount | None = None
    """Maximum prompt plus output, in tokens."""
    max_output_tokens: TokenCount | None = None
    """Maximum output tokens per request."""


class OfferingFields(Card):
    """Fields an offering has and a variant may override (each one replaces wholesale)."""

    name: str | None = None
    """Display name on the provider's page."""
    model: str | None = None
    """The model it sells, as creator/model."""
    status: Status | None = None
    """available, coming_soon, deprecated or retired."""
    new: bool | None = None
    """The page's 'New' flag."""
    task: str | None = None
    """The page's task label (Text Generation)."""
    description: str | None = None
    """The page's description."""
    region: str | None = None
    """Where it is served (Singapore). Omit when the page does not say."""
    limits: Limits | None = None
    """Context window and max output."""
    modalities: Modalities | None = None
    """Input and output modalities as sold."""
    features: list[str] | None = None
    """Feature flags as the page lists them (vision, function_calling, …)."""
    endpoints: list[Endpoint] | None = None
    """Supported endpoints, by dialect name."""
    native_inference: bool | None = None
    """Whether the provider runs the model itself."""
    weight_precision: str | None = None
    """Weight precision (FP8 weights + FP8 KV); omit for '-'."""
    parameters: dict[str, ParamSpec] | None = None
    """The parameter table, keyed by place in the request."""
    rules: list[RuleCard] | None = None
    """Rules across parameters."""
    pricing: list[PricePlanCard] | None = None
    """Price plan versions, oldest first."""
    match: MatchRule | None = None
    """Other ids that name this offering (the dated ids a provider returns), as rules."""
    notes: list[str] | None = None
    """What the page says that has no field."""
    sources: list[str] | None = None
    """Where these facts come from."""


class VariantCard(OfferingFields):
    """A variant: any field set here replaces the base's; the rest is inherited."""


class OfferingCard(OfferingFields):
    """One provider's sellable model, under the id that provider uses."""

    id: str | None = None
    """The provider's id; defaults to the file name. Needed when it has ':' or '@'."""
    name: str
    """Display name on the provider's page."""
    model: str
    """The model it sells, as creator/model."""
    status: Status
    """available, coming_soon, deprecated or retired."""
    endpoints: list[Endpoint]
    """Supported endpoints, by dialect name."""
    variants: dict[str, VariantCard] = Field(default_factory=dict)
    """Variants, addressed as id:name."""


class VariantFileCard(VariantCard):
    """A variant in a file of its own, beside its base: ``base`` names the base offering
    (same provider) and ``id`` is ``base:name``. It inherits like a nested variant."""

    id: str
    """The variant's full id, base:name (qwen3-5-flash:variant2)."""
    base: str
    """The id of the offering this is a variant of, sold by the same provider."""


# ------------------------------------------------------------------- providers


class EndpointSpec(Card):
    method: Literal["GET", "POST"] = "POST"
    """HTTP method."""
    path: str | None = None
    """Path below the base URL (/v1/chat/completions); omit when unpublished."""


class ProviderCard(Card):
    """A seller: its dialects, endpoints and parameters shared by all its offerings."""

    name: str
    """Display name."""
    base_url: str | None = None
    """API base URL."""
    auth: str | None = None
    """How requests authenticate, as the docs show it."""
    endpoints: dict[Endpoint, EndpointSpec]
    """Endpoints it serves, keyed by dialect."""
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    """Parameters every offering of this provider accepts (platform-level options)."""
    notes: list[str] = Field(default_factory=list)
    """Facts with no field."""
    sources: list[str] = Field(default_factory=list)
    """Where these facts come from."""


ParamSpec.model_rebuild()
MatchRule.model_rebuild()

__all__ = [
    "Benchmark",
    "Decimal",
    "MatchRule",
    "ModelCard",
    "OfferingCard",
    "ParamSpec",
    "PricePlanCard",
    "ProviderCard",
    "RequestFee",
    "RuleCard",
    "Tiers",
    "ToolFee",
    "VariantCard",
    "VariantFileCard",
]
