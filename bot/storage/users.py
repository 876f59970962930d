"""Per-user preferences and `/forget`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.storage._common import (
    normalise_country,
    normalise_language,
    resolve_now,
    rowcount,
    upsert,
)
from bot.storage.models import FalseAlarm, Report, Sighting, User


@dataclass(frozen=True, slots=True)
class UserPrefs:
    """A user's chosen language and country (None: not chosen, use the default)."""

    user_id: int
    language: str | None
    country: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ForgetCounts:
    """How many rows `/forget` deleted from each table."""

    users: int
    reports: int
    false_alarms: int
    sightings: int

    @property
    def total(self) -> int:
        """Return the number of rows deleted in all tables."""
        return self.users + self.reports + self.false_alarms + self.sightings


@dataclass(frozen=True, slots=True)
class Choices:
    """What a user chose, as the hot path needs it (None: not chosen)."""

    language: str | None
    country: str | None


async def read_choices(engine: AsyncEngine, user_ids: Sequence[int]) -> dict[int, Choices]:
    """The choices of those of `user_ids` who made any, in one query, outside any transaction.

    On SQLite the query goes straight to the aiosqlite connection: one hop to its thread,
    where SQLAlchemy's adapter makes about nine (BEGIN, cursor, execute, fetch, close,
    ROLLBACK), measured at 0.4 vs 2.5 ms of CPU per read on our 2 cores. A lone SELECT in
    autocommit mode is its own consistent snapshot.
    """
    if not user_ids:
        return {}
    ids = list(user_ids)
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            raw = await conn.get_raw_connection()
            marks = ", ".join("?" * len(ids))
            sql = f"SELECT user_id, language, country FROM {User.__tablename__} "  # noqa: S608
            rows = await raw.driver_connection.execute_fetchall(  # type: ignore[union-attr]
                f"{sql}WHERE user_id IN ({marks})", ids
            )
        else:
            table = User.__table__
            stmt = select(table.c.user_id, table.c.language, table.c.country).where(
                table.c.user_id.in_(ids)
            )
            rows = (await conn.execute(stmt)).all()
    return {int(uid): Choices(language, country) for uid, language, country in rows}


def _prefs(row: Any) -> UserPrefs:
    return UserPrefs(row.user_id, row.language, row.country, row.created_at, row.updated_at)


class UserRepo:
    """Users' preferences; the row exists only once a user chose something."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_prefs(self, user_id: int) -> UserPrefs | None:
        """Return the user's preferences, or None if they never set any."""
        row = (
            await self.session.execute(select(User.__table__).where(User.user_id == user_id))
        ).one_or_none()
        return None if row is None else _prefs(row)

    async def set_language(
        self, user_id: int, language: str | None, *, now: datetime | None = None
    ) -> UserPrefs:
        """Set (or clear, with None) the user's language."""
        return await self._set(user_id, "language", normalise_language(language), now)

    async def set_country(
        self, user_id: int, country: str | None, *, now: datetime | None = None
    ) -> UserPrefs:
        """Set (or clear, with None) the user's country (ISO 3166-1 alpha-2)."""
        return await self._set(user_id, "country", normalise_country(country), now)

    async def _set(
        self, user_id: int, field: str, value: str | None, now: datetime | None
    ) -> UserPrefs:
        at = resolve_now(now)
        values = {"user_id": user_id, field: value, "created_at": at, "updated_at": at}
        stmt = upsert(self.session, User, values, ["user_id"], [field, "updated_at"])
        row = (await self.session.execute(stmt.returning(*User.__table__.c))).one()
        return _prefs(row)

    async def forget_user(self, user_id: int, reporter_hash: str) -> ForgetCounts:
        """Delete everything tied to the user: preferences, reports, votes and sightings."""
        s = self.session
        return ForgetCounts(
            users=await rowcount(s, delete(User).where(User.user_id == user_id)),
            reports=await rowcount(s, delete(Report).where(Report.reporter_hash == reporter_hash)),
            false_alarms=await rowcount(
                s, delete(FalseAlarm).where(FalseAlarm.voter_hash == reporter_hash)
            ),
            sightings=await rowcount(
                s, delete(Sighting).where(Sighting.user_hash == reporter_hash)
            ),
        )
