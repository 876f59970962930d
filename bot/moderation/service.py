"""Moderation services shared by handlers and workers: roles, notifications, trend sightings."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.i18n import Messages
from bot.moderation import trends
from bot.privacy import false_alarm_alert_key, fingerprint_item, text_key
from bot.render import esc
from bot.services.reports import ReportItem, add_report
from bot.settings import Settings
from bot.storage.moderation import ModeratorRepo
from bot.storage.reports import ReportRecord, ReportRepo
from bot.storage.sightings import SightingRepo

if TYPE_CHECKING:
    from bot.analysis.fingerprint import FingerprintHit
    from bot.analysis.submission import Submission
    from bot.verdict import Verdict

logger = logging.getLogger(__name__)
CHAT_LANG = "es"  # the moderators' chat speaks Spanish, like the project
PREVIEW_CHARS = 500
TREND_REPORTER = "trend"  # reporter_hash of reports opened by a trend alert (no single reporter)


class Moderation:
    """Who moderates, and how moderators hear about reports, trends and false alarms."""

    def __init__(
        self, settings: Settings, db: async_sessionmaker[AsyncSession], messages: Messages
    ) -> None:
        self.settings = settings
        self.db = db
        self.messages = messages

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
        key = false_alarm_alert_key(content_key)
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
            item = ReportItem(
                kind=kind,
                text=text,
                file_id=file_id,
                file_unique_id=file_unique_id,
                verdict=verdict,
                audio_item_id=fingerprint_item(content_key) if file_id else None,
            )
            report_id = await add_report(
                session,
                item,
                reporter_hash=TREND_REPORTER,
                source="group" if source == "group" else "private",
                retention_days=s.report_retention_days,
                now=now,
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

    async def seen(
        self, bot: Bot, sub: Submission, verdict: Verdict, *, user_hash: str, source: str
    ) -> None:
        """A check finished: count its sender under the item's trend key (texts and media)."""
        if self.settings.moderator_chat is None or not user_hash or verdict.level == "scam":
            return
        file = sub.file
        if file is None:
            key = text_key(sub.text or "")
        else:
            try:  # a re-encoded copy counts with the recording it matched
                key = await trends.audio_key(self.db, file.file_unique_id)
            except SQLAlchemyError:
                logger.exception("could not resolve a trend key")
                return
        await self.sighting(
            bot,
            key,
            user_hash,
            sub.kind,
            verdict=verdict,
            text=sub.text,
            file_id=file.file_id if file else None,
            file_unique_id=file.file_unique_id if file else None,
            source=source,
        )

    async def note_audio(self, file_unique_id: str, hits: Sequence[FingerprintHit]) -> None:
        """A new file was fingerprinted: if it is a copy of an earlier note, link the two."""
        if self.settings.moderator_chat is None or not hits:
            return
        try:
            await trends.remember_copy(self.db, file_unique_id, hits)
        except SQLAlchemyError:  # best effort, like every trend step
            logger.exception("could not link a copy of a forwarded note")

    async def _post(self, bot: Bot, text: str, markup: InlineKeyboardMarkup | None) -> None:
        chat = self.settings.moderator_chat
        if chat is None:
            return
        try:
            await bot.send_message(chat, text, reply_markup=markup)
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
