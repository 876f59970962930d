"""Groups: greet when added, warn about forwarded scams, /settings for admins, Details links."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime

from telegram import (
    ChatMember,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    ContextTypes,
)

from bot.deps import Deps
from bot.errors import MediaTooLarge, QueueFull
from bot.groups import policy
from bot.groups.service import GroupService
from bot.groups.texts import (
    greeting,
    warning_keyboard,
)
from bot.privacy import HANDLE_CHARS
from bot.render import render_verdict
from bot.services.check import Queued, Where, telegram_files
from handlers.common import prefs_for, reply_html
from handlers.extract import extract_submission, nothing_to_check, user_language

logger = logging.getLogger(__name__)
LINK_ENTITIES: list[str | None] = [MessageEntity.URL, MessageEntity.TEXT_LINK]
DEEP_LINK = rf"^/start(@\w+)? v_[0-9a-f]{{{HANDLE_CHARS}}}\s*$"


class Groups:
    """Handlers for groups, and the private Details deep link."""

    def __init__(self, deps: Deps, service: GroupService) -> None:
        self.deps = deps
        self.service = service

    # ----- membership -----

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added, promoted, restricted or removed: record it; greet when added."""
        change = update.my_chat_member
        if change is None or change.chat.type not in ("group", "supergroup"):
            return
        chat, bot = change.chat, context.bot
        new = change.new_chat_member
        if new.status in policy.GONE_STATUSES:
            await self.service.record_rights(chat.id, new.status, False, chat.title)
            logger.info("removed from group %s (%s)", chat.id, new.status)
            return
        member, can_read = await self.service.own_rights(bot, chat.id, new)
        can_delete = policy.can_delete(member.status, _right(member, "can_delete_messages"))
        stored, group = await self.service.record_rights(
            chat.id, member.status, can_delete, chat.title
        )
        if not policy.joined(change.old_chat_member.status, stored, member.status):
            return
        if group.language is None:  # first guess: the language of whoever added the bot
            language = user_language(change.from_user, None)
            group = await self.service.update(chat.id, {"language": language})
        missing = policy.missing_rights(member.status, can_read, can_delete)
        logger.info("added to group %s; missing rights: %s", chat.id, ",".join(missing) or "none")
        text = greeting(self.deps.messages, policy.group_language(group), missing)
        try:
            await bot.send_message(
                chat.id,
                text,
            )
        except TelegramError as exc:  # e.g. added without the right to send messages
            logger.info("could not greet group %s: %s", chat.id, exc)

    async def on_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone's status changed: keep the cached admin list current."""
        change = update.chat_member
        if change is None or change.chat.type not in ("group", "supergroup"):
            return
        member = change.new_chat_member
        if member.user.id == context.bot.id:
            return  # the bot's own changes come as my_chat_member
        await self.service.remember_member(
            change.chat.id, member.user.id, member.status, _right(member, "can_change_info")
        )

    # ----- watching -----

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group message: analyse it if the group's settings say so; speak only when sure."""
        message = update.effective_message
        if message is None or message.is_automatic_forward:
            return  # the linked channel's own posts are not forwards by members
        if message.chat_id == self.deps.settings.moderator_chat:
            return  # moderators forward scams there on purpose
        sub = extract_submission(message, lang="es", country=None, chat_type=message.chat.type)
        seen = policy.Seen(
            kind=sub.kind,
            forwarded=message.forward_origin is not None,
            has_link=bool(message.parse_entities(LINK_ENTITIES))
            or bool(message.parse_caption_entities(LINK_ENTITIES)),
            has_text=bool(sub.text and sub.text.strip()),
        )
        if not policy.candidate(seen) or nothing_to_check(sub) is not None:
            return
        group = await self.service.group(message.chat_id, message.chat.title)
        skip = policy.look(group, seen, datetime.now(UTC))
        if skip is not None:
            logger.debug("group %s: message skipped (%s)", message.chat_id, skip)
            return
        user = update.effective_user
        if user is not None and await self.deps.limiter.hit(f"user:{user.id}") is not None:
            return  # one member flooding the group must not flood the analysers; stay quiet
        country = group.country or self.deps.settings.default_country
        sub = dataclasses.replace(sub, lang=policy.group_language(group), country=country)
        where = Where(
            "group",
            fetch=telegram_files(context.bot),
            user_hash=self.deps.user_hash(user.id) if user else "",  # trends count groups too
            bot=context.bot,
            chat_id=message.chat_id,
            message_id=message.message_id,
            wait=_quietly,  # no "Listening…" in groups: the worker warns if needed
        )
        try:
            got = await self.deps.checks.submit(sub, where)
        except MediaTooLarge:
            return  # groups stay quiet about what Ojo cannot check
        except QueueFull:
            logger.warning("group %s: media queue full, note not checked", message.chat_id)
            return
        if isinstance(got, Queued):
            return
        outcome = await self.service.deliver(
            context.bot, message.chat_id, message.message_id, sub.content_key, got
        )
        logger.info("group %s verdict %s: %s", sub.kind, got.level, outcome)

    # ----- warning buttons and Details -----

    async def on_not_scam(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """g:fa:…: a member says a warning was wrong; counted once per member and warning.

        Only a press on a warning Ojo posted in that group counts: the button's data is never
        trusted (a forged press in a private chat, or on another message, counts nothing).
        """
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        chat = query.message.chat
        voter = self.deps.user_hash(query.from_user.id)
        counted = None
        if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            counted = await self.service.vote_not_scam(chat.id, query.message.message_id, voter)
        lang = policy.group_language(await self.service.group(chat.id))
        if counted is None:
            await query.answer(self.deps.messages.t(lang, "group.not_scam.invalid"))
            return
        key, fresh, count = counted
        reply = "group.not_scam.done" if fresh else "group.not_scam.again"
        await query.answer(self.deps.messages.t(lang, reply, count=count))
        if not fresh:
            return
        markup = warning_keyboard(self.deps.messages, lang, context.bot.username, key, count)
        try:
            await query.edit_message_reply_markup(markup)
        except TelegramError as exc:
            logger.info("could not update the vote count: %s", exc)
        await self.deps.moderation.notify_false_alarm(context.bot, key, chat.id, count)

    async def on_details(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start v_<handle> in private: the full verdict behind a group warning."""
        message = update.effective_message
        if message is None or not context.args:
            return
        prefs = await prefs_for(self.deps, update.effective_user)
        handle = context.args[0].removeprefix("v_")
        verdict = await self.service.details(handle, lang=prefs.lang, country=prefs.country)
        if verdict is None:
            await reply_html(message, self.deps.messages.t(prefs.lang, "group.details.expired"))
            return
        await reply_html(message, render_verdict(verdict, prefs.lang, messages=self.deps.messages))


def _right(member: ChatMember, name: str) -> bool:
    """A ChatMember right that only some statuses carry (administrators, restricted)."""
    return bool(getattr(member, name, False))


async def _quietly() -> int | None:
    """A group's media check waits without a status message."""
    return None
