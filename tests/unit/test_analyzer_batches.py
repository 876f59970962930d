"""Texts waiting for the analyzer thread go together: one embedding call, the same verdicts."""

from __future__ import annotations

import asyncio
import threading
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.analysis import pipeline
from bot.analysis.engines import CachingEncoder, EngineHolder
from bot.analysis.pipeline import Analyzer
from bot.content.loader import load_pack

TEXTS = [
    "Hola mamá, se me rompió el móvil, este es mi número nuevo, hazme un bizum",
    "¿Vienes a cenar el sábado? Traigo el postre y el vino",
    "Papá, este es mi número nuevo, guárdalo y pásame 200 euros hoy",
    "La reunión de vecinos es el martes a las ocho en el portal",
    "Mamá soy yo, el móvil se me cayó al agua, te escribo desde este",
    "Recuerda que mañana hay que llevar el coche al taller temprano",
]


class HashEncoder:
    """Stands in for the sentence encoder: a fixed vector per text; records every call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for text in texts:
            v = np.random.default_rng(zlib.crc32(text.encode())).normal(size=512)
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), 512)


@pytest.fixture
def analyzer(minimal_pack_dir: Path) -> tuple[Analyzer, HashEncoder]:
    inner = HashEncoder()
    holder = EngineHolder(load_pack(minimal_pack_dir), CachingEncoder(inner))
    a = Analyzer(holder)
    yield a, inner  # type: ignore[misc]
    a.close()


async def test_texts_that_arrive_together_are_embedded_in_one_call(
    analyzer: tuple[Analyzer, HashEncoder], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, inner = analyzer
    monkeypatch.setattr(pipeline, "INLINE_BUDGET_MS", -1.0)  # as when the encoder is slow
    inner.calls.clear()

    await asyncio.gather(*(a.check_text_async(t, lang="es") for t in TEXTS))

    assert [sorted(c) for c in inner.calls] == [sorted(TEXTS)]


async def test_a_text_gets_the_same_verdict_alone_or_in_a_batch(
    analyzer: tuple[Analyzer, HashEncoder], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = analyzer
    alone = [a.check_text(t, lang="es") for t in TEXTS]
    monkeypatch.setattr(pipeline, "INLINE_BUDGET_MS", -1.0)

    together = await asyncio.gather(*(a.check_text_async(t, lang="es") for t in TEXTS))

    def essence(v: pipeline.Verdict) -> object:
        return (v.level, round(v.score, 6), [(m.pattern_id, m.evidence) for m in v.matches])

    assert [essence(v) for v in together] == [essence(v) for v in alone]
    assert any(v.level != "no_match" for v in alone)  # the batch held scams and others


async def test_cheap_analyses_run_on_the_event_loop_without_the_thread(
    analyzer: tuple[Analyzer, HashEncoder], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = analyzer
    monkeypatch.setattr(pipeline, "INLINE_BUDGET_MS", 1_000.0)  # every analysis counts as cheap
    threads: list[str] = []
    check = a.check_text

    def recording(text: str, **kwargs: Any) -> pipeline.Verdict:
        threads.append(threading.current_thread().name)
        return check(text, **kwargs)

    monkeypatch.setattr(a, "check_text", recording)

    await asyncio.gather(*(a.check_text_async(t, lang="es") for t in TEXTS))

    assert threads == [threading.main_thread().name] * len(TEXTS)
