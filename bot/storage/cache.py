"""The verdict cache, keyed by content ("text:<sha256>", "file:<file_unique_id>", "fp:<id>")."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import resolve_now, rowcount, upsert
from bot.storage.models import VerdictCacheEntry as Entry


@dataclass(frozen=True, slots=True)
class CachedVerdict:
    """A cached verdict; `content_version` says which pattern set produced it."""

    key: str
    verdict_json: str
    content_version: str
    created_at: datetime
    expires_at: datetime
    hits: int


def _cached(row: Any) -> CachedVerdict:
    return CachedVerdict(
        row.key, row.verdict_json, row.content_version, row.created_at, row.expires_at, row.hits
    )


class VerdictCacheRepo:
    """Read-through cache of verdicts shared by every process."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, key: str, now: datetime, *, content_version: str | None = None
    ) -> CachedVerdict | None:
        """Return the live entry for `key` (counting the hit), or None if absent or expired."""
        stmt = update(Entry).where(Entry.key == key, Entry.expires_at > now)
        if content_version is not None:
            stmt = stmt.where(Entry.content_version == content_version)
        stmt = stmt.values(hits=Entry.hits + 1).returning(*Entry.__table__.c)
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else _cached(row)

    async def put(
        self,
        key: str,
        verdict_json: str,
        content_version: str,
        ttl: timedelta,
        *,
        now: datetime | None = None,
    ) -> CachedVerdict:
        """Store (or replace) the verdict for `key` for `ttl`."""
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        at = resolve_now(now)
        values = {
            "key": key,
            "verdict_json": verdict_json,
            "content_version": content_version,
            "created_at": at,
            "expires_at": at + ttl,
            "hits": 0,
        }
        stmt = upsert(self.session, Entry, values, ["key"], [c for c in values if c != "key"])
        row = (await self.session.execute(stmt.returning(*Entry.__table__.c))).one()
        return _cached(row)

    async def purge_expired(self, now: datetime) -> int:
        """Delete expired entries; return how many."""
        return await rowcount(self.session, delete(Entry).where(Entry.expires_at <= now))

    async def invalidate_all(self) -> int:
        """Delete every entry (the pattern set changed); return how many."""
        return await rowcount(self.session, delete(Entry))
