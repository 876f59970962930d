"""Small runtime values shared by every process (e.g. the pattern-set revision)."""

from datetime import datetime

from sqlalchemy import Integer, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import resolve_now, upsert
from bot.storage.models import SettingKV


class KeyValueRepo:
    """String values by key, plus an atomic counter."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        """Return the value stored under `key`, or None."""
        stmt = select(SettingKV.value).where(SettingKV.key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set(self, key: str, value: str, *, now: datetime | None = None) -> None:
        """Store `value` under `key`."""
        values = {"key": key, "value": value, "updated_at": resolve_now(now)}
        await self.session.execute(
            upsert(self.session, SettingKV, values, ["key"], ["value", "updated_at"])
        )

    async def increment(self, key: str, *, now: datetime | None = None) -> int:
        """Add one to the integer under `key` (starting at 1) in one statement; return it."""
        at = resolve_now(now)
        # One atomic statement: two concurrent writers can't both read n and both write n+1.
        bumped = cast(cast(SettingKV.value, Integer) + 1, Text)
        stmt = upsert(
            self.session,
            SettingKV,
            {"key": key, "value": "1", "updated_at": at},
            ["key"],
            {"value": bumped, "updated_at": at},
        ).returning(SettingKV.value)
        return int((await self.session.execute(stmt)).scalar_one())
