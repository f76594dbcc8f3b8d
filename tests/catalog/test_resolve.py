"""Id resolution: the exact id first (provider ids contain ':'), then provider/id, then
base:variant; an id two providers share is ambiguous and says how to choose."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import AmbiguousOfferingError, Catalog, UnknownOfferingError, load_catalog

TREE = Path(__file__).parent / "trees" / "two_providers"


@pytest.fixture(scope="module")
def two() -> Catalog:
    return load_catalog(TREE)


def test_exact_id_with_colons_and_at(two: Catalog) -> None:
    offering = two.resolve("vendor:m@1")
    assert (offering.provider, offering.id, offering.base) == ("beta", "vendor:m@1", None)


def test_exact_id_wins_over_base_variant_reading(two: Catalog) -> None:
    # "vendor:m@1:cheap" is a variant filed on its own; its base id itself contains ':'
    cheap = two.resolve("vendor:m@1:cheap")
    assert (cheap.base, cheap.variant, cheap.status) == ("vendor:m@1", "cheap", "available")
    assert two.resolve("vendor:m@1").variants == ("vendor:m@1:cheap",)


def test_variant_file_inherits_its_base(two: Catalog) -> None:
    cheap = two.resolve("vendor:m@1:cheap")
    assert cheap.name == "Vendor M 1"  # inherited from the base
    plan = cheap.plan_at(None)
    assert plan is not None
    assert str(plan.tiers[0].prices["output"].rate.list_price) == "2"


def test_shared_id_is_ambiguous(two: Catalog) -> None:
    with pytest.raises(UnknownOfferingError) as err:
        two.resolve("shared")
    assert str(err.value) == (
        "'shared' is ambiguous: it is sold by several providers; use one of "
        "alpha/shared, beta/shared"
    )
    with pytest.raises(UnknownOfferingError):
        two.find("shared")  # ambiguity is never "not found"


def test_ambiguity_is_its_own_error_with_the_choices(two: Catalog) -> None:
    with pytest.raises(AmbiguousOfferingError) as err:
        two.find("shared")
    assert err.value.choices == ("alpha/shared", "beta/shared")
    assert isinstance(err.value, UnknownOfferingError)  # callers that catch "unknown" still do
    assert two.find("no-such-model") is None
    # a message that merely contains the word is not ambiguity (find used to test the text)
    assert two.find("ambiguous") is None


def test_provider_slash_id_disambiguates(two: Catalog) -> None:
    assert two.resolve("alpha/shared").name == "Shared at Alpha"
    assert two.resolve("beta/shared").name == "Shared at Beta"


def test_variant_of_a_shared_base(two: Catalog) -> None:
    # only alpha's "shared" has the variant, so the exact id is unique
    fast = two.resolve("shared:fast")
    assert (fast.provider, fast.base, fast.region) == ("alpha", "shared", "EU")
    assert two.resolve("alpha/shared:fast") is fast


def test_unknown_id_suggests(two: Catalog) -> None:
    with pytest.raises(UnknownOfferingError, match=r"unknown model 'vendor:m@2'"):
        two.resolve("vendor:m@2")
    assert two.find("nothing-like-it") is None
    with pytest.raises(UnknownOfferingError, match="did you mean 'shared:fast'"):
        two.resolve("shared:fats")


def test_a_hint_asked_again_is_the_same_and_kept(two: Catalog) -> None:
    # the hints are kept per name and provider (records of one unknown model come by the
    # thousand); a kept hint must be the one a fresh look-up gives, for each provider
    for ref, provider in [("shared:fats", None), ("shared:fats", "alpha"), ("zzz", None)]:
        for _ in range(2):
            with pytest.raises(UnknownOfferingError) as first:
                two.resolve(ref, provider)
            assert str(first.value).endswith(two._closest(ref, provider) or repr(ref))
    assert two._memo[("hint", "shared:fats", None)] == "; did you mean 'shared:fast'?"
    assert two._memo[("hint", "zzz", None)] == ""
    kept = len(two._memo)
    two.resolve("shared:fast")  # a known name asks for no hint
    assert len(two._memo) == kept


def test_a_match_asked_again_is_the_same() -> None:
    # matching() keeps what it found per name and provider: asked again, and asked after
    # the kept look-ups are dropped, the same offerings (the world catalog: 275 offerings
    # with pattern rules, 798 names named outright)
    world = load_catalog(Path(__file__).resolve().parents[2] / "data" / "world")
    names = ["gpt-4o-2024-08-06", "GPT-4o-2024-08-06", "claude-3-5-sonnet-latest", "zzz"]
    for name in names:
        for provider in (None, "openai", "anthropic"):
            first = [o.key for o in world.matching(name, provider)]
            assert [o.key for o in world.matching(name, provider)] == first
            world._memo.clear()
            assert [o.key for o in world.matching(name, provider)] == first
    assert [o.key for o in world.matching("gpt-4o-2024-08-06", "openai")] == ["openai/gpt-4o"]
    assert len(world.matching("claude-3-5-sonnet-latest")) == 2


def test_seed_ids(catalog: Catalog) -> None:
    assert catalog.resolve("qwen3-5-flash:variant1").base == "qwen3-5-flash"
    assert catalog.resolve("empiriolabs/qwen3-5-flash:variant1").variant == "variant1"
    assert catalog.resolve("runware/alibaba:qwen@3.5-27b").provider == "runware"
    assert catalog.resolve("alibaba:qwen@3.5-397b").status == "coming_soon"
