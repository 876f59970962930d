"""Aggregate check counters (no user linkage) and what moderators should look at next."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, cast, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import upsert
from bot.storage.columns import utcnow
from bot.storage.models import CheckStat, Report


@dataclass(frozen=True, slots=True)
class DayStat:
    """How many checks of one kind ended at one level on one day."""

    day: date
    kind: str
    level: str
    count: int


@dataclass(frozen=True, slots=True)
class PatternCount:
    """How many checks a pattern was the top match of."""

    pattern_id: str
    count: int


@dataclass(frozen=True, slots=True)
class ReportedItem:
    """Open reports of the same content no pattern recognises; `report_id` is the latest one."""

    report_id: int
    kind: str
    count: int
    last_reported_at: datetime


def _first_day(days: int, today: date | None) -> date:
    if days < 1:
        raise ValueError("days must be at least 1")
    return (today or utcnow().date()) - timedelta(days=days - 1)


class StatsRepo:
    """Daily counters; bump once per check with its top pattern ("" when nothing matched)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bump(
        self, day: date, kind: str, level: str, pattern_id: str = "", by: int = 1
    ) -> None:
        """Add `by` to the counter of (day, kind, level, pattern)."""
        values = {"day": day, "kind": kind, "level": level, "pattern_id": pattern_id, "count": by}
        keys = ["day", "kind", "level", "pattern_id"]
        stmt = upsert(self.session, CheckStat, values, keys, {"count": CheckStat.count + by})
        await self.session.execute(stmt)

    async def per_day(self, days: int, *, today: date | None = None) -> tuple[DayStat, ...]:
        """Return counts per day, kind and level over the last `days` days (today included)."""
        total = func.sum(CheckStat.count)
        stmt = (
            select(CheckStat.day, CheckStat.kind, CheckStat.level, total)
            .where(CheckStat.day >= _first_day(days, today))
            .group_by(CheckStat.day, CheckStat.kind, CheckStat.level)
            .order_by(CheckStat.day, CheckStat.kind, CheckStat.level)
        )
        rows = await self.session.execute(stmt)
        return tuple(DayStat(day, kind, level, int(n)) for day, kind, level, n in rows)

    async def top_patterns(
        self, days: int, n: int, *, today: date | None = None
    ) -> tuple[PatternCount, ...]:
        """Return the `n` patterns matched most often over the last `days` days."""
        total = func.sum(CheckStat.count)
        stmt = (
            select(CheckStat.pattern_id, total)
            .where(CheckStat.day >= _first_day(days, today), CheckStat.pattern_id != "")
            .group_by(CheckStat.pattern_id)
            .order_by(total.desc(), CheckStat.pattern_id)
            .limit(n)
        )
        rows = await self.session.execute(stmt)
        return tuple(PatternCount(pattern_id, int(count)) for pattern_id, count in rows)

    async def top_reported_unknown(self, n: int) -> tuple[ReportedItem, ...]:
        """Return the `n` most reported open contents whose verdict was not "scam"."""
        # The same forwarded file keeps its file_unique_id; text is compared as is.
        content = func.coalesce(Report.file_unique_id, Report.text, Report.transcript)
        stmt = (
            select(func.max(Report.id), Report.kind, func.count(), func.max(Report.created_at))
            .where(
                Report.status == "new",
                content.is_not(None),
                func.coalesce(self._verdict_level(), "") != "scam",
            )
            .group_by(content, Report.kind)
            .order_by(func.count().desc(), func.max(Report.id).desc())
            .limit(n)
        )
        rows = await self.session.execute(stmt)
        return tuple(ReportedItem(rid, kind, int(count), at) for rid, kind, count, at in rows)

    def _verdict_level(self) -> ColumnElement[str]:
        # The verdict is stored as JSON text: PostgreSQL needs a real cast to use ->>, SQLite's
        # JSON functions read the text directly (CAST AS JSON would make it a number there).
        if self.session.get_bind().dialect.name == "postgresql":
            document: ColumnElement[Any] = cast(Report.verdict_json, JSON)
        else:
            document = type_coerce(Report.verdict_json, JSON)
        level: ColumnElement[str] = document["verdict"].as_string()
        return level
