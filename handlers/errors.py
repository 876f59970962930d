"""The one error handler: log with the update id, answer the user, never go silent."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.deps import Deps
from bot.errors import OjoError
from bot.metrics import count_error
from handlers.extract import user_language

logger = logging.getLogger(__name__)


class ErrorHandler:
    """PTB error handler: no message text in logs, a friendly answer in the chat."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and tell the user something went wrong."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, Forbidden):  # blocked by the user or removed from the group
            logger.info("update %s: forbidden (%s)", update_id, error.message)
            return
        logger.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
        if error is not None:
            count_error(error)
        if not isinstance(update, Update):
            return
        key = error.message_key if isinstance(error, OjoError) else "error.generic"
        lang = user_language(update.effective_user, None)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(self.deps.messages.t(lang, key)[:200])
            except TelegramError:
                logger.warning("update %s: could not answer the callback", update_id)
            return
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or chat.type != "private":
            return  # groups stay quiet about our own failures
        try:
            await message.reply_text(self.deps.messages.t(lang, key))
        except TelegramError:
            logger.warning("update %s: could not send the error answer", update_id)
