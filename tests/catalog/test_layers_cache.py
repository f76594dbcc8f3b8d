"""The compiled cache of layered catalogs (catalog.layers): a changed, added or removed card
in either layer, or a change to the catalog code, rebuilds it; a damaged or unwritable cache
falls back to the cards with the same answers and no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from billing import price
from catalog import Catalog, load_catalog, load_layers
from catalog.layers import cache_folder, watched_paths

from ..conftest import DATA

ROOT = Path(__file__).resolve().parents[2]
CARD = Path("providers") / "empiriolabs" / "models" / "qwen3-5-4b.yaml"
RECORD = {"model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, "completion_tokens": 20}}


def _tree(dst: Path) -> Path:
    for sub in ("models", "providers"):
        shutil.copytree(DATA / sub, dst / sub)
    return dst


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Two layers, each a copy of the seed cards: every offering of ``high`` replaces the
    same offering of ``low``."""
    monkeypatch.setenv("RATECARD_CACHE", str(tmp_path / "cache"))
    return [_tree(tmp_path / "low"), _tree(tmp_path / "high")]


def _total(catalog: Catalog) -> Decimal:
    return price(RECORD, catalog).total


def _edit_input_price(root: Path, new: str) -> None:
    card = root / CARD
    text = card.read_text()
    assert "input_mtok: 0.04" in text
    card.write_text(text.replace("input_mtok: 0.04", f"input_mtok: {new}", 1))


def test_warm_cache_gives_the_same_catalog(layers: list[Path]) -> None:
    cold = load_layers(layers)
    assert (cache_folder(layers) / "stamp").is_file()
    warm = load_layers(layers)
    assert type(warm.offerings).__name__ == "_Shelf"  # read from the cache
    direct = load_layers(layers, use_cache=False)
    assert dict(warm.offerings.items()) == dict(direct.offerings.items())
    assert dict(warm.models.items()) == dict(direct.models.items())
    assert dict(warm.layer_of) == dict(cold.layer_of) == dict(direct.layer_of)
    assert list(warm) == list(direct)
    # seed 000, qwen3-5-4b: input $0.04, output $0.07 per 1M:
    # 1000 × 0.04 + 20 × 0.07 = 40 + 1.4 = 41.4 µ$ = 0.0000414
    assert _total(warm) == Decimal("0.0000414")


@pytest.mark.parametrize("which", [0, 1])
def test_a_changed_card_in_either_layer_rebuilds(layers: list[Path], which: int) -> None:
    load_layers(layers)
    # an edit in the top layer shows; one in the bottom layer is still replaced by the top
    # layer's card, but the cache is rebuilt all the same (and the bottom alone shows it)
    _edit_input_price(layers[which], "0.05")
    fresh = load_layers(layers)
    assert type(fresh.offerings).__name__ != "_Shelf"  # rebuilt from the cards
    if which == 1:
        # 1000 × 0.05 + 20 × 0.07 = 50 + 1.4 = 51.4 µ$
        assert _total(fresh) == Decimal("0.0000514")
    else:
        assert _total(fresh) == Decimal("0.0000414")
        # the bottom layer alone: 1000 × 0.05 + 1.4 = 51.4 µ$
        assert _total(load_layers(layers[:1])) == Decimal("0.0000514")
    warm = load_layers(layers)
    assert type(warm.offerings).__name__ == "_Shelf"
    assert _total(warm) == _total(fresh)


def test_a_same_size_edit_with_the_old_mtime_rebuilds(layers: list[Path]) -> None:
    load_layers(layers)
    card = layers[1] / CARD
    before = card.stat()
    _edit_input_price(layers[1], "0.09")  # same length as 0.04
    os.utime(card, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert card.stat().st_size == before.st_size
    # 1000 × 0.09 + 20 × 0.07 = 90 + 1.4 = 91.4 µ$ (the change time gave it away)
    assert _total(load_layers(layers)) == Decimal("0.0000914")


def test_an_added_or_removed_card_rebuilds(layers: list[Path]) -> None:
    assert "empiriolabs/qwen3-5-4b" in load_layers(layers).offerings
    for root in layers:
        (root / CARD).rename(root / CARD.with_suffix(".txt"))
    gone = load_layers(layers)
    assert "empiriolabs/qwen3-5-4b" not in gone.offerings
    (layers[0] / CARD.with_suffix(".txt")).rename(layers[0] / CARD)
    back = load_layers(layers)
    assert "empiriolabs/qwen3-5-4b" in back.offerings
    assert back.layer_of["empiriolabs/qwen3-5-4b"] == str(layers[0])


def test_a_file_beside_the_cards_is_not_a_change(layers: list[Path]) -> None:
    load_layers(layers)
    (layers[1] / "notes.txt").write_text("the schema, a manifest, a README")
    assert type(load_layers(layers).offerings).__name__ == "_Shelf"  # still the cache


def test_the_catalog_code_is_watched(layers: list[Path]) -> None:
    (layers[0] / "models" / "__pycache__").mkdir()  # as Python makes beside modules
    watched = set(watched_paths(layers))
    package = ROOT / "catalog"
    for module in ("model.py", "layers.py", "cards/loader.py", "matching.py"):
        assert str(package / module) in watched
    assert str(layers[0] / CARD) in watched and str(layers[1] / "models") in watched
    # Python writing bytecode (a module imported for the first time) is not a change
    assert not [p for p in watched if "__pycache__" in p]


@pytest.mark.parametrize("damage", ["stamp", "index.pickle", "cards.pickle", "scanned.pickle"])
def test_a_damaged_cache_falls_back_to_the_cards(layers: list[Path], damage: str) -> None:
    load_layers(layers)
    path = cache_folder(layers) / damage
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2] + b"\x80garbage")
    catalog = load_layers(layers)
    assert _total(catalog) == Decimal("0.0000414")
    assert len(list(catalog)) == len(list(load_layers(layers, use_cache=False)))
    assert catalog.find("no-such-model") is None  # a scan of the match rules


def test_a_cache_from_another_build_is_not_mixed_in(layers: list[Path]) -> None:
    load_layers(layers)
    folder = cache_folder(layers)
    old = (folder / "cards.pickle").read_bytes()
    catalog = load_layers(layers)  # reads the index of this build
    (folder / "cards.pickle").write_bytes(b"\0" * 16 + old[16:])  # another build's token
    assert _total(catalog) == Decimal("0.0000414")  # taken from the cards instead


def test_an_unwritable_cache_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("RATECARD_CACHE", str(blocker / "cache"))
    catalog = load_layers([DATA])
    assert _total(catalog) == Decimal("0.0000414")
    assert catalog.offerings.keys() == load_catalog(DATA).offerings.keys()


def test_the_command_has_no_traceback_on_a_damaged_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "RATECARD_CACHE": str(cache)}
    record = '{"model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, "completion_tokens": 20}}'
    argv = [sys.executable, "-c", "from ratecard.cli import main; raise SystemExit(main())"]
    argv += ["--data", str(DATA), "price", "--json", "-"]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, input=record, text=True, capture_output=True, env=env)

    first = run()
    assert first.returncode == 0, first.stderr
    for path in next(cache.glob("catalog-*")).iterdir():
        path.write_bytes(b"\x80\x05garbage")
    second = run()
    assert second.returncode == 0 and second.stderr == ""
    assert second.stdout == first.stdout
    assert '"total": "0.0000414"' in second.stdout


def test_processes_filling_the_cache_at_once_agree(tmp_path: Path) -> None:
    env = {**os.environ, "RATECARD_CACHE": str(tmp_path / "cache")}
    record = '{"model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, "completion_tokens": 20}}'
    argv = [sys.executable, "-c", "from ratecard.cli import main; raise SystemExit(main())"]
    argv += ["--data", str(DATA), "--data", str(_tree(tmp_path / "top")), "price", "--json", "-"]
    runs = [
        subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(record) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0]
    assert {err for _, err in outputs} == {""}
    # 1000 × 0.04 + 20 × 0.07 = 41.4 µ$, whichever process wrote the cache
    assert all('"total": "0.0000414"' in out for out, _ in outputs)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        cache_folder([DATA, tmp_path / "top"]).name
    ]
