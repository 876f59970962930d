"""A reported recording, for moderators: listened to through CheckService, fingerprinted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import TelegramError

from bot.analysis.submission import MEDIA_KINDS, FileRef
from bot.content.models import Pattern
from bot.errors import OjoError
from bot.moderation.store import ModerationStore
from bot.privacy import moderator_item_id
from bot.services.check import Heard, telegram_files
from bot.storage.fingerprints import AudioItemDTO, FingerprintStore
from bot.storage.reports import ReportRecord

if TYPE_CHECKING:
    from bot.moderation.context import ModerationContext

logger = logging.getLogger(__name__)


async def listen(
    ctx: ModerationContext, bot: Bot, report: ReportRecord, *, transcribe: bool
) -> Heard | None:
    """Download and decode a reported file (and transcribe it); None if that fails."""
    if not report.file_id:
        return None
    file = FileRef(report.file_id, report.file_unique_id or report.file_id)
    try:
        return await ctx.checks.listen(file, telegram_files(bot), transcribe=transcribe)
    except (TelegramError, OjoError, TimeoutError) as exc:
        logger.warning("could not listen to a reported file: %s", type(exc).__name__)
        return None


async def fingerprint(
    ctx: ModerationContext, bot: Bot, report: ReportRecord, pattern: Pattern
) -> bool:
    """Store the reported recording's landmarks as a known item of this pattern."""
    if report.kind not in MEDIA_KINDS or not report.file_id:
        return False
    heard = await listen(ctx, bot, report, transcribe=False)
    if heard is None or len(heard.landmarks) == 0:
        return False
    item_id = moderator_item_id(report.id)
    store = FingerprintStore(ctx.db)
    if await store.get(item_id) is not None:
        await store.remove(item_id)  # re-attached elsewhere: the newest decision wins
    item = AudioItemDTO(
        id=item_id,
        title=pattern.title.es,
        pattern_id=pattern.id,
        category=pattern.category,
        verdict="scam",
        origin="moderator",
        provenance=f"report #{report.id}, reviewed by a moderator",
        duration_s=heard.duration,
        n_hashes=len(heard.landmarks),
        created_at=datetime.now(UTC),
    )
    await store.add(item, heard.landmarks)
    async with ctx.db() as session, session.begin():
        await ModerationStore(session).enrich_report(report.id, audio_item_id=item_id)
    return True
