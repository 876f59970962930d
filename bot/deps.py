"""The frozen bundle of shared resources every handler receives (built in bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.analysis.pipeline import Analyzer
from bot.i18n import Messages
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from bot.stats_buffer import StatsBuffer

if TYPE_CHECKING:
    from bot.jobs.media import MediaService
    from bot.moderation.service import Moderation


@dataclass(frozen=True)
class Deps:
    """Settings, database, analysis, strings and limits: everything handlers share."""

    settings: Settings
    db_engine: AsyncEngine
    db: async_sessionmaker[AsyncSession]
    analyzer: Analyzer
    messages: Messages
    limiter: RateLimiter
    media: MediaService
    moderation: Moderation
    stats: StatsBuffer

    def user_hash(self, user_id: int) -> str:
        """The anonymised id under which this user's reports and votes are stored."""
        from bot.privacy import user_hash

        return user_hash(self.settings.hash_secret.get_secret_value(), user_id)
