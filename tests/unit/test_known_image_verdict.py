"""A picture's verdict with the known-image index (faked store, real OCR and engine)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.analysis.engines import EngineHolder
from bot.analysis.images.known import known_image_match
from bot.analysis.pipeline import Analyzer
from bot.analysis.submission import FileRef, Submission
from bot.content.loader import load_pack
from bot.render import render_verdict
from bot.services.check import CheckService, Where
from bot.stats_buffer import StatsBuffer
from bot.storage.images import ImageHit, ImageItemDTO
from bot.verdict import Verdict
from tests.conftest import FIXTURES

IMAGES = FIXTURES / "images"
pytestmark = pytest.mark.skipif(
    not Path("/usr/share/tesseract-ocr").exists(), reason="no tesseract language data installed"
)


class FakeImages:
    """ImageStore.lookup answering every query with one hit (or none), logging the queries."""

    def __init__(self, pattern_id: str | None, distance: int = 3) -> None:
        self.queries: list[str] = []
        self.pattern_id = pattern_id
        self.distance = distance

    async def lookup(self, query: str) -> ImageHit | None:
        self.queries.append(query)
        if self.pattern_id is None:
            return None
        item = ImageItemDTO(
            "mod-img-r1",
            "t",
            "family",
            "scam",
            "moderator",
            "test",
            51,
            datetime.now(UTC),
            pattern_id=self.pattern_id,
        )
        return ImageHit(item, self.distance)


@pytest.fixture
def analyzer(minimal_pack_dir: Path) -> Iterator[Analyzer]:
    analyzer = Analyzer(EngineHolder(load_pack(minimal_pack_dir), None))
    yield analyzer
    analyzer.close()


async def check(analyzer: Analyzer, images: FakeImages, name: str) -> Verdict:
    executor = ThreadPoolExecutor(max_workers=1)
    service = CheckService(
        analyzer=analyzer,
        media=None,  # type: ignore[arg-type]  # pictures never reach the audio steps
        memory=None,  # type: ignore[arg-type]
        moderation=None,  # type: ignore[arg-type]
        stats=StatsBuffer(None),  # type: ignore[arg-type]  # count() does no I/O
        executor=executor,
        timeout=30.0,
        images=images,  # type: ignore[arg-type]
    )

    async def fetch(file: FileRef) -> bytes:
        return (IMAGES / name).read_bytes()

    sub = Submission("photo", file=FileRef("F", "U", 1000), lang="es", country="ES")
    try:
        return await service.verdict(sub, Where("cli", fetch=fetch))
    finally:
        executor.shutdown()


async def test_a_copy_of_a_known_flyer_gets_its_patterns_scam_verdict(analyzer: Analyzer) -> None:
    images = FakeImages("family-new-number", distance=5)
    verdict = await check(analyzer, images, "flyer_giveaway.jpg")
    assert len(images.queries) == 1
    assert verdict.level == "scam"
    best = verdict.matches[0]
    assert (best.pattern_id, best.via, best.image_distance) == ("family-new-number", "image", 5)
    assert best.to_dict()["image_distance"] == 5
    html = render_verdict(verdict, "es")
    assert f"copia de una imagen de estafa conocida: {best.title}" in html


async def test_a_chat_screenshot_is_never_looked_up_among_known_images(
    analyzer: Analyzer,
) -> None:
    images = FakeImages("family-new-number")
    verdict = await check(analyzer, images, "benign_es.jpg")
    assert images.queries == []
    assert verdict.level == "no_match"


async def test_a_known_image_of_a_disabled_or_unknown_pattern_flags_nothing(
    analyzer: Analyzer,
) -> None:
    verdict = await check(analyzer, FakeImages("no-such-pattern"), "flyer_giveaway.jpg")
    assert verdict.level == "no_match"


def test_the_closer_the_copy_the_higher_the_score_and_only_scam_items_say_scam() -> None:
    exact = known_image_match(
        pattern_id="p", title="T", summary="", category="c", verdict="scam", distance=0
    )
    far = known_image_match(
        pattern_id="p", title="T", summary="", category="c", verdict="suspicious", distance=16
    )
    assert (exact.score, exact.level) == (1.0, "scam")
    assert (far.score, far.level) == (0.938, "suspicious")
    assert all(e.startswith("≈") for e in exact.evidence)  # never quoted as the words it said
