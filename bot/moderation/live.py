"""Moderator patterns go live in every process: poll the revision, rebuild, swap."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.engines import EngineHolder
from bot.content.models import Pattern
from bot.storage.patterns import PatternRecord, PatternRepo

logger = logging.getLogger(__name__)
POLL_SECONDS = 3.0  # how stale another process's pattern set may be after a moderator's change


def to_pattern(record: PatternRecord) -> Pattern | None:
    """The Pattern a database row holds (its row status wins), or None if it no longer loads."""
    try:
        body = json.loads(record.body_json)
        return Pattern.model_validate({**body, "id": record.id, "status": record.status})
    except (ValueError, ValidationError) as exc:
        logger.warning("pattern %s v%d does not load: %s", record.id, record.version, exc)
        return None


async def load_overrides(db: async_sessionmaker[AsyncSession]) -> tuple[int, list[Pattern]]:
    """The revision and every database pattern (disabled ones too: they switch presets off)."""
    async with db() as session:
        repo = PatternRepo(session)
        # Revision first: a change landing between the two reads then only causes one more
        # (harmless) rebuild, never a missed one.
        revision = await repo.revision()
        records = await repo.list()
    return revision, [p for r in records if (p := to_pattern(r)) is not None]


class PatternSync:
    """Keeps one process's EngineHolder at the database's pattern revision."""

    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        engines: EngineHolder,
        *,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.engines = engines
        self.on_change = on_change
        self._lock = asyncio.Lock()

    async def sync(self) -> bool:
        """Rebuild and swap the engine if the revision moved; return whether it did."""
        async with self._lock:
            revision, overrides = await load_overrides(self.db)
            if revision == self.engines.revision:
                return False
            # Building encodes new examples (paraphrase layer): seconds, so off the event loop.
            await asyncio.to_thread(self.engines.swap, overrides, revision)
            if self.on_change is not None:
                self.on_change()
            return True

    async def run(self, interval: float = POLL_SECONDS) -> None:
        """Poll forever (a background task); errors are logged and retried next round."""
        while True:
            try:
                await self.sync()
            except Exception:  # a database hiccup must not stop future syncs
                logger.exception("pattern sync failed")
            await asyncio.sleep(interval)
