"""Pattern examples' embeddings are cached; messages are embedded afresh and never kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.analysis.engines import CachingEncoder
from bot.content.loader import load_pack
from bot.matching.engine import Engine


class _Counting:
    """A tiny deterministic encoder that counts the texts it embeds."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, len(t) % 8] = 1.0
        return out


def test_messages_are_not_cached_but_examples_are(minimal_pack_dir: Path) -> None:
    pack = load_pack(minimal_pack_dir)
    inner = _Counting()
    encoder = CachingEncoder(inner)
    Engine(pack.patterns, pack.engine, encoder)
    Engine(pack.patterns, pack.engine, encoder)  # a rebuild reuses the examples' vectors
    examples = len(inner.seen)
    assert examples == 2  # the minimal pack has one match example per language
    engine = Engine(pack.patterns, pack.engine, encoder)
    message = "hola mamá este es mi número nuevo, me haces un bizum porfa"
    engine.analyze(message)
    engine.analyze(message)
    assert inner.seen[examples:] == [message, message]


def test_the_example_cache_survives_a_restart_on_disk(
    minimal_pack_dir: Path, tmp_path: Path
) -> None:
    pack = load_pack(minimal_pack_dir)
    first = _Counting()
    cache = tmp_path / "example-embeddings.npz"
    encoder = CachingEncoder(first, cache)
    Engine(pack.patterns, pack.engine, encoder)
    encoder.remember(
        ["Hola mamá, se me rompió el móvil, este es mi número nuevo. ¿Me haces un Bizum?"]
    )
    second = _Counting()
    CachingEncoder(second, cache).encode(
        ["Hola mamá, se me rompió el móvil, este es mi número nuevo. ¿Me haces un Bizum?"]
    )
    assert second.seen == []
