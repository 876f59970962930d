"""What the moderation services need from the composition root (bot.deps.Deps provides it).

A Protocol rather than Deps itself: moderation sits below the composition root and must not
import it, and it should see only the few services it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.analysis.pipeline import Analyzer
    from bot.i18n import Messages
    from bot.moderation.live import PatternSync
    from bot.services.check import CheckService
    from bot.settings import Settings


class ModerationContext(Protocol):
    """Settings, database, the engine, strings, the analysis path and the pattern sync."""

    @property
    def settings(self) -> Settings:
        """Settings."""
        ...

    @property
    def db(self) -> async_sessionmaker[AsyncSession]:
        """The session factory."""
        ...

    @property
    def analyzer(self) -> Analyzer:
        """The engine holder and its thread."""
        ...

    @property
    def messages(self) -> Messages:
        """The bot's strings."""
        ...

    @property
    def checks(self) -> CheckService:
        """The one analysis path (a reported note is listened to through it)."""
        ...

    @property
    def patterns(self) -> PatternSync:
        """This process's pattern sync (a change goes live here at once)."""
        ...
