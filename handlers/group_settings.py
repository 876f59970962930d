"""Group settings: /settings for admins and its gs: buttons (sensitivity, language, mute...)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.deps import Deps
from bot.groups import policy
from bot.groups.service import GroupService
from bot.groups.texts import country_keyboard, settings_keyboard, settings_text
from bot.storage.groups import GroupSettings
from handlers.common import reply_html

logger = logging.getLogger(__name__)


class GroupSettingsHandlers:
    """/settings and its buttons; only the group's admins may change anything."""

    def __init__(self, deps: Deps, service: GroupService) -> None:
        self.deps = deps
        self.service = service

    async def settings(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/settings: the menu for admins, a polite no for everyone else."""
        message = update.effective_message
        if message is None:
            return
        group = await self.service.group(message.chat_id, message.chat.title)
        lang = policy.group_language(group)
        if not await self._sent_by_admin(context.bot, message):
            await reply_html(message, self.deps.messages.t(lang, "group.settings.only_admins"))
            return
        await reply_html(
            message,
            settings_text(self.deps.messages, group, self.deps.settings.default_country),
            reply_markup=settings_keyboard(
                self.deps.messages, group, self.deps.settings.default_country
            ),
        )

    async def _sent_by_admin(self, bot: Bot, message: Message) -> bool:
        """Admins, including anonymous ones (they post as the group itself)."""
        if message.sender_chat is not None:
            return message.sender_chat.id == message.chat_id
        user = message.from_user
        if user is None:
            return False
        if (
            user.id == policy.ANONYMOUS_ADMIN_ID
        ):  # older clients: GroupAnonymousBot, no sender_chat
            return True
        return await self.service.is_admin(bot, message.chat_id, user.id)

    async def on_settings_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """gs:<setting>:<value> and gs:menu:<main|country|close>, for admins only."""
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        chat_id = query.message.chat.id
        group = await self.service.group(chat_id)
        t, lang = self.deps.messages.t, policy.group_language(group)
        if not await self.service.is_admin(context.bot, chat_id, query.from_user.id):
            await query.answer(t(lang, "group.settings.only_admins"), show_alert=True)
            return
        _, action, value = [*query.data.split(":", 2), "", ""][:3]
        if action == "menu":
            await query.answer()
            await self._show(query, group, countries=value == "country", closed=value == "close")
            return
        try:
            changes = policy.settings_change(group, action, value, datetime.now(UTC))
        except policy.SettingRefused as refused:
            await query.answer(t(lang, refused.message_key), show_alert=True)
            return
        except ValueError:
            logger.info("unknown settings button %r", query.data)
            await query.answer()
            return
        group = await self.service.update(chat_id, changes)
        await query.answer(t(policy.group_language(group), "group.settings.saved"))
        await self._show(query, group)

    async def _show(
        self,
        query: CallbackQuery,
        group: GroupSettings,
        *,
        countries: bool = False,
        closed: bool = False,
    ) -> None:
        """Redraw the settings message (menu, country list, or closed without buttons)."""
        messages, default = self.deps.messages, self.deps.settings.default_country
        text = settings_text(messages, group, default)
        markup: InlineKeyboardMarkup | None
        if closed:
            text += "\n\n" + messages.t(policy.group_language(group), "group.settings.closed")
            markup = None
        elif countries:
            markup = country_keyboard(messages, group)
        else:
            markup = settings_keyboard(messages, group, default)
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as exc:  # "message is not modified": the admin tapped the current value
            logger.debug("settings message not redrawn: %s", exc.message)
