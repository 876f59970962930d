"""Trend detection: the same unknown item forwarded by many distinct people in a short window."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.moderation.store import ModerationStore
from bot.privacy import fingerprint_key, is_seen, seen_file, seen_id
from bot.storage.sightings import SightingRepo

if TYPE_CHECKING:
    from bot.analysis.fingerprint import FingerprintHit

logger = logging.getLogger(__name__)


async def audio_key(db: async_sessionmaker[AsyncSession], file_unique_id: str) -> str:
    """The trend key of a file: the earlier recording a re-encoded copy matched, else its own."""
    async with db() as session:
        alias = await ModerationStore(session).audio_alias(file_unique_id)
    return fingerprint_key(alias or seen_id(file_unique_id))


async def remember_copy(
    db: async_sessionmaker[AsyncSession], file_unique_id: str, hits: Sequence[FingerprintHit]
) -> str | None:
    """If this new file sounds like an earlier forwarded note, remember which; return it.

    `hits` are the fingerprint index's answer the analysis already got: one lookup per note.
    """
    own = seen_id(file_unique_id)
    earlier = next((h.item_id for h in hits if is_seen(h.item_id) and h.item_id != own), None)
    if earlier is None:
        return None
    async with db() as session, session.begin():
        store = ModerationStore(session)
        # Chains of copies collapse onto the first recording: a copy of a copy counts with it.
        earlier = await store.audio_alias(seen_file(earlier)) or earlier
        await store.set_audio_alias(file_unique_id, earlier)
    return earlier


async def count_and_decide(
    session: AsyncSession,
    content_key: str,
    user_hash: str,
    kind: str,
    now: datetime,
    *,
    users: int,
    hours: int,
) -> int | None:
    """Record a sighting; return the distinct-user count when moderators should hear now."""
    window = timedelta(hours=hours)
    repo = SightingRepo(session)
    count = await repo.record(content_key, user_hash, kind, now, window=window)
    if count < users or await repo.alerted_since(content_key, now - window):
        return None
    await repo.mark_alerted(content_key, count, now)
    return count
