"""Moderators and their roles."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import case, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import check_choice, resolve_now, rowcount, upsert
from bot.storage.models import MODERATOR_ROLES, Moderator

ModeratorRole = Literal["owner", "moderator"]


@dataclass(frozen=True, slots=True)
class ModeratorRecord:
    """A moderator; `added_by` is the Telegram id of who added them (None: configuration)."""

    user_id: int
    role: str
    added_by: int | None
    created_at: datetime


def _record(row: Any) -> ModeratorRecord:
    return ModeratorRecord(row.user_id, row.role, row.added_by, row.created_at)


class ModeratorRepo:
    """Who may review reports and edit patterns."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        user_id: int,
        role: ModeratorRole = "moderator",
        added_by: int | None = None,
        *,
        now: datetime | None = None,
    ) -> ModeratorRecord:
        """Add a moderator, or change the role of an existing one."""
        check_choice("role", role, MODERATOR_ROLES)
        values = {
            "user_id": user_id,
            "role": role,
            "added_by": added_by,
            "created_at": resolve_now(now),
        }
        stmt = upsert(self.session, Moderator, values, ["user_id"], ["role"])
        row = (await self.session.execute(stmt.returning(*Moderator.__table__.c))).one()
        return _record(row)

    async def remove(self, user_id: int) -> bool:
        """Remove a moderator; return False if they were not one."""
        stmt = delete(Moderator).where(Moderator.user_id == user_id)
        return await rowcount(self.session, stmt) > 0

    async def role_of(self, user_id: int) -> str | None:
        """Return the user's role, or None if they are not a moderator."""
        stmt = select(Moderator.role).where(Moderator.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list(self) -> tuple[ModeratorRecord, ...]:
        """Return every moderator, owners first."""
        stmt = select(Moderator.__table__).order_by(
            case((Moderator.role == "owner", 0), else_=1), Moderator.user_id
        )
        return tuple(_record(r) for r in (await self.session.execute(stmt)).all())
