"""Private chat: whatever a person forwards or sends gets a verdict."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.analysis.submission import MEDIA_KINDS, Submission
from bot.checks import check_and_count
from bot.deps import Deps
from bot.errors import QueueFull
from bot.jobs.runner import TELEGRAM_DOWNLOAD_LIMIT
from bot.jobs.types import MediaJob
from bot.keyboards import verdict_keyboard
from bot.privacy import short, text_key
from bot.render import render_verdict
from bot.verdict import Verdict
from handlers.common import over_limit, prefs_for, reply_html
from handlers.extract import extract_submission

logger = logging.getLogger(__name__)


class PrivateChat:
    """Handlers for messages in private chats."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any non-command message in a private chat: check it and answer."""
        message = update.effective_message
        if message is None:
            return
        prefs = await prefs_for(self.deps, update.effective_user)
        if await over_limit(self.deps, update, prefs.lang):
            return
        sub = extract_submission(message, lang=prefs.lang, country=prefs.country)
        t = self.deps.messages.t
        if sub.kind in MEDIA_KINDS and sub.file is not None:
            await self._media(message, sub, update)
        elif sub.text and sub.text.strip():
            verdict = await self.check_text(sub)
            text = render_verdict(verdict, prefs.lang, messages=self.deps.messages)
            if sub.kind == "photo":
                text = f"{text}\n\n<i>{t(prefs.lang, 'photo.caption_only')}</i>"
            handle = short(text_key(sub.text))
            await reply_html(
                message,
                text,
                reply_markup=verdict_keyboard(self.deps.messages, prefs.lang, handle),
            )
            if update.effective_user is not None:  # trend alerts count distinct senders
                await self.deps.moderation.sighting(
                    message.get_bot(),
                    text_key(sub.text),
                    self.deps.user_hash(update.effective_user.id),
                    sub.kind,
                    verdict=verdict,
                    text=sub.text,
                )
        elif sub.kind == "photo":
            await reply_html(message, t(prefs.lang, "photo.no_caption"))
        elif sub.kind == "text":
            await reply_html(message, t(prefs.lang, "empty"))
        else:
            await reply_html(message, t(prefs.lang, "unsupported"))

    async def check_text(self, sub: Submission) -> Verdict:
        """Analyse a text off the event loop and count it (no content is stored)."""
        return await check_and_count(self.deps, sub)

    async def _media(self, message: Message, sub: Submission, update: Update) -> None:
        """Queue a media check: too big → say so; seen before → answer now; else 'Listening…'."""
        assert sub.file is not None  # noqa: S101 - guaranteed by the caller
        lang = sub.lang or "es"
        t = self.deps.messages.t
        user = update.effective_user
        job = MediaJob.for_submission(
            sub,
            chat_id=message.chat_id,
            message_id=message.message_id,
            user_hash=self.deps.user_hash(user.id) if user else "",
        )
        if sub.file.size is not None and sub.file.size > TELEGRAM_DOWNLOAD_LIMIT:
            size = f"{sub.file.size / 1_048_576:.0f}"
            await reply_html(message, t(lang, "media.too_large", size=size))
            return
        cached = await self.deps.media.cached_verdict(job)
        if cached is not None:
            await reply_html(
                message,
                render_verdict(cached, lang, messages=self.deps.messages),
                reply_markup=verdict_keyboard(
                    self.deps.messages, lang, short(f"file:{job.file_unique_id}")
                ),
            )
            await self.deps.moderation.media_sighting(message.get_bot(), job, cached)  # trends
            return
        await message.get_bot().send_chat_action(message.chat_id, ChatAction.TYPING)
        status = await reply_html(message, t(lang, "media.listening"))
        job = MediaJob(**{**job.to_dict(), "status_message_id": status.message_id})
        try:
            position = await self.deps.media.submit(job)
        except QueueFull:
            await status.edit_text(t(lang, "queue.full"))
            return
        if position > 1:
            await status.edit_text(t(lang, "media.queued", position=position))
