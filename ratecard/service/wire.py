"""Answer documents shared with the command line."""

from __future__ import annotations

from ratecard.cli.estimate_cmd import estimate_doc

__all__ = ["estimate_doc"]
