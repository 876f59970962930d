"""The built pack and engine on disk: reused when current, rebuilt when stale, broken or absent."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

import bot.analysis.engines as engines
from bot.analysis.build_cache import MAGIC
from bot.analysis.engines import EngineHolder, make_encoder
from bot.analysis.pipeline import Analyzer
from bot.content.loader import load_pack
from tests.conftest import CONTENT

TEXTS = (
    "Hola mamá, se me rompió el móvil, este es mi número nuevo. ¿Me haces un Bizum de 300€?",
    "BBVA: su tarjeta ha sido bloqueada, verifique sus datos en https://bbva-alertas.top/login",
    "¿Quedamos el sábado para el cumple de Lucía? Llevo la tarta",
    "Hi grandma, it's me, I'm in trouble and need money for bail, please don't tell mom",
)


def verdicts(holder: EngineHolder) -> list[dict[str, Any]]:
    """What the analysis answers for TEXTS (timings left out)."""
    analyzer = Analyzer(holder)
    try:
        out = [analyzer.check_text(t).to_dict() for t in TEXTS]
    finally:
        analyzer.close()
    for v in out:
        v.pop("elapsed_ms")
    return out


def engine_files(cache: Path) -> list[Path]:
    """The engine files in a cache directory."""
    return sorted(cache.glob("engine-*.pickle"))


@pytest.fixture(scope="module")
def fresh() -> list[dict[str, Any]]:
    """The verdicts of an engine built from scratch, without any cache."""
    return verdicts(EngineHolder(load_pack(CONTENT), None))


def no_building(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any load of the content pack fail: only a cache hit can build the holder."""

    def refuse(root: Path) -> None:
        raise AssertionError(f"content loaded from {root}")

    monkeypatch.setattr(engines, "load_pack", refuse)


def test_a_second_start_loads_pack_and_engine_from_the_cache_with_the_same_verdicts(
    tmp_path: Path, fresh: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = EngineHolder.load(CONTENT, None, tmp_path)
    assert len(engine_files(tmp_path)) == 1
    assert verdicts(first) == fresh
    no_building(monkeypatch)
    second = EngineHolder.load(CONTENT, None, tmp_path)
    assert second.pack.version == first.pack.version
    assert verdicts(second) == fresh


def test_a_corrupt_cache_file_is_replaced_and_the_verdicts_stay_the_same(
    tmp_path: Path, fresh: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    EngineHolder.load(CONTENT, None, tmp_path)
    [path] = engine_files(tmp_path)
    path.write_bytes(path.read_bytes()[:1000])  # cut off, as by a crash mid-write
    assert verdicts(EngineHolder.load(CONTENT, None, tmp_path)) == fresh
    no_building(monkeypatch)  # the rebuilt file is whole again
    assert verdicts(EngineHolder.load(CONTENT, None, tmp_path)) == fresh


def test_a_cache_file_holding_another_key_is_ignored_and_rebuilt(
    tmp_path: Path, fresh: list[dict[str, Any]]
) -> None:
    EngineHolder.load(CONTENT, None, tmp_path)
    [path] = engine_files(tmp_path)
    _, _, payload = pickle.loads(path.read_bytes())  # noqa: S301 - our own test file
    path.write_bytes(pickle.dumps((MAGIC, "some-other-key", payload)))
    assert verdicts(EngineHolder.load(CONTENT, None, tmp_path)) == fresh
    _, key, _ = pickle.loads(path.read_bytes())  # noqa: S301 - our own test file
    assert key == path.stem.removeprefix("engine-")


def phrases_of(holder: EngineHolder, pattern_id: str) -> set[str]:
    """The Spanish phrases the holder's engine compiled for one pattern."""
    [pattern] = [p for p in holder.engine.patterns if p.id == pattern_id]
    return set(pattern.match.phrases["es"])


def test_a_content_change_makes_a_new_cache_entry_with_the_new_phrase(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content, ignore=shutil.ignore_patterns("devset", "training"))
    cache = tmp_path / "cache"
    before = EngineHolder.load(content, None, cache)
    assert "gato volador de zaragoza" not in phrases_of(before, "family-new-number")
    pattern = content / "patterns" / "family-new-number.yaml"
    source = pattern.read_text(encoding="utf-8")
    assert "    es:\n" in source
    pattern.write_text(
        source.replace("    es:\n", "    es:\n      gato volador de zaragoza: 0.3\n", 1),
        encoding="utf-8",
    )
    after = EngineHolder.load(content, None, cache)
    assert after.pack.version != before.pack.version
    assert len(engine_files(cache)) == 2
    assert "gato volador de zaragoza" in phrases_of(after, "family-new-number")
    again = EngineHolder.load(content, None, cache)  # the new entry is the one read now
    assert "gato volador de zaragoza" in phrases_of(again, "family-new-number")


def test_a_cache_directory_that_cannot_be_written_still_gives_the_same_verdicts(
    tmp_path: Path, fresh: list[dict[str, Any]]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data dir's parent should be")
    holder = EngineHolder.load(CONTENT, None, blocker / "cache")
    assert verdicts(holder) == fresh
    assert blocker.is_file()


def test_the_paraphrase_layer_comes_back_from_the_cache_with_the_same_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = EngineHolder.load(CONTENT, make_encoder(True, tmp_path), tmp_path)
    assert built.engine.has_paraphrase
    expected = verdicts(built)
    near = built.engine.nearest_examples(TEXTS[0])
    assert near  # the scam is near some pattern's examples: the layer is really in play
    no_building(monkeypatch)
    again = EngineHolder.load(CONTENT, make_encoder(True, tmp_path), tmp_path)
    assert again.engine.nearest_examples(TEXTS[0]) == near
    assert verdicts(again) == expected


def test_the_first_pattern_sync_without_moderator_patterns_keeps_the_engine() -> None:
    holder = EngineHolder(load_pack(CONTENT), None)
    engine = holder.engine
    holder.swap([], revision=0)
    assert holder.engine is engine
    assert holder.revision == 0
