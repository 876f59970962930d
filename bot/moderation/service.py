"""Moderation services shared by handlers and workers: roles, notifications, trend sightings."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.content.loader import DEFAULT_CONTENT_DIR
from bot.i18n import Messages, load_messages
from bot.moderation import trends
from bot.render import esc
from bot.settings import Settings
from bot.storage.moderation import ModeratorRepo
from bot.storage.reports import ReportRecord, ReportRepo
from bot.storage.sightings import SightingRepo

if TYPE_CHECKING:
    from bot.analysis.fingerprint import Landmarks
    from bot.jobs.types import MediaJob
    from bot.verdict import Verdict

logger = logging.getLogger(__name__)
CHAT_LANG = "es"  # the moderators' chat speaks Spanish, like the project
PREVIEW_CHARS = 500
TREND_REPORTER = "trend"  # reporter_hash of reports opened by a trend alert (no single reporter)


class Moderation:
    """Who moderates, and how moderators hear about reports, trends and false alarms."""

    def __init__(self, settings: Settings, db: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.db = db

    @cached_property
    def messages(self) -> Messages:
        """The bot's strings (loaded on first use: workers build this object per job)."""
        return load_messages(self.settings.content_dir or DEFAULT_CONTENT_DIR)

    async def role_of(self, user_id: int) -> str | None:
        """'owner' for OJO_MODERATORS, else the role stored in the database, else None."""
        if user_id in self.settings.moderators:
            return "owner"
        async with self.db() as session:
            return await ModeratorRepo(session).role_of(user_id)

    async def notify_report(self, bot: Bot, report_id: int) -> None:
        """Post a new report to the moderators' chat with a one-tap review button."""
        async with self.db() as session:
            report = await ReportRepo(session).get(report_id)
        if report is None:
            return
        t = self.messages.t
        verdict = json.loads(report.verdict_json or "{}").get("verdict") or "no_match"
        text = t(
            CHAT_LANG,
            "mod.notify.report",
            id=report.id,
            kind=esc(report.kind),
            source=t(CHAT_LANG, f"mod.source.{report.source}"),
            verdict=t(CHAT_LANG, f"mod.level.{verdict}"),
            preview=esc(preview(report, t(CHAT_LANG, "mod.no_transcript"))),
        )
        await self._post(bot, text, review_button(self.messages, report.id))

    async def notify_false_alarm(
        self, bot: Bot, content_key: str, chat_id: int, count: int
    ) -> None:
        """Tell moderators that members of a group called a warning a false alarm."""
        if self.settings.moderator_chat is None:
            return
        now = datetime.now(UTC)
        key = f"fa:{content_key}"[:128]
        async with self.db() as session, session.begin():
            repo = SightingRepo(session)
            # Once per trend window and content: every further vote would be noise.
            if await repo.alerted_since(key, now - timedelta(hours=self.settings.trend_hours)):
                return
            await repo.mark_alerted(key, count, now)
        text = self.messages.t(
            CHAT_LANG,
            "mod.notify.false_alarm",
            count=count,
            chat=chat_id,
            content=esc(content_key),
        )
        await self._post(bot, text, None)

    async def sighting(
        self,
        bot: Bot,
        content_key: str,
        user_hash: str,
        kind: str,
        *,
        verdict: Verdict | None = None,
        text: str | None = None,
        file_id: str | None = None,
        file_unique_id: str | None = None,
        source: str = "private",
    ) -> int | None:
        """Count a distinct sender of an unknown item; alert moderators at OJO_TREND_USERS."""
        if self.settings.moderator_chat is None or not user_hash:
            return None
        if verdict is not None and verdict.level == "scam":
            return None  # known already: nothing for moderators to learn
        try:
            return await self._sighting(
                bot, content_key, user_hash, kind, verdict, text, file_id, file_unique_id, source
            )
        except SQLAlchemyError:  # trends are best effort: the user's answer went out already
            logger.exception("could not record a sighting")
            return None

    async def _sighting(
        self,
        bot: Bot,
        content_key: str,
        user_hash: str,
        kind: str,
        verdict: Verdict | None,
        text: str | None,
        file_id: str | None,
        file_unique_id: str | None,
        source: str,
    ) -> int | None:
        s = self.settings
        now = datetime.now(UTC)
        async with self.db() as session, session.begin():
            count = await trends.count_and_decide(
                session,
                content_key,
                user_hash,
                kind,
                now,
                users=s.trend_users,
                hours=s.trend_hours,
            )
            if count is None:
                return None
            # A chain forwarded by this many people is no longer a private conversation: keep it
            # (with the usual report retention) so moderators can review it like a report.
            report_id = await ReportRepo(session).add(
                reporter_hash=TREND_REPORTER,
                source="group" if source == "group" else "private",
                kind=kind,
                verdict_json=json.dumps(verdict.to_dict() if verdict else {}, ensure_ascii=False),
                consent_at=now,
                retention=timedelta(days=s.report_retention_days),
                text=text,
                transcript=verdict.transcript if verdict else None,
                file_id=file_id,
                file_unique_id=file_unique_id,
                audio_item_id=content_key.removeprefix("fp:") if file_id else None,
            )
        logger.info("trend alert: %s seen by %d users (report %d)", kind, count, report_id)
        t = self.messages.t
        async with self.db() as session:
            report = await ReportRepo(session).get(report_id)
        body = preview(report, t(CHAT_LANG, "mod.no_transcript")) if report else ""
        alert = t(
            CHAT_LANG,
            "mod.trend.alert",
            count=count,
            hours=s.trend_hours,
            kind=esc(kind),
            preview=esc(body),
        )
        await self._post(bot, alert, review_button(self.messages, report_id, now=True))
        return count

    async def media_sighting(self, bot: Bot, job: MediaJob, verdict: Verdict | None) -> None:
        """A media check finished: count its sender under the recording's trend key."""
        if verdict is None or self.settings.moderator_chat is None or verdict.level == "scam":
            return
        try:
            key = await trends.audio_key(self.db, job.file_unique_id)
        except SQLAlchemyError:
            logger.exception("could not resolve a trend key")
            return
        await self.sighting(
            bot,
            key,
            job.user_hash,
            job.kind,
            verdict=verdict,
            text=job.caption,
            file_id=job.file_id,
            file_unique_id=job.file_unique_id,
            source=job.context,
        )

    async def note_audio(self, file_unique_id: str, lm: Landmarks) -> None:
        """A new file was fingerprinted: if it is a copy of an earlier note, link the two."""
        if self.settings.moderator_chat is None or len(lm) == 0:
            return
        try:
            await trends.remember_copy(self.db, file_unique_id, lm)
        except SQLAlchemyError:  # best effort, like every trend step
            logger.exception("could not link a copy of a forwarded note")

    async def _post(self, bot: Bot, text: str, markup: InlineKeyboardMarkup | None) -> None:
        chat = self.settings.moderator_chat
        if chat is None:
            return
        try:
            await bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except TelegramError as exc:
            logger.warning("could not post to the moderators' chat: %s", exc)


def preview(report: ReportRecord, missing: str) -> str:
    """The first characters of a report's text and transcript (or a note that there are none)."""
    content = " · ".join(t for t in (report.text, report.transcript) if t)
    content = content or missing
    return content if len(content) <= PREVIEW_CHARS else content[: PREVIEW_CHARS - 1] + "…"


def review_button(
    messages: Messages, report_id: int, *, now: bool = False
) -> InlineKeyboardMarkup:
    """The one-tap button that opens a report in the review flow."""
    label = messages.t(CHAT_LANG, "mod.button.review_now" if now else "mod.button.review")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"mod:open:{report_id}")]]
    )
