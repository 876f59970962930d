"""Moderation services shared by handlers and workers: notifications to the moderators' chat."""

from __future__ import annotations

import json
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.render import esc
from bot.settings import Settings
from bot.storage.moderation import ModeratorRepo
from bot.storage.reports import ReportRepo

logger = logging.getLogger(__name__)


class Moderation:
    """Who moderates, and how moderators hear about reports and trends."""

    def __init__(self, settings: Settings, db: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.db = db

    async def role_of(self, user_id: int) -> str | None:
        """'owner' for OJO_MODERATORS, else the role stored in the database, else None."""
        if user_id in self.settings.moderators:
            return "owner"
        async with self.db() as session:
            return await ModeratorRepo(session).role_of(user_id)

    async def notify_report(self, bot: Bot, report_id: int) -> None:
        """Post a new report to the moderators' chat with a one-tap review button."""
        chat = self.settings.moderator_chat
        if chat is None:
            return
        async with self.db() as session:
            report = await ReportRepo(session).get(report_id)
        if report is None:
            return
        verdict = json.loads(report.verdict_json or "{}")
        content = report.text or report.transcript or ""
        text = (
            f"🚩 <b>Report #{report.id}</b> ({esc(report.kind)}, {esc(report.source)}) — "
            f"verdict {esc(str(verdict.get('verdict', '?')))}\n<i>{esc(content[:500])}</i>"
        )
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Review", callback_data=f"mod:open:{report.id}")]]
        )
        try:
            await bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except TelegramError as exc:
            logger.warning("could not notify the moderators' chat: %s", exc)
