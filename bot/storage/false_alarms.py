""" "False alarm" votes on warnings, one per (hashed) voter and content."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import resolve_now, upsert
from bot.storage.models import FalseAlarm


class FalseAlarmRepo:
    """Votes that a warning was wrong."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_vote(
        self,
        content_key: str,
        chat_id: int | None,
        voter_hash: str,
        *,
        now: datetime | None = None,
    ) -> bool:
        """Count a vote; return False if this voter already voted on this content."""
        values = {
            "content_key": content_key,
            "chat_id": chat_id,
            "voter_hash": voter_hash,
            "created_at": resolve_now(now),
        }
        stmt = upsert(self.session, FalseAlarm, values, ["content_key", "voter_hash"])
        inserted = (await self.session.execute(stmt.returning(FalseAlarm.id))).first()
        return inserted is not None

    async def count(self, content_key: str) -> int:
        """Return how many distinct voters called this content a false alarm."""
        stmt = select(func.count()).where(FalseAlarm.content_key == content_key)
        return int((await self.session.execute(stmt)).scalar_one())
