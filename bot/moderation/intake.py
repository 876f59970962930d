"""Reports made with /report in a group: re-derive the verdict, store with consent, notify."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from telegram import Bot

from bot.analysis.submission import MEDIA_KINDS, Submission
from bot.checks import verdict_of
from bot.moderation.trends import seen_id
from bot.privacy import chat_hash
from bot.storage.reports import ReportRepo

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)


async def group_report(
    deps: Deps, bot: Bot, sub: Submission, *, chat_id: int, message_id: int, reporter_id: int
) -> int:
    """Store a /report (the command is the reporter's explicit consent); return its id."""
    verdict = await verdict_of(deps, sub, chat_id, message_id)
    audio_item = None
    if sub.file is not None and sub.kind in MEDIA_KINDS:
        from bot.storage.fingerprints import FingerprintStore

        # The note's fingerprint, if Ojo analysed it: reviewers see which recording it was.
        candidate = seen_id(sub.file.file_unique_id)
        if await FingerprintStore(deps.db).get(candidate) is not None:
            audio_item = candidate
    secret = deps.settings.hash_secret.get_secret_value()
    now = datetime.now(UTC)
    async with deps.db() as session, session.begin():
        report_id = await ReportRepo(session).add(
            reporter_hash=deps.user_hash(reporter_id),
            source="group",
            chat_hash=chat_hash(secret, chat_id),
            kind=sub.kind,
            verdict_json=json.dumps(verdict.to_dict() if verdict else {}, ensure_ascii=False),
            consent_at=now,
            retention=timedelta(days=deps.settings.report_retention_days),
            text=sub.text,
            transcript=verdict.transcript if verdict else None,
            file_id=sub.file.file_id if sub.file else None,
            file_unique_id=sub.file.file_unique_id if sub.file else None,
            audio_item_id=audio_item,
        )
    logger.info("group report %d stored (kind %s)", report_id, sub.kind)
    await deps.moderation.notify_report(bot, report_id)
    return report_id
