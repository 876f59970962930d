"""Reports users chose to send to moderators, with retention."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import check_choice, resolve_now, rowcount
from bot.storage.models import REPORT_SOURCES, REPORT_STATUSES, Report

ReportStatus = Literal["new", "accepted", "legit", "rejected"]
ReportSource = Literal["private", "group"]


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A stored report; `reporter_hash` is an HMAC of the reporter, never the raw id."""

    id: int
    reporter_hash: str
    source: str
    chat_hash: str | None
    kind: str
    text: str | None
    transcript: str | None
    file_id: str | None
    file_unique_id: str | None
    audio_item_id: str | None
    verdict_json: str
    status: str
    consent_at: datetime
    created_at: datetime
    expires_at: datetime
    resolved_by: int | None
    resolved_at: datetime | None
    resolution: str | None


def _record(row: Any) -> ReportRecord:
    return ReportRecord(**row._mapping)


class ReportRepo:
    """The report queue moderators review."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        reporter_hash: str,
        source: ReportSource,
        kind: str,
        verdict_json: str,
        consent_at: datetime,
        retention: timedelta,
        chat_hash: str | None = None,
        text: str | None = None,
        transcript: str | None = None,
        file_id: str | None = None,
        file_unique_id: str | None = None,
        audio_item_id: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Store a report the user consented to; it expires after `retention`. Return its id."""
        check_choice("source", source, REPORT_SOURCES)
        at = resolve_now(now)
        stmt = (
            insert(Report)
            .values(
                reporter_hash=reporter_hash,
                source=source,
                chat_hash=chat_hash,
                kind=kind,
                text=text,
                transcript=transcript,
                file_id=file_id,
                file_unique_id=file_unique_id,
                audio_item_id=audio_item_id,
                verdict_json=verdict_json,
                status="new",
                consent_at=consent_at,
                created_at=at,
                expires_at=at + retention,
            )
            .returning(Report.id)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def get(self, report_id: int) -> ReportRecord | None:
        """Return the report, or None if it does not exist (or was purged)."""
        stmt = select(Report.__table__).where(Report.id == report_id)
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else _record(row)

    async def next_open(self, after_id: int | None = None) -> ReportRecord | None:
        """Return the oldest report still "new" (after `after_id`, to skip one), or None."""
        stmt = select(Report.__table__).where(Report.status == "new")
        if after_id is not None:
            stmt = stmt.where(Report.id > after_id)
        row = (await self.session.execute(stmt.order_by(Report.id).limit(1))).one_or_none()
        return None if row is None else _record(row)

    async def set_status(
        self,
        report_id: int,
        status: ReportStatus,
        moderator_id: int | None,
        resolution: str | None = None,
        *,
        now: datetime | None = None,
    ) -> ReportRecord | None:
        """Resolve (or, with "new", reopen) a report; return it, or None if it is gone."""
        check_choice("status", status, REPORT_STATUSES)
        reopened = status == "new"
        stmt = (
            update(Report)
            .where(Report.id == report_id)
            .values(
                status=status,
                resolved_by=None if reopened else moderator_id,
                resolved_at=None if reopened else resolve_now(now),
                resolution=None if reopened else resolution,
            )
            .returning(*Report.__table__.c)
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else _record(row)

    async def purge_expired(self, now: datetime) -> int:
        """Delete reports past their retention date; return how many."""
        return await rowcount(self.session, delete(Report).where(Report.expires_at <= now))

    async def count_by_status(self) -> dict[str, int]:
        """Return the number of reports in each status (every status present, maybe 0)."""
        stmt = select(Report.status, func.count()).group_by(Report.status)
        counts = dict.fromkeys(REPORT_STATUSES, 0)
        for status, n in await self.session.execute(stmt):
            counts[status] = n
        return counts
