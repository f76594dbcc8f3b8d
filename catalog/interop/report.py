"""The import report: everything a source says that the card format cannot hold.

One entry per fact not held (or changed, like a float-noise price rounded): the provider and
model it belongs to, the source's key, its value as text, and the reason. Nothing an
importer reads is dropped without an entry here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class ReportEntry:
    provider: str
    model: str
    key: str
    value: str
    reason: str


@dataclass
class ImportReport:
    """Entries collected while importing ``source``."""

    source: str
    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, provider: str, model: str, key: str, value: object, reason: str) -> None:
        text = value if isinstance(value, str) else repr(value)
        if len(text) > 300:
            text = text[:297] + "..."
        self.entries.append(ReportEntry(provider, model, key, text, reason))

    def contexts_left_out(
        self, provider: str, model: str, contexts: Iterable[str], fmt: str
    ) -> None:
        """One line per price context or daily window (``batch``, ``default@01:00-04:00``)
        an export to ``fmt`` cannot write: ``fmt`` holds the default prices only."""
        for key in sorted(contexts):
            context, _, window = key.partition("@")
            what = f"the daily window {window} UTC" if window else f"the {context!r} context"
            self.add(
                provider,
                model,
                f"context {key}",
                "",
                f"not exported: {fmt} has no price contexts or daily windows; {what} is "
                "left out (its records would get the default prices there)",
            )

    def by_reason(self) -> dict[str, int]:
        """How many entries give each reason, most frequent first."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.reason] = counts.get(entry.reason, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def text(self) -> str:
        """Tab-separated lines (provider, model, key, value, reason), sorted, with a header."""
        lines = ["provider\tmodel\tkey\tvalue\treason"]
        for e in sorted(set(self.entries)):
            lines.append("\t".join((e.provider, e.model, e.key, e.value, e.reason)))
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        return json.dumps(
            [e.__dict__ for e in sorted(set(self.entries))], indent=1, ensure_ascii=False
        )

    def write(self, path: Path) -> None:
        """``.json`` as a JSON array, anything else as tab-separated text."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.json() if path.suffix == ".json" else self.text(), encoding="utf-8")


__all__ = ["ImportReport", "ReportEntry"]
