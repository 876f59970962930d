"""Retention: old 'seen' fingerprints are purged through the store, counts kept right."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest_asyncio
from sqlalchemy import func, select

from bot.analysis.fingerprint import Landmarks
from bot.jobs.maintenance import purge
from bot.storage.db import create_engine, session_maker, upgrade
from bot.storage.fingerprints import AudioHash, AudioHashCount, AudioItemDTO, FingerprintStore


@pytest_asyncio.fixture
async def db_maker(db_url: str) -> AsyncIterator[object]:
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        yield session_maker(engine)
    finally:
        await engine.dispose()


def _landmarks(seed: int) -> Landmarks:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**20, 300, dtype=np.int64)
    times = np.sort(rng.integers(0, 2000, 300)).astype(np.int32)
    return Landmarks(hashes=hashes, times=times)


def _item(item_id: str, created_at: datetime) -> AudioItemDTO:
    return AudioItemDTO(
        id=item_id,
        title="",
        category="hoax",
        verdict="no_match",
        origin="seen",
        provenance="forwarded to Ojo",
        duration_s=12.0,
        n_hashes=300,
        created_at=created_at,
    )


async def test_old_seen_notes_are_purged_with_their_rows_and_counts(db_maker: object) -> None:
    maker = db_maker  # an async_sessionmaker
    store = FingerprintStore(maker)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    old = _item("seen-old", now - timedelta(days=30))
    kept = _item("seen-new", now)
    await store.add(old, _landmarks(1))
    await store.add(kept, _landmarks(2))
    counts = await purge(maker, cache_ttl_hours=24, now=now)  # type: ignore[arg-type]
    assert counts["seen_audio"] == 1
    async with maker() as session:  # type: ignore[operator]
        rows = await session.scalar(select(func.count()).select_from(AudioHash))
        counted = await session.scalar(select(func.sum(AudioHashCount.n_rows)))
    assert rows == counted  # per-hash counts match the rows left
    assert rows and rows <= 300
