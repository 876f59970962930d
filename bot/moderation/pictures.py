"""A reported picture, for moderators: read like any image, stored as a known scam image.

The image counterpart of `recordings.py`. Only the perceptual hashes of the picture and of
its crops are stored (bot.storage.images), never the picture: the report keeps Telegram's
file id, which stops working when the report is purged.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import TelegramError

from bot.analysis.ocr import ImageReading, picture_hashes, read_image
from bot.analysis.submission import FileRef
from bot.content.models import Pattern
from bot.errors import OjoError
from bot.privacy import moderator_image_id
from bot.services.check import telegram_files
from bot.storage.images import ImageItemDTO
from bot.storage.reports import ReportRecord

if TYPE_CHECKING:
    from bot.moderation.context import ModerationContext

logger = logging.getLogger(__name__)
# Report kinds that may hold a picture: photos, and documents (screenshots sent as files).
PICTURE_KINDS = frozenset({"photo", "document"})


def is_picture(report: ReportRecord) -> bool:
    """A report of a photo: its picture, not its caption, is what a moderator attaches."""
    return report.kind == "photo" and bool(report.file_id)


async def _fetch(bot: Bot, report: ReportRecord) -> bytes | None:
    if report.kind not in PICTURE_KINDS or not report.file_id:
        return None
    file = FileRef(report.file_id, report.file_unique_id or report.file_id)
    try:
        return await telegram_files(bot)(file)
    except (TelegramError, OjoError) as exc:
        logger.warning("could not download a reported picture: %s", type(exc).__name__)
        return None


async def read(ctx: ModerationContext, bot: Bot, report: ReportRecord) -> ImageReading | None:
    """What a reported picture says (OCR), for the moderator's card; None if not a picture."""
    data = await _fetch(bot, report)
    if data is None:
        return None
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(ctx.checks.executor, read_image, data)
    except OjoError as exc:  # not an image (an audio document), corrupt, too slow
        logger.info("reported %s not read as a picture: %s", report.kind, type(exc).__name__)
        return None


async def remember(
    ctx: ModerationContext, bot: Bot, report: ReportRecord, pattern: Pattern
) -> bool:
    """Store a reported picture's hashes as a known image of `pattern`; False if it is none.

    Chat screenshots are not stored: they are matched by their text (see CheckService).
    """
    data = await _fetch(bot, report)
    if data is None:
        return False
    loop = asyncio.get_running_loop()
    try:
        reading = await loop.run_in_executor(ctx.checks.executor, read_image, data)
        hashes = await loop.run_in_executor(ctx.checks.executor, picture_hashes, data)
    except OjoError as exc:
        logger.info("reported %s not stored as a picture: %s", report.kind, type(exc).__name__)
        return False
    if reading.screenshot:
        return False
    item_id = moderator_image_id(report.id)
    store = ctx.checks.images
    if await store.get(item_id) is not None:
        await store.remove(item_id)  # attached elsewhere now: the newest decision wins
    item = ImageItemDTO(
        id=item_id,
        title=pattern.title.es,
        pattern_id=pattern.id,
        category=pattern.category,
        verdict="scam",
        origin="moderator",
        provenance=f"report #{report.id}, reviewed by a moderator",
        n_hashes=len(hashes),
        created_at=datetime.now(UTC),
    )
    await store.add(item, hashes)
    return True
