"""Who (hashed) sent which content recently, to alert moderators about trending scams."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import rowcount, upsert
from bot.storage.models import Sighting, TrendAlert


class SightingRepo:
    """Distinct (hashed) senders per content over a sliding window, and alerts sent."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, content_key: str, user_hash: str, kind: str, now: datetime, *, window: timedelta
    ) -> int:
        """Note that a user sent this content; return distinct users seen within `window`."""
        values = {
            "content_key": content_key,
            "user_hash": user_hash,
            "first_seen": now,
            "last_seen": now,
            "kind": kind,
        }
        keys = ["content_key", "user_hash"]
        await self.session.execute(
            upsert(self.session, Sighting, values, keys, ["last_seen", "kind"])
        )
        stmt = select(func.count()).where(
            Sighting.content_key == content_key, Sighting.last_seen >= now - window
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def mark_alerted(self, content_key: str, count: int, now: datetime) -> None:
        """Remember that moderators were alerted about this content with `count` users."""
        values = {"content_key": content_key, "alerted_at": now, "count": count}
        stmt = upsert(self.session, TrendAlert, values, ["content_key"], ["alerted_at", "count"])
        await self.session.execute(stmt)

    async def alerted_since(self, content_key: str, since: datetime) -> bool:
        """Return True if moderators were alerted about this content at or after `since`."""
        stmt = select(TrendAlert.alerted_at).where(
            TrendAlert.content_key == content_key, TrendAlert.alerted_at >= since
        )
        return (await self.session.execute(stmt)).first() is not None

    async def purge_older(self, before: datetime) -> int:
        """Delete sightings last seen before `before` (outside any window); return how many."""
        return await rowcount(self.session, delete(Sighting).where(Sighting.last_seen < before))
