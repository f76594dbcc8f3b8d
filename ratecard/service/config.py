"""What ``ratecard serve`` is told: the database, the cards and the limits."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: 10 MiB: a batch of 10,000 usage records of about 1 KiB each
DEFAULT_MAX_BODY = 10 * 1024 * 1024
DEFAULT_MAX_BATCH = 10_000


@dataclass(frozen=True)
class ServiceConfig:
    """Settings of one service instance.

    ``db`` is a database URL or SQLite path (``None``: ``$RATECARD_DB``, else
    ``./ratecard.db``); ``data`` the card directory. ``max_body_bytes`` and
    ``max_batch_lines`` bound one request (413 above them). ``anonymous_catalog=False``
    requires a key on the catalog routes too. A key that was checked is trusted for
    ``key_cache_seconds`` (a revoked key stops working within that time).
    """

    data: Path
    db: str | None = None
    anonymous_catalog: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY
    max_batch_lines: int = DEFAULT_MAX_BATCH
    key_cache_seconds: float = 5.0

    def to_json(self) -> str:
        """These settings as JSON (what ``serve --workers N`` hands its worker processes)."""
        doc = dataclasses.asdict(self)
        doc["data"] = str(self.data)
        return json.dumps(doc)

    @classmethod
    def from_json(cls, text: str) -> ServiceConfig:
        """The settings :meth:`to_json` wrote."""
        doc: dict[str, Any] = json.loads(text)
        doc["data"] = Path(doc["data"])
        return cls(**doc)
