"""Send a verdict (or a friendly error) back to the chat a media job came from."""

from __future__ import annotations

import logging
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.i18n import Messages
from bot.jobs.types import MediaJob
from bot.keyboards import verdict_keyboard
from bot.privacy import file_key, short
from bot.render import render_verdict
from bot.verdict import Verdict

logger = logging.getLogger(__name__)


class GroupWarner(Protocol):
    """Decides whether and how to warn a group about a verdict (groups feature)."""

    async def warn(self, bot: Bot, job: MediaJob, verdict: Verdict) -> None:
        """Warn the group if its settings say so."""
        ...


async def send_or_edit(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    edit_message_id: int | None,
    reply_to: int | None,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Edit the status message into `text`, or send a new reply when that is not possible."""
    if edit_message_id is not None:
        try:
            await bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=edit_message_id,
                reply_markup=markup,
            )
            return
        except BadRequest as exc:  # deleted by the user, or too old to edit: send instead
            logger.info("could not edit status message: %s", exc.message)
    await bot.send_message(
        chat_id,
        text,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        allow_sending_without_reply=True,
    )


class Deliverer:
    """Answers media jobs: private chats get the full verdict, groups go to the GroupWarner."""

    def __init__(self, messages: Messages, groups: GroupWarner | None = None) -> None:
        self.messages = messages
        self.groups = groups

    async def verdict(self, bot: Bot, job: MediaJob, verdict: Verdict) -> None:
        """Deliver a verdict."""
        if job.context == "group":
            if self.groups is not None:
                await self.groups.warn(bot, job, verdict)
            return
        text = render_verdict(verdict, job.lang, messages=self.messages)
        markup = verdict_keyboard(self.messages, job.lang, short(file_key(job.file_unique_id)))
        await send_or_edit(
            bot,
            job.chat_id,
            text,
            edit_message_id=job.status_message_id,
            reply_to=job.message_id,
            markup=markup,
        )

    async def error(self, bot: Bot, job: MediaJob, key: str, **params: object) -> None:
        """Deliver a friendly error (groups stay quiet: noisy bots get removed)."""
        if job.context == "group":
            return
        text = self.messages.t(job.lang, key, **params)
        await send_or_edit(
            bot, job.chat_id, text, edit_message_id=job.status_message_id, reply_to=job.message_id
        )
