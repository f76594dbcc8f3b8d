"""Layered card directories: the bundled world catalog under the platform's own cards.

Layers are listed lowest first (``--data world --data data``). Each layer is loaded and
checked on its own; an offering in a higher layer replaces the offering with the same
``provider/id`` below it (variants included), and so do providers and model cards with the
same id. :attr:`Catalog.layer_of` says which layer (its directory) each offering came from.

**The compiled cache.** Parsing thousands of cards takes seconds, so the merged catalog is
kept in the cache directory (``$RATECARD_CACHE``, else ``$XDG_CACHE_HOME/ratecard``, else
``~/.cache/ratecard``) in one folder per list of layers, created private (mode 0700),
``catalog-<FNV-1a of the absolute layer paths>/``:

- ``stamp``: what the cache was built from, as :mod:`marshal` data (plain lists of strings
  and integers, never objects): the format, the Python version, the layers (as given and
  absolute), and the path, size, modification and change times (ns) and inode of every
  directory and card file of each layer's ``models/`` and ``providers/`` and of every
  module and directory of this package (:func:`watched_paths`). A process that finds any
  of them changed, missing or new (a new or removed card changes its directory's times)
  rebuilds the cache from the cards. Checking costs one ``stat`` per path (about 4,900
  with the world: ~13 ms of CPU on the shared machine) and reads no card.
- ``index.pickle``: the providers, which layer each offering came from, the resolution
  index (ids and aliases) and where each offering and model card lies in ``cards.pickle``.
  The offerings whose match rules need a scan (prefixes, regexes) are a separate pickle
  read only when an id is not found outright.
- ``cards.pickle``: one pickle per offering and per model card, back to back. A process
  reads only the ones it asks for (pricing one record reads one offering), or all of them
  in one read when it walks the whole catalog.

Every file starts with the build's random token, so a reader never mixes two builds. A cache
that cannot be read (missing, stale, corrupt, another build's) is rebuilt; one that cannot
be written is simply not used; a part found corrupt after start-up is taken from the cards
(loaded once, in that process). None of these is ever an error: the cards are the truth and
the cache only makes reading them fast.
"""

from __future__ import annotations

import contextlib
import copyreg
import marshal
import os
import pickle
import sys
from collections.abc import Callable, ItemsView, Iterator, Mapping, Sequence, ValuesView
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from .catalog import Catalog, CatalogIndex, index_of
from .datadir import cache_dir
from .matching import Matcher

_FORMAT = "ratecard-layers-3"
_PACKAGE = os.path.dirname(os.path.abspath(__file__))  # catalog/
MANIFEST = "cards.sha256"
V = TypeVar("V")
Scanned = tuple[tuple[str, str, Matcher], ...]


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
    import hashlib  # here for start-up time: only ``catalog import`` writes a manifest

    digest = hashlib.sha256()
    for path in card_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest() + "\n"


# --- what the cache was built from -----------------------------------------------------------


def _tree(top: str, suffixes: tuple[str, ...]) -> list[str]:
    """``top``, every directory below it and every file ending in one of ``suffixes``."""
    out = [top]
    for current, dirs, files in os.walk(top):
        # bytecode caches change whenever Python first imports a module: not a change
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        out.extend(os.path.join(current, d) for d in dirs)
        out.extend(os.path.join(current, f) for f in sorted(files) if f.endswith(suffixes))
    return out


def watched_paths(roots: Sequence[Path]) -> list[str]:
    """Every path whose change makes the cache of ``roots`` stale: each layer's ``models/``
    and ``providers/`` trees (directories and card files; a missing one is stamped as
    missing), and this package's directories and modules (the code that builds and reads
    the catalog)."""
    out: list[str] = []
    for root in roots:
        # not the layer directory itself: other files beside the cards (schema/, a
        # manifest) change its times without changing the catalog
        top = os.path.abspath(root)
        for sub in ("models", "providers"):
            out.extend(_tree(os.path.join(top, sub), (".yaml", ".yml")))
    out.extend(_tree(_PACKAGE, (".py",)))
    return out


def stamps(paths: Sequence[str]) -> list[int]:
    """Size, modification and change time (ns) and inode of each path; -1 four times for
    a path that is missing."""
    out: list[int] = []
    stat = os.stat
    for path in paths:
        try:
            s = stat(path)
        except OSError:
            out += (-1, -1, -1, -1)
        else:
            out += (s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
    return out


def _layer_names(roots: Sequence[Path]) -> list[str]:
    return [os.path.abspath(r) for r in roots]


def _layer_spelling(roots: Sequence[Path]) -> list[str]:
    """Each layer as given and as an absolute path (layer_of names them as given)."""
    return [f"{r}\0{os.path.abspath(r)}" for r in roots]


def _fnv1a(data: bytes) -> int:
    """FNV-1a, 64 bits: a stable name for a list of paths (hashlib and zlib cost start-up
    time; two lists with the same name only take turns in the folder, as the stamp
    records the list itself)."""
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def cache_folder(roots: Sequence[Path | str]) -> Path:
    """The cache folder of a list of layers (the same list always gets the same folder)."""
    names = "\0".join(_layer_names([Path(r) for r in roots]))
    return cache_dir() / f"catalog-{_fnv1a(names.encode()):016x}"


# --- merging ---------------------------------------------------------------------------------


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


def _from_cards(paths: Sequence[Path]) -> Catalog:
    # here for start-up time: pydantic and the card loader only when the cache is not used
    from .cards.loader import load_catalog

    if len(paths) == 1:
        return load_catalog(paths[0])
    return merge_layers([(str(p), load_catalog(p)) for p in paths])


# --- the cache files -------------------------------------------------------------------------


class _CorruptCache(Exception):
    """A cache file is not what its index says (cut short, overwritten, another build)."""


class _Cards:
    """``cards.pickle`` of one build: single pickles read on demand, or all in one read."""

    def __init__(self, path: Path, token: bytes, fallback: Callable[[], Catalog]) -> None:
        self.path = path
        self.token = token
        self.fallback = fallback
        self._blob: bytes | None = None

    def _read(self, start: int, length: int) -> bytes:
        if self._blob is not None:
            return self._blob[start : start + length]
        with self.path.open("rb") as handle:
            if handle.read(len(self.token)) != self.token:
                raise _CorruptCache(f"{self.path} is from another build")
            handle.seek(start)
            return handle.read(length)

    def load_all(self) -> None:
        if self._blob is None:
            blob = self.path.read_bytes()
            if not blob.startswith(self.token):
                raise _CorruptCache(f"{self.path} is from another build")
            self._blob = blob

    def value(self, key: str, start: int, length: int) -> Any:
        found_key, value = pickle.loads(self._read(start, length))
        if found_key != key:
            raise _CorruptCache(f"{self.path} holds {found_key!r} where {key!r} should be")
        return value


#: What reading a damaged pickle can raise (besides :class:`_CorruptCache`).
_BAD_PICKLE = (
    OSError,
    EOFError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    IndexError,
    KeyError,
    TypeError,
    ValueError,
    MemoryError,
)


class _Shelf(Mapping[str, V]):
    """A read-only mapping whose values stay in ``cards.pickle`` until asked for; a value
    that cannot be read there is taken from the cards (``fallback``)."""

    def __init__(self, cards: _Cards, where: dict[str, tuple[int, int]], part: str) -> None:
        self._cards = cards
        self._where = where  # key → (offset, length) in cards.pickle
        self._part = part  # "offerings" or "models": the fallback catalog's mapping
        self._loaded: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        value = self._loaded.get(key)
        if value is None:
            start, length = self._where[key]  # KeyError for an unknown key, as a Mapping's
            try:
                value = self._cards.value(key, start, length)
            except (_CorruptCache, *_BAD_PICKLE):
                value = getattr(self._cards.fallback(), self._part)[key]
            self._loaded[key] = value
        return value

    def _all(self) -> None:
        if len(self._loaded) < len(self._where):
            # if it fails, each value is read (or taken from the cards) on its own
            with contextlib.suppress(_CorruptCache, OSError):
                self._cards.load_all()

    def values(self) -> ValuesView[V]:
        self._all()
        return ValuesView(self)

    def items(self) -> ItemsView[str, V]:
        self._all()
        return ItemsView(self)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class _Scanned(Sequence[tuple[str, str, Matcher]]):
    """The offerings whose match rules need a scan, read from ``scanned.pickle`` on first
    use (most ids are found outright, and the scan's regexes cost start-up time)."""

    def __init__(self, path: Path, token: bytes, count: int, fallback: Callable[[], Catalog]):
        self._path = path
        self._token = token
        self._count = count
        self._fallback = fallback
        self._items: Scanned | None = None

    def _get(self) -> Scanned:
        if self._items is None:
            try:
                blob = self._path.read_bytes()
                if not blob.startswith(self._token):
                    raise _CorruptCache(f"{self._path} is from another build")
                items = pickle.loads(blob[len(self._token) :])
                if not isinstance(items, tuple) or len(items) != self._count:
                    raise _CorruptCache(f"{self._path} is not this build's")
                self._items = items
            except (_CorruptCache, *_BAD_PICKLE):
                index = self._fallback().index
                assert index is not None
                self._items = tuple(index.scanned)
        return self._items

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[tuple[str, str, Matcher]]:
        return iter(self._get())

    def __getitem__(self, i: Any) -> Any:
        return self._get()[i]


def _write(path: Path, *parts: bytes | bytearray) -> None:
    with path.open("wb") as handle:
        for part in parts:
            handle.write(part)


def _write_cache(
    folder: Path, built_from: tuple[Sequence[Path], list[str], list[int]], catalog: Catalog
) -> None:
    """Write the cache of ``catalog``, read from ``built_from`` (the layers, the watched
    paths and their stamps when reading began), to ``folder``, replacing what is there."""
    import shutil  # here for start-up time: only a rebuild writes

    token = os.urandom(16)
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o700)
    try:
        blob = bytearray(token)
        offerings: dict[str, tuple[int, int]] = {}
        models: dict[str, tuple[int, int]] = {}
        for where, mapping in ((offerings, catalog.offerings), (models, catalog.models)):
            for key, value in mapping.items():
                data = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
                where[key] = (len(blob), len(data))
                blob += data
        _write(tmp / "cards.pickle", blob)
        index = catalog.index
        assert index is not None
        scanned = tuple(index.scanned)
        _write(tmp / "scanned.pickle", token, pickle.dumps(scanned, pickle.HIGHEST_PROTOCOL))
        head = {
            "providers": dict(catalog.providers),
            "layer_of": dict(catalog.layer_of),
            "by_id": index.by_id,
            "by_alias": index.by_alias,
            "scanned": len(scanned),
            "offerings": offerings,
            "models": models,
        }
        _write(tmp / "index.pickle", token, pickle.dumps(head, pickle.HIGHEST_PROTOCOL))
        paths, watched, stamped = built_from
        stamp = (_FORMAT, sys.version, _layer_spelling(paths), watched, stamped, token)
        _write(tmp / "stamp", marshal.dumps(stamp))
        old = folder.with_name(f"{folder.name}.{os.getpid()}.old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
        for legacy in folder.parent.glob("catalog-????????-*"):  # format 2: one per digest
            shutil.rmtree(legacy, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_cache(folder: Path, paths: Sequence[Path], fallback: Callable[[], Catalog]) -> Catalog:
    """The cached catalog in ``folder``; :class:`_CorruptCache` (or what a damaged file
    raises) when it is missing, stale or damaged."""
    with (folder / "stamp").open("rb") as handle:
        stamp = marshal.loads(handle.read())  # load(handle) reads it in many small pieces
    if not isinstance(stamp, tuple) or len(stamp) != 6:
        raise _CorruptCache("not a stamp")
    form, version, layers, watched, stamped, token = stamp
    if (form, version, layers) != (_FORMAT, sys.version, _layer_spelling(paths)):
        raise _CorruptCache("another format or list of layers")
    if stamps(watched) != stamped:
        raise _CorruptCache("a card or the code changed")
    with (folder / "index.pickle").open("rb") as handle:
        if handle.read(len(token)) != token:
            raise _CorruptCache("the index is from another build")
        head = pickle.load(handle)
    cards = _Cards(folder / "cards.pickle", token, fallback)
    scanned = _Scanned(folder / "scanned.pickle", token, head["scanned"], fallback)
    return Catalog(
        models=_Shelf(cards, head["models"], "models"),
        providers=MappingProxyType(head["providers"]),
        offerings=_Shelf(cards, head["offerings"], "offerings"),
        layer_of=MappingProxyType(head["layer_of"]),
        index=CatalogIndex(head["by_id"], head["by_alias"], scanned),
    )


def load_layers(roots: Sequence[Path | str], *, use_cache: bool = True) -> Catalog:
    """The catalog of the card directories ``roots``, lowest layer first. One directory
    gives the same catalog as :func:`catalog.load_catalog`. Raises
    :class:`catalog.CardErrors` listing every problem of every layer. With ``use_cache``
    the compiled cache (see the module docstring) is read, or written after reading the
    cards; it never changes the answer."""
    paths = [Path(r) for r in roots]
    if not use_cache:
        return _from_cards(paths)
    loaded: list[Catalog] = []

    def fallback() -> Catalog:
        if not loaded:
            loaded.append(_from_cards(paths))
        return loaded[0]

    folder = cache_folder(paths)
    try:
        return _read_cache(folder, paths, fallback)
    except (_CorruptCache, *_BAD_PICKLE):
        pass
    # stamped before the cards are read: a card edited meanwhile leaves the cache stale
    watched = watched_paths(paths)
    before = stamps(watched)
    merged = fallback()
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError, ValueError):
        _write_cache(folder, (paths, watched, before), merged)  # unwritable: not used
    return merged


__all__ = [
    "MANIFEST",
    "cache_folder",
    "index_of",
    "load_layers",
    "manifest_text",
    "merge_layers",
    "stamps",
    "watched_paths",
]
