"""Moved to :mod:`billing.money` (the one rounding rule); these names stay importable."""

from __future__ import annotations

from .money import ROUNDING_MODE, is_whole_minor_units, minor_unit, round_money

__all__ = ["ROUNDING_MODE", "is_whole_minor_units", "minor_unit", "round_money"]
