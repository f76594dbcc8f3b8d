"""Layered card directories: the bundled world catalog under the platform's own cards.

Layers are listed lowest first (``--data world --data data``). Each layer is loaded and
checked on its own; an offering in a higher layer replaces the offering with the same
``provider/id`` below it (variants included), and so do providers and model cards with the
same id. :attr:`Catalog.layer_of` says which layer (its directory) each offering came from.

**The compiled cache.** Parsing thousands of cards takes seconds, so the merged catalog is
kept in the cache directory (``$RATECARD_CACHE``, see :mod:`catalog.validation_cache`) as a
small index (providers, ids, match rules, which shard holds what) and one pickle per
provider (its offerings) and per creator (its model cards). A process loads the index and
only the shards of the offerings it asks for, so pricing one record with the world loaded
reads a few kilobytes. The cache is keyed by the catalog package's code and by each layer's
cards: a layer with a ``cards.sha256`` manifest (written by ``ratecard catalog import``) by
that manifest, any other by every card file's path, size and modification time. A cache
that cannot be read or written is simply not used.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from .catalog import Catalog, index_of
from .requests.cache import cache_dir, code_files

_FORMAT = b"ratecard-layers-2"
MANIFEST = "cards.sha256"
V = TypeVar("V")


def _make_proxy(d: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(d)


def _proxy(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    # The class itself cannot be pickled by name (builtins has no 'mappingproxy').
    return _make_proxy, (dict(m),)


copyreg.pickle(MappingProxyType, _proxy)


def card_files(root: Path) -> list[Path]:
    return [p for sub in ("models", "providers") for p in sorted((root / sub).rglob("*.yaml"))]


def manifest_text(root: Path) -> str:
    """The SHA-256 of every card below ``root`` (relative path and bytes), as written to
    ``root/cards.sha256``."""
    digest = hashlib.sha256()
    for path in card_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest() + "\n"


def layers_digest(roots: Sequence[Path]) -> str:
    """The cache key of ``roots`` (see the module docstring)."""
    digest = hashlib.sha256(_FORMAT)
    for root in roots:
        root = Path(root)
        digest.update(str(root.resolve()).encode() + b"\1")
        manifest = root / MANIFEST
        if manifest.is_file():
            digest.update(manifest.read_bytes())
            continue
        for path in card_files(root):
            st = path.stat()
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    for path in code_files():
        digest.update(path.read_bytes())
    return digest.hexdigest()


def merge_layers(catalogs: Sequence[tuple[str, Catalog]]) -> Catalog:
    """One catalog from ``(name, catalog)`` layers, lowest first (higher replaces)."""
    models: dict[str, Any] = {}
    providers: dict[str, Any] = {}
    offerings: dict[str, Any] = {}
    layer_of: dict[str, str] = {}
    for name, layer in catalogs:
        models.update(layer.models)
        providers.update(layer.providers)
        replaced = {o.provider + "/" + (o.base or o.id) for o in layer.offerings.values()}
        for key in [
            k for k, o in offerings.items() if f"{o.provider}/{o.base or o.id}" in replaced
        ]:
            del offerings[key]
            layer_of.pop(key, None)
        for key, offering in layer.offerings.items():
            offerings[key] = offering
            layer_of[key] = name
    return Catalog(
        models=MappingProxyType(models),
        providers=MappingProxyType(providers),
        offerings=MappingProxyType(offerings),
        layer_of=MappingProxyType(layer_of),
    )


class _Shelf(Mapping[str, V]):
    """A read-only mapping whose values stay in shard pickles until asked for."""

    def __init__(self, folder: Path, where: dict[str, str]) -> None:
        self._folder = folder
        self._where = where  # key → shard file name
        self._loaded: dict[str, V] = {}
        self._done: set[str] = set()

    def __getitem__(self, key: str) -> V:
        value = self._loaded.get(key)
        if value is None:
            shard = self._where[key]  # KeyError for an unknown key, as a Mapping should
            if shard not in self._done:
                with (self._folder / shard).open("rb") as handle:
                    self._loaded.update(pickle.load(handle))
                self._done.add(shard)
            value = self._loaded[key]
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def _shard(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16] + ".pickle"


def _write_cache(folder: Path, catalog: Catalog) -> None:
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    tmp.mkdir(parents=True)
    try:
        offering_shards: dict[str, dict[str, Any]] = {}
        for key, offering in catalog.offerings.items():
            offering_shards.setdefault(_shard("o:" + offering.provider), {})[key] = offering
        model_shards: dict[str, dict[str, Any]] = {}
        for key, model in catalog.models.items():
            model_shards.setdefault(_shard("m:" + key.partition("/")[0]), {})[key] = model
        for name, part in (*offering_shards.items(), *model_shards.items()):
            with (tmp / name).open("wb") as handle:
                pickle.dump(part, handle, protocol=pickle.HIGHEST_PROTOCOL)
        index = {
            "providers": dict(catalog.providers),
            "layer_of": dict(catalog.layer_of),
            "index": catalog.index,
            "offerings": {k: _shard("o:" + o.provider) for k, o in catalog.offerings.items()},
            "models": {k: _shard("m:" + k.partition("/")[0]) for k in catalog.models},
        }
        with (tmp / "index.pickle").open("wb") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _read_cache(folder: Path) -> Catalog:
    with (folder / "index.pickle").open("rb") as handle:
        index = pickle.load(handle)
    return Catalog(
        models=_Shelf(folder, index["models"]),
        providers=MappingProxyType(index["providers"]),
        offerings=_Shelf(folder, index["offerings"]),
        layer_of=MappingProxyType(index["layer_of"]),
        index=index["index"],
    )


def load_layers(roots: Sequence[Path | str], *, use_cache: bool = True) -> Catalog:
    """The catalog of the card directories ``roots``, lowest layer first. One directory
    gives the same catalog as :func:`catalog.load_catalog`. Raises
    :class:`catalog.CardErrors` listing every problem of every layer."""
    from .cards.loader import load_catalog  # pydantic: only when the cache misses

    paths = [Path(r) for r in roots]
    if not use_cache:
        if len(paths) == 1:
            return load_catalog(paths[0])
        return merge_layers([(str(p), load_catalog(p)) for p in paths])
    digest = layers_digest(paths)
    which = hashlib.sha256("\0".join(str(p.resolve()) for p in paths).encode()).hexdigest()
    folder = cache_dir() / f"catalog-{which[:8]}-{digest[:24]}"
    try:
        return _read_cache(folder)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
        pass
    if len(paths) == 1:
        merged = load_catalog(paths[0])
    else:
        merged = merge_layers([(str(p), load_catalog(p)) for p in paths])
    try:
        for stale in cache_dir().glob(f"catalog-{which[:8]}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        _write_cache(folder, merged)
    except (OSError, pickle.PickleError, TypeError, AttributeError):
        pass
    return merged


__all__ = ["MANIFEST", "index_of", "layers_digest", "load_layers", "manifest_text", "merge_layers"]
