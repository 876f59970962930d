"""Reports for moderators: the one place a report row is made (by a user, a group or a trend)."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.submission import Submission
from bot.privacy import chat_hash, seen_id
from bot.settings import Settings
from bot.storage.reports import ReportRepo, ReportSource
from bot.verdict import Verdict

if TYPE_CHECKING:
    from telegram import Bot

    from bot.moderation.service import Moderation
    from bot.storage.fingerprints import FingerprintStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportItem:
    """What a report keeps of an item: its words, its file reference, its verdict."""

    kind: str
    text: str | None
    file_id: str | None
    file_unique_id: str | None
    verdict: Verdict | None
    audio_item_id: str | None = None

    @classmethod
    def of(cls, sub: Submission, verdict: Verdict | None) -> ReportItem:
        """The report item of a submission."""
        file = sub.file
        return cls(
            kind=sub.kind,
            text=sub.text,
            file_id=file.file_id if file else None,
            file_unique_id=file.file_unique_id if file else None,
            verdict=verdict,
        )


async def add_report(
    session: AsyncSession,
    item: ReportItem,
    *,
    reporter_hash: str,
    source: ReportSource,
    retention_days: int,
    chat: str | None = None,
    now: datetime | None = None,
) -> int:
    """Insert one report inside the caller's transaction; return its id."""
    at = now or datetime.now(UTC)
    verdict = item.verdict
    return await ReportRepo(session).add(
        reporter_hash=reporter_hash,
        source=source,
        chat_hash=chat,
        kind=item.kind,
        verdict_json=json.dumps(verdict.to_dict() if verdict else {}, ensure_ascii=False),
        consent_at=at,
        retention=timedelta(days=retention_days),
        text=item.text,
        transcript=verdict.transcript if verdict else None,
        file_id=item.file_id,
        file_unique_id=item.file_unique_id,
        audio_item_id=item.audio_item_id,
    )


class ReportService:
    """Stores the reports people consent to and tells moderators about them."""

    def __init__(
        self,
        settings: Settings,
        db: async_sessionmaker[AsyncSession],
        moderation: Moderation,
        fingerprints: FingerprintStore,
    ) -> None:
        self.settings = settings
        self.db = db
        self.moderation = moderation
        self.fingerprints = fingerprints

    async def report(
        self,
        bot: Bot,
        sub: Submission,
        verdict: Verdict | None,
        *,
        reporter_hash: str,
        group_chat_id: int | None = None,
    ) -> int:
        """Store a report (a tap on "report" and its confirmation, or /report in a group)."""
        item = ReportItem.of(sub, verdict)
        if sub.file is not None and group_chat_id is not None:
            # The note's fingerprint, if Ojo analysed it: reviewers see which recording it was.
            candidate = seen_id(sub.file.file_unique_id)
            if await self.fingerprints.get(candidate) is not None:
                item = dataclasses.replace(item, audio_item_id=candidate)
        secret = self.settings.hash_secret.get_secret_value()
        source: ReportSource = "private" if group_chat_id is None else "group"
        async with self.db() as session, session.begin():
            report_id = await add_report(
                session,
                item,
                reporter_hash=reporter_hash,
                source=source,
                retention_days=self.settings.report_retention_days,
                chat=chat_hash(secret, group_chat_id) if group_chat_id is not None else None,
            )
        logger.info("%s report %d stored (kind %s)", source, report_id, sub.kind)
        await self.moderation.notify_report(bot, report_id)
        return report_id
