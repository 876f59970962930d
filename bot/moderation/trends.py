"""Trend detection: the same unknown item forwarded by many distinct people in a short window."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.moderation.store import ModerationStore
from bot.storage.sightings import SightingRepo

if TYPE_CHECKING:
    from bot.analysis.fingerprint import Landmarks

logger = logging.getLogger(__name__)
SEEN_PREFIX = "seen-"  # the runner's id prefix of fingerprints of notes forwarded to Ojo


def seen_id(file_unique_id: str) -> str:
    """The fingerprint item id the media runner gives a forwarded note."""
    return f"{SEEN_PREFIX}{file_unique_id}"[:80]


def audio_content_key(item_id: str) -> str:
    """The content key under which sightings of one recording (any encoding) are counted."""
    return f"fp:{item_id}"


async def audio_key(db: async_sessionmaker[AsyncSession], file_unique_id: str) -> str:
    """The trend key of a file: the earlier recording a re-encoded copy matched, else its own."""
    async with db() as session:
        alias = await ModerationStore(session).audio_alias(file_unique_id)
    return audio_content_key(alias or seen_id(file_unique_id))


async def remember_copy(
    db: async_sessionmaker[AsyncSession], file_unique_id: str, lm: Landmarks
) -> str | None:
    """If this new file sounds like an earlier forwarded note, remember which; return it."""
    from bot.storage.fingerprints import FingerprintStore

    own = seen_id(file_unique_id)
    hits = await FingerprintStore(db).lookup(lm)
    earlier = next(
        (h.item_id for h in hits if h.item_id.startswith(SEEN_PREFIX) and h.item_id != own), None
    )
    if earlier is None:
        return None
    async with db() as session, session.begin():
        store = ModerationStore(session)
        # Chains of copies collapse onto the first recording: a copy of a copy counts with it.
        earlier = await store.audio_alias(earlier.removeprefix(SEEN_PREFIX)) or earlier
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
