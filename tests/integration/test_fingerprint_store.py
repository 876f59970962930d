"""FingerprintStore on a real SQLite file, and on PostgreSQL when OJO_TEST_POSTGRES_URL is set."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analysis import fingerprint
from bot.analysis.audio_pack import load_audio_pack
from bot.analysis.fingerprint import Landmarks, landmarks
from bot.analysis.media import decode_audio
from bot.storage import fingerprints
from bot.storage.base import Base
from bot.storage.db import create_engine, session_maker
from bot.storage.fingerprints import (
    AudioHash,
    AudioHashCount,
    AudioItem,
    AudioItemDTO,
    FingerprintStore,
)
from tests.integration.conftest import BACKENDS, scratch_database

ROOT = Path(__file__).parents[2]
HOAX = ROOT / "tests" / "fixtures" / "audio" / "hoax"
POLICE = "hoax-police-perfumed-leaflets"
TABLES = [AudioItem.__table__, AudioHash.__table__, AudioHashCount.__table__]


@cache
def pack() -> dict[str, tuple[AudioItemDTO, Landmarks]]:
    return {item.id: (item, lm) for item, lm in load_audio_pack(ROOT / "content" / "audio")}


@cache
def clip(name: str) -> Landmarks:
    return landmarks(decode_audio((HOAX / name).read_bytes()).samples)


@pytest.fixture(params=BACKENDS)
async def fp_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A fresh database holding only the two fingerprint tables, through Ojo's own engine."""
    async with scratch_database(request.param, tmp_path) as url:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=TABLES))
        try:
            yield engine
        finally:
            async with engine.begin() as conn:
                await conn.run_sync(lambda sync: Base.metadata.drop_all(sync, tables=TABLES))
            await engine.dispose()


@pytest.fixture
async def store(fp_engine: AsyncEngine) -> FingerprintStore:
    store = FingerprintStore(session_maker(fp_engine))
    for item, lm in pack().values():
        await store.add(item, lm)
    return store


async def count_hashes(engine: AsyncEngine, item_id: str, key: int | None = None) -> int:
    """Landmark rows of an item (by its integer key when given: the item row may be gone)."""
    async with engine.connect() as conn:
        if key is None:
            key = (
                await conn.execute(select(AudioItem.key).where(AudioItem.id == item_id))
            ).scalar_one_or_none()
        result = await conn.execute(
            select(func.count()).select_from(AudioHash).where(AudioHash.item_key == key)
        )
        return int(result.scalar_one())


async def hash_counts(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as conn:
        result = await conn.execute(select(AudioHashCount.hash, AudioHashCount.n_rows))
        return dict(result.all())


async def true_counts(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as conn:
        result = await conn.execute(select(AudioHash.hash, func.count()).group_by(AudioHash.hash))
        return dict(result.all())


async def test_a_trimmed_copy_is_found_in_the_database_at_its_offset(
    store: FingerprintStore,
) -> None:
    hits = await store.lookup(clip("altered/trim-2s.ogg"))

    assert [h.item_id for h in hits] == [POLICE]
    assert hits[0].offset_seconds == pytest.approx(2.0, abs=0.5)


async def test_a_six_second_excerpt_is_found_in_the_database(store: FingerprintStore) -> None:
    hits = await store.lookup(clip("altered/excerpt-6s-at-14s.ogg"))

    assert [h.item_id for h in hits] == [POLICE]
    assert hits[0].offset_seconds == pytest.approx(14.0, abs=0.5)


async def test_the_database_and_the_memory_index_give_the_same_hits(
    store: FingerprintStore,
) -> None:
    memory = fingerprint.MemoryFingerprintIndex()
    for item, lm in pack().values():
        memory.add(item.id, lm)
    query = clip("altered/noise-10db-snr.ogg")

    assert await store.lookup(query) == memory.query(query)


async def test_a_note_that_is_not_known_finds_nothing(store: FingerprintStore) -> None:
    assert await store.lookup(clip("nonmatch/es-shopping.ogg")) == []
    assert await store.lookup(Landmarks(np.empty(0, np.int64), np.empty(0, np.int32))) == []


async def test_a_long_recording_still_finds_the_hoax_among_other_audio(
    store: FingerprintStore,
) -> None:
    # ~20 min worth of other landmarks: the hashes go to the database as one array parameter.
    copy = clip("altered/trim-2s.ogg")
    n_other = 50_000
    rng = np.random.default_rng(3)
    query = Landmarks(
        np.concatenate([copy.hashes, rng.integers(2**24, 2**30, n_other)]),
        np.concatenate([copy.times, rng.integers(0, 20_000, n_other).astype(np.int32)]),
    )

    hits = await store.lookup(query)

    assert [h.item_id for h in hits] == [POLICE]
    assert hits[0].offset_seconds == pytest.approx(2.0, abs=0.5)


async def test_get_returns_the_item_as_stored(store: FingerprintStore) -> None:
    item, lm = pack()[POLICE]

    stored = await store.get(POLICE)

    assert stored == replace(item, n_hashes=len(set(zip(lm.hashes, lm.times, strict=True))))
    assert stored is not None
    assert stored.created_at.tzinfo is not None
    assert await store.get("no-such-item") is None


async def test_times_in_other_zones_come_back_as_the_same_instant(store: FingerprintStore) -> None:
    item, lm = pack()[POLICE]
    lima = datetime(2026, 11, 26, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    await store.add(replace(item, id="moderator-copy", origin="moderator", created_at=lima), lm)

    stored = await store.get("moderator-copy")

    assert stored is not None
    assert stored.created_at == lima
    assert stored.created_at.astimezone(UTC).hour == 14


async def test_an_item_id_can_only_be_added_once(store: FingerprintStore) -> None:
    item, lm = pack()[POLICE]

    with pytest.raises(ValueError, match="already exists"):
        await store.add(item, lm)


async def test_duplicate_landmarks_are_stored_once(
    fp_engine: AsyncEngine, store: FingerprintStore
) -> None:
    item, lm = pack()[POLICE]
    doubled = Landmarks(np.concatenate([lm.hashes] * 2), np.concatenate([lm.times] * 2))

    await store.add(replace(item, id="doubled"), doubled)

    stored = await store.get("doubled")
    assert stored is not None
    assert stored.n_hashes == await count_hashes(fp_engine, "doubled") == len(lm)


async def test_remove_deletes_the_item_and_its_landmarks(
    fp_engine: AsyncEngine, store: FingerprintStore
) -> None:
    assert await count_hashes(fp_engine, POLICE) > 500

    async with fp_engine.connect() as conn:
        key = (
            await conn.execute(select(AudioItem.key).where(AudioItem.id == POLICE))
        ).scalar_one()

    await store.remove(POLICE)

    assert await store.get(POLICE) is None
    assert await count_hashes(fp_engine, POLICE, key) == 0
    assert await hash_counts(fp_engine) == await true_counts(fp_engine)
    assert await store.lookup(clip("altered/trim-2s.ogg")) == []
    assert await store.ids() == ["hoax-bank-say-yes-voice-clone", "hoax-doctor-hot-water-gargle"]


async def test_deleting_an_item_row_cascades_to_its_landmarks(
    fp_engine: AsyncEngine, store: FingerprintStore
) -> None:
    async with fp_engine.begin() as conn:
        key = (
            await conn.execute(select(AudioItem.key).where(AudioItem.id == POLICE))
        ).scalar_one()
        await conn.execute(delete(AudioItem).where(AudioItem.id == POLICE))

    assert await count_hashes(fp_engine, POLICE, key) == 0
    assert await count_hashes(fp_engine, "hoax-bank-say-yes-voice-clone") > 500


async def test_removing_an_unknown_item_is_harmless(store: FingerprintStore) -> None:
    await store.remove("no-such-item")

    assert len(await store.ids()) == 3


async def test_the_row_counts_per_hash_follow_adds(
    fp_engine: AsyncEngine, store: FingerprintStore
) -> None:
    counts = await hash_counts(fp_engine)

    assert counts == await true_counts(fp_engine)
    assert sum(counts.values()) == sum(
        item.n_hashes
        for item in [await store.get(i) for i in await store.ids()]
        if item is not None
    )


async def test_items_get_distinct_integer_keys_and_a_removed_key_is_not_reused(
    fp_engine: AsyncEngine, store: FingerprintStore
) -> None:
    item, lm = pack()[POLICE]
    await store.add(replace(item, id="extra"), lm)
    async with fp_engine.connect() as conn:
        keys = dict((await conn.execute(select(AudioItem.id, AudioItem.key))).all())

    assert sorted(keys.values()) == [1, 2, 3, 4]
    assert keys["extra"] == 4


async def test_over_the_row_budget_the_commonest_hashes_are_skipped_and_the_copy_still_found(
    store: FingerprintStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = clip("altered/trim-2s.ogg")
    full = await store.lookup(query)
    monkeypatch.setattr(fingerprints, "ROW_BUDGET", 300)

    hits = await store.lookup(query)

    assert [h.item_id for h in hits] == [POLICE]
    assert hits[0].total_query < full[0].total_query  # fewer of the query's landmarks were read
    assert hits[0].offset_seconds == pytest.approx(2.0, abs=0.5)


async def test_a_budget_too_small_for_any_hash_finds_nothing(
    store: FingerprintStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprints, "ROW_BUDGET", 0)

    assert await store.lookup(clip("altered/trim-2s.ogg")) == []


async def test_lookup_many_answers_each_query_in_order(store: FingerprintStore) -> None:
    queries = [clip("altered/trim-2s.ogg"), clip("nonmatch/es-shopping.ogg")]

    found = await store.lookup_many(queries)

    assert [[h.item_id for h in hits] for hits in found] == [[POLICE], []]


async def test_a_batched_lookup_gives_the_same_hits_as_one_lookup_per_clip(
    store: FingerprintStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["altered/trim-2s.ogg", "nonmatch/es-shopping.ogg", "altered/opus-12k.ogg",
             "altered/excerpt-6s-at-14s.ogg", "altered/noise-10db-snr.ogg"]  # fmt: skip
    queries = [clip(name) for name in names]
    one_by_one = [await store.lookup(q) for q in queries]
    monkeypatch.setattr(fingerprints, "BATCH_QUERIES", 2)  # batches of 2, 2 and 1

    batched = await store.lookup_many(queries)

    assert batched == one_by_one
    assert [bool(hits) for hits in batched] == [True, False, True, True, True]


async def test_a_batch_over_the_row_budget_skips_hashes_per_clip_as_single_lookups_do(
    store: FingerprintStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [clip("altered/trim-2s.ogg"), clip("altered/opus-12k.ogg")]
    monkeypatch.setattr(fingerprints, "ROW_BUDGET", 300)
    one_by_one = [await store.lookup(q) for q in queries]

    batched = await store.lookup_many(queries)

    assert batched == one_by_one
    assert [[h.item_id for h in hits] for hits in batched] == [[POLICE], [POLICE]]


async def test_hashes_common_to_many_items_are_skipped_and_a_re_encoded_copy_still_found(
    fp_engine: AsyncEngine, store: FingerprintStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    item, _ = pack()[POLICE]
    query = clip("altered/opus-12k.ogg")
    # Decoys: 40 items that each carry half of the note's hashes at random times, making those
    # hashes the commonest in the index (as the sounds every voice note shares are).
    rng = np.random.default_rng(7)
    common = rng.choice(np.unique(query.hashes), size=np.unique(query.hashes).size // 2,
                        replace=False)  # fmt: skip
    for n in range(40):
        times = rng.integers(0, 2_000, common.size).astype(np.int32)
        await store.add(replace(item, id=f"decoy-{n:02d}"), Landmarks(common, times))
    monkeypatch.setattr(fingerprints, "ROW_BUDGET", 2_000)
    read: list[tuple[list[int], list[int]]] = []
    real = fingerprints._affordable

    def spy(counts: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
        read.append(real(counts))
        return read[-1]

    monkeypatch.setattr(fingerprints, "_affordable", spy)

    hits = await store.lookup(query)

    _, skipped = read[0]
    assert set(skipped) <= set(common.tolist())  # only the common hashes were dropped
    assert len(skipped) > len(common) // 2
    assert [h.item_id for h in hits] == [POLICE]
    assert hits[0].offset_seconds == pytest.approx(0.0, abs=0.5)
