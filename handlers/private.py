"""Private chat: whatever a person forwards or sends gets a verdict."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.analysis.submission import Submission
from bot.deps import Deps
from bot.errors import MediaTooLarge, QueueFull
from bot.keyboards import verdict_keyboard
from bot.privacy import short
from bot.render import render_verdict
from bot.services.check import Queued, Where, telegram_files
from bot.verdict import Verdict
from handlers.common import over_limit, prefs_for, reply_html
from handlers.extract import extract_submission, nothing_to_check

logger = logging.getLogger(__name__)


class _Status:
    """The "Listening…" message a queued media check edits into its verdict."""

    def __init__(self, message: Message, text: str) -> None:
        self.message = message
        self.text = text
        self.sent: Message | None = None

    async def show(self) -> int:
        bot = self.message.get_bot()
        await bot.send_chat_action(self.message.chat_id, ChatAction.TYPING)
        self.sent = await reply_html(self.message, self.text)
        return self.sent.message_id

    async def edit(self, text: str) -> None:
        if self.sent is not None:
            await self.sent.edit_text(text)


class PrivateChat:
    """Handlers for messages in private chats."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any non-command message in a private chat: check it and answer."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        prefs = await prefs_for(self.deps, user)
        if await over_limit(self.deps, update, prefs.lang):
            return
        t, lang = self.deps.messages.t, prefs.lang
        sub = extract_submission(message, lang=lang, country=prefs.country)
        empty = nothing_to_check(sub)
        if empty is not None:
            await reply_html(message, t(lang, empty))
            return
        status = _Status(message, t(lang, "media.listening"))
        where = Where(
            "private",
            fetch=telegram_files(context.bot),
            user_hash=self.deps.user_hash(user.id) if user else "",
            bot=context.bot,
            chat_id=message.chat_id,
            message_id=message.message_id,
            wait=status.show,
        )
        try:
            got = await self.deps.checks.submit(sub, where)
        except MediaTooLarge:
            size = f"{((sub.file.size if sub.file else 0) or 0) / 1_048_576:.0f}"
            await reply_html(message, t(lang, "media.too_large", size=size))
            return
        except QueueFull:
            await status.edit(t(lang, "queue.full"))
            return
        if isinstance(got, Queued):
            if got.position > 1:
                await status.edit(t(lang, "media.queued", position=got.position))
            return
        await reply_html(
            message,
            self.render(got, sub),
            reply_markup=verdict_keyboard(self.deps.messages, lang, short(sub.content_key)),
        )

    def render(self, verdict: Verdict, sub: Submission) -> str:
        """The verdict as this chat's answer (photos are read too: the same answer as any text)."""
        return render_verdict(verdict, sub.lang or "es", messages=self.deps.messages)
