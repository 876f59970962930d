"""ImageStore on a real SQLite file, and on PostgreSQL when OJO_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analysis.images.phash import crop_hashes, image_hash
from bot.storage import images
from bot.storage.base import Base
from bot.storage.db import create_engine, session_maker
from bot.storage.images import CHUNKS, ImageItemDTO, ImageStore, chunks, probes
from bot.storage.models import ImageChunkCount, ImageHash, ImageHashChunk, ImageItem
from tests.conftest import FIXTURES
from tests.integration.conftest import BACKENDS, scratch_database

IMAGES = FIXTURES / "images"
TABLES = [
    ImageItem.__table__,
    ImageHash.__table__,
    ImageHashChunk.__table__,
    ImageChunkCount.__table__,
]


def load(name: str) -> Image.Image:
    return Image.open(IMAGES / name).convert("RGB")


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def item(item_id: str, pattern_id: str = "sorteo-falso") -> ImageItemDTO:
    return ImageItemDTO(
        id=item_id,
        title="Sorteo falso de supermercado",
        category="prize",
        verdict="scam",
        origin="moderator",
        provenance="report #1, reviewed by a moderator",
        n_hashes=0,
        created_at=datetime(2026, 12, 3, tzinfo=UTC),
        pattern_id=pattern_id,
    )


@pytest.fixture(params=BACKENDS)
async def img_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A fresh database holding only the three image tables, through Ojo's own engine."""
    async with scratch_database(request.param, tmp_path) as url:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=TABLES))
        try:
            yield engine
        finally:
            await engine.dispose()


@pytest.fixture
async def store(img_engine: AsyncEngine) -> ImageStore:
    store = ImageStore(session_maker(img_engine))
    await store.add(item("mod-img-r1"), crop_hashes(load("flyer_giveaway.jpg")))
    await store.add(item("mod-img-r2", "premio-qr"), crop_hashes(load("qr_flyer.png")))
    return store


def test_a_hash_is_cut_into_sixteen_indexed_chunks_that_rebuild_it() -> None:
    h = image_hash(load("flyer_giveaway.jpg"))
    parts = chunks(h)
    assert len(parts) == CHUNKS == 16
    assert [c >> 16 for c in parts] == list(range(16))
    assert "".join(f"{c & 0xFFFF:04x}" for c in parts) == h
    assert len(probes(h)) == 16 * 17  # each chunk and its 16 one-bit neighbours


@pytest.mark.parametrize(
    "alter",
    [
        lambda im: jpeg(im, 60),
        lambda im: im.resize((im.width // 2, im.height // 2)),
        lambda im: im.crop((0, im.height // 10, im.width, im.height)),
        lambda im: jpeg(im.crop((im.width // 10, 0, im.width, im.height)), 70),
    ],
    ids=["jpeg 60", "half size", "top 10 % cut", "left 10 % cut and jpeg 70"],
)
async def test_altered_copies_of_a_stored_flyer_are_found(
    store: ImageStore, alter: object
) -> None:
    copy = alter(load("flyer_giveaway.jpg"))  # type: ignore[operator]
    hit = await store.lookup(image_hash(copy))
    assert hit is not None
    assert hit.item.id == "mod-img-r1"
    assert hit.item.pattern_id == "sorteo-falso"
    assert hit.distance <= 16


async def test_different_pictures_are_not_found(store: ImageStore) -> None:
    others = ["flyer_bakery.jpg", "benign_es.jpg", "scam_banistmo.jpg"]
    assert [await store.lookup(image_hash(load(n))) for n in others] == [None] * 3


async def test_a_stricter_threshold_refuses_a_farther_copy(store: ImageStore) -> None:
    flyer = load("flyer_giveaway.jpg")
    cut = flyer.crop((0, int(flyer.height * 0.07), flyer.width, flyer.height))  # off the grid
    hit = await store.lookup(image_hash(cut))
    assert hit is not None
    assert await store.lookup(image_hash(cut), threshold=hit.distance - 1) is None


async def test_removing_an_item_drops_its_hashes_and_chunks(
    store: ImageStore, img_engine: AsyncEngine
) -> None:
    await store.remove("mod-img-r1")
    await store.remove("mod-img-r1")  # absent now: no error
    async with img_engine.connect() as conn:
        left = {
            t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in TABLES
        }
        keys = set((await conn.execute(select(ImageHash.item_key).distinct())).scalars())
    assert await store.get("mod-img-r1") is None
    assert await store.lookup(image_hash(load("flyer_giveaway.jpg"))) is None
    assert await store.ids() == ["mod-img-r2"]
    assert left["image_items"] == 1
    assert keys == {2}  # only the QR flyer's rows are left
    async with img_engine.connect() as conn:
        counted = (await conn.execute(select(func.sum(ImageChunkCount.n_rows)))).scalar_one()
    assert counted == left["image_hash_chunks"]  # the counts follow the rows


async def test_a_lookup_over_its_row_budget_skips_costly_chunks_and_still_finds_the_copy(
    store: ImageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(images, "ROW_BUDGET", 0)  # every lookup is "too costly"
    flyer = load("flyer_giveaway.jpg")
    hit = await store.lookup(image_hash(jpeg(flyer.crop((0, 60, flyer.width, flyer.height)), 60)))
    assert hit is not None
    assert hit.item.id == "mod-img-r1"
    assert await store.lookup(image_hash(load("flyer_bakery.jpg"))) is None


async def test_items_are_listed_by_pattern_and_ids_must_be_new(store: ImageStore) -> None:
    assert await store.ids("premio-qr") == ["mod-img-r2"]
    stored = await store.get("mod-img-r1")
    assert stored is not None
    assert stored.n_hashes == len(set(crop_hashes(load("flyer_giveaway.jpg"))))
    with pytest.raises(ValueError, match="already exists"):
        await store.add(item("mod-img-r1"), [image_hash(load("flyer_bakery.jpg"))])
    with pytest.raises(ValueError, match="hex digits"):
        await store.add(item("mod-img-r9"), ["abc"])
