"""Deps: every shared service, built once by bot/composition.py, handed to handlers.

A plain frozen dataclass of narrowly typed services (no string keys, no lookups): handlers,
workers and the CLI reach each service directly, never through another one.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.analysis.pipeline import Analyzer
from bot.groups.service import GroupService
from bot.i18n import Messages
from bot.jobs.media import MediaQueue
from bot.jobs.runner import MediaRunner
from bot.moderation.live import PatternSync
from bot.moderation.service import Moderation
from bot.prefs import PrefsCache
from bot.privacy import user_hash
from bot.ratelimit import RateLimiter
from bot.services.check import CheckService
from bot.services.reports import ReportService
from bot.settings import Settings
from bot.stats_buffer import StatsBuffer


@dataclass(frozen=True)
class Deps:
    """Every shared service, built once; handlers, workers and the CLI receive this."""

    settings: Settings
    db_engine: AsyncEngine
    db: async_sessionmaker[AsyncSession]
    messages: Messages
    analyzer: Analyzer  # the engine holder and its thread
    limiter: RateLimiter  # per user
    prefs: PrefsCache  # users' language and country, cached (bot/prefs.py)
    stats: StatsBuffer
    moderation: Moderation
    checks: CheckService  # the one analysis path
    reports: ReportService
    groups: GroupService
    patterns: PatternSync
    queue: MediaQueue
    runner: MediaRunner  # a worker's side of the queue
    executor: ThreadPoolExecutor  # decode, fingerprint, transcribe

    def user_hash(self, user_id: int) -> str:
        """The anonymised id under which this user's reports and votes are stored."""
        return user_hash(self.settings.hash_secret.get_secret_value(), user_id)
