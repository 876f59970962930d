"""Background upkeep: seed known audio, purge what retention says to forget."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.cache import VerdictCacheRepo
from bot.storage.reports import ReportRepo

logger = logging.getLogger(__name__)
MAINTENANCE_EVERY = 3600.0  # seconds between purges


async def seed_known_audio(db: async_sessionmaker[AsyncSession], root: Path) -> int:
    """Store the shipped hoax fingerprints (content/audio) that the database lacks."""
    if not (root / "index.yaml").exists():
        return 0
    from bot.analysis.audio_pack import load_audio_pack
    from bot.storage.fingerprints import FingerprintStore

    store = FingerprintStore(db)
    added = 0
    for item, lm in await asyncio.to_thread(load_audio_pack, root):
        if await store.get(item.id) is None:
            await store.add(item, lm)
            added += 1
    if added:
        logger.info("seeded %d known audio fingerprints", added)
    return added


async def purge(
    db: async_sessionmaker[AsyncSession], cache_ttl_hours: int, now: datetime | None = None
) -> dict[str, int]:
    """Delete expired cache entries, reports past retention and old 'seen' fingerprints."""
    from bot.storage.fingerprints import AudioItem, FingerprintStore

    now = now or datetime.now(UTC)
    cutoff = now - timedelta(hours=cache_ttl_hours)
    async with db() as session, session.begin():
        cache = await VerdictCacheRepo(session).purge_expired(now)
        reports = await ReportRepo(session).purge_expired(now)
        old = (
            (
                await session.execute(
                    select(AudioItem.id).where(
                        AudioItem.origin == "seen", AudioItem.created_at < cutoff
                    )
                )
            )
            .scalars()
            .all()
        )
    # Through the store, one item at a time, so the per-hash row counts stay right.
    store = FingerprintStore(db)
    for item_id in old:
        await store.remove(item_id)
    counts = {"cache": cache, "reports": reports, "seen_audio": len(old)}
    logger.info("purged %s", counts)
    return counts


async def maintenance_loop(db: async_sessionmaker[AsyncSession], cache_ttl_hours: int) -> None:
    """Purge once an hour (each replica may run it: the deletes are idempotent)."""
    while True:
        try:
            await purge(db, cache_ttl_hours)
        except Exception:  # a failed purge is retried next hour; it must not kill the bot
            logger.exception("maintenance failed")
        await asyncio.sleep(MAINTENANCE_EVERY)
