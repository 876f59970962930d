"""Check counters kept in memory and written in one transaction every few seconds.

One database write per message would cap throughput on SQLite; the counters are aggregates
(no user data), so losing the last few seconds of counts in a crash is acceptable.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import count_verdict
from bot.storage.stats import StatsRepo

logger = logging.getLogger(__name__)
FLUSH_EVERY = 5.0  # seconds


class StatsBuffer:
    """Counts checks by (day, kind, level, pattern) and flushes them to check_stats."""

    def __init__(self, db: async_sessionmaker[AsyncSession]) -> None:
        self._db = db
        self._counts: Counter[tuple[date, str, str, str]] = Counter()

    def count(self, kind: str, level: str, pattern_id: str = "", seconds: float = 0.0) -> None:
        """Count one verdict, text or media alike: /stats and the Prometheus metrics (no I/O)."""
        count_verdict(kind, level, seconds)
        self._counts[(datetime.now(UTC).date(), kind, level, pattern_id)] += 1

    async def flush(self) -> int:
        """Write the pending counts; on failure they stay pending for the next flush."""
        pending, self._counts = self._counts, Counter()
        if not pending:
            return 0
        try:
            async with self._db() as session, session.begin():
                repo = StatsRepo(session)
                for (day, kind, level, pattern_id), n in sorted(pending.items()):
                    await repo.bump(day, kind, level, pattern_id, by=n)
        except (SQLAlchemyError, OSError):  # OSError: asyncpg's refused connect, unwrapped
            logger.exception("could not write check counters; keeping them for later")
            self._counts.update(pending)
            return 0
        return sum(pending.values())

    async def run(self, every: float = FLUSH_EVERY) -> None:
        """Flush periodically until cancelled (then flush once more)."""
        try:
            while True:
                await asyncio.sleep(every)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())
