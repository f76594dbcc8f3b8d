"""Layered card directories: the bundled world catalog under the platform's own cards.

Layers are listed lowest first (``--data world --data data``). Each layer is loaded and
checked on its own; an offering in a higher layer replaces the offering with the same
``provider/id`` below it (variants included), and so do providers and model cards with the
same id. :attr:`Catalog.layer_of` says which layer (its directory) each offering came from.

The merged catalog is pickled in the cache directory (``$RATECARD_CACHE``, see
:mod:`catalog.validation_cache`), keyed by every card file's path, size and modification
time and by the catalog package's code, so a second process does not parse thousands of
cards again. A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .catalog import Catalog
from .validation_cache import cache_dir, code_files

_FORMAT = b"ratecard-layers-1"


def _make_proxy(d: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(d)


def _proxy(m: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    # The class itself cannot be pickled by name (builtins has no 'mappingproxy').
    return _make_proxy, (dict(m),)


copyreg.pickle(MappingProxyType, _proxy)


def layers_digest(roots: Sequence[Path]) -> str:
    """A SHA-256 of the layers' card files (path, size, mtime) and the catalog's code."""
    digest = hashlib.sha256(_FORMAT)
    for root in roots:
        digest.update(str(Path(root).resolve()).encode() + b"\1")
        for sub in ("models", "providers"):
            for path in sorted((Path(root) / sub).rglob("*.yaml")):
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


def load_layers(roots: Sequence[Path | str], *, use_cache: bool = True) -> Catalog:
    """The catalog of the card directories ``roots``, lowest layer first. One directory
    gives exactly :func:`catalog.load_catalog`'s catalog. Raises
    :class:`catalog.CardErrors` listing every problem of every layer."""
    from .loader import load_catalog  # pydantic: only when the cache misses

    paths = [Path(r) for r in roots]
    if len(paths) == 1 and not use_cache:
        return load_catalog(paths[0])
    digest = layers_digest(paths)
    cached = cache_dir() / f"catalog-{digest[:32]}.pickle"
    if use_cache:
        try:
            with cached.open("rb") as handle:
                found = pickle.load(handle)
            if isinstance(found, Catalog):
                return found
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
            pass
    if len(paths) == 1:
        merged = load_catalog(paths[0])
    else:
        merged = merge_layers([(str(p), load_catalog(p)) for p in paths])
    if use_cache:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as handle:
                pickle.dump(merged, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cached)
        except (OSError, pickle.PickleError, TypeError, AttributeError):
            tmp.unlink(missing_ok=True)
    return merged


__all__ = ["layers_digest", "load_layers", "merge_layers"]
