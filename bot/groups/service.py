"""The group service: warns (text and media alike), checks admins, records rights and votes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, ChatMember, Message, ReplyParameters
from telegram.error import TelegramError

from bot.analysis.pipeline import Analyzer
from bot.groups import details, policy
from bot.groups.texts import warning_keyboard, warning_text
from bot.i18n import Messages
from bot.jobs.types import MediaJob
from bot.privacy import file_key, handle_key, warning_key
from bot.ratelimit import MemoryRateLimiter, RateLimiter
from bot.settings import Settings
from bot.storage.cache import VerdictCacheRepo
from bot.storage.false_alarms import FalseAlarmRepo
from bot.storage.groups import GroupRepo, GroupSettings, GroupSettingsUpdate
from bot.verdict import Verdict

logger = logging.getLogger(__name__)
Outcome = policy.Skip | Literal["duplicate", "rate_limited", "failed", "warned", "deleted"]


class GroupService:
    """Group policy with its I/O; the Deliverer's GroupWarner and the group handlers' service."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: async_sessionmaker[AsyncSession],
        messages: Messages,
        analyzer: Analyzer,
        limiter: RateLimiter,
    ) -> None:
        self.settings = settings
        self.db = db
        self.messages = messages
        self.analyzer = analyzer
        self.limiter = limiter  # per chat, separate from the per-user limiter

    @classmethod
    def create(
        cls,
        settings: Settings,
        db: async_sessionmaker[AsyncSession],
        messages: Messages,
        analyzer: Analyzer,
    ) -> GroupService:
        """The service with its own per-group rate limiter (in Redis when replicas share it)."""
        limiter: RateLimiter
        if settings.redis_url:
            from redis.asyncio import Redis

            from bot.ratelimit import RedisRateLimiter

            limiter = RedisRateLimiter(
                Redis.from_url(settings.redis_url),
                policy.GROUP_WARNINGS_PER_MINUTE,
                prefix="ojo:rl:group:",
            )
        else:
            limiter = MemoryRateLimiter(policy.GROUP_WARNINGS_PER_MINUTE)
        return cls(settings=settings, db=db, messages=messages, analyzer=analyzer, limiter=limiter)

    # ----- settings -----

    async def group(self, chat_id: int, title: str | None = None) -> GroupSettings:
        """The group's settings, created with defaults the first time."""
        async with self.db() as session, session.begin():
            repo = GroupRepo(session)
            known = await repo.get(chat_id)
            if known is not None and (title is None or title == known.title):
                return known  # no write for every message of a busy group
            return await repo.get_or_create(chat_id, title)

    async def update(self, chat_id: int, changes: GroupSettingsUpdate) -> GroupSettings:
        """Apply an admin's change."""
        async with self.db() as session, session.begin():
            return await GroupRepo(session).update_settings(chat_id, **changes)

    async def record_rights(
        self, chat_id: int, status: str, can_delete: bool, title: str | None
    ) -> tuple[str | None, GroupSettings]:
        """Persist the bot's status and delete right; return the previous status too."""
        async with self.db() as session, session.begin():
            repo = GroupRepo(session)
            before = await repo.get(chat_id)
            after = await repo.set_bot_rights(chat_id, status, can_delete, title=title)
        return (before.bot_status if before else None), after

    async def own_rights(
        self, bot: Bot, chat_id: int, reported: ChatMember
    ) -> tuple[ChatMember, bool]:
        """The bot's actual membership (getChatMember) and privacy mode (getMe)."""
        try:
            member = await bot.get_chat_member(chat_id, bot.id)
        except TelegramError as exc:  # fall back to what the update said
            logger.info("getChatMember on itself failed in %s: %s", chat_id, exc)
            member = reported
        try:  # asked afresh: privacy mode may have changed in @BotFather since start-up
            me = await bot.get_me()
        except TelegramError as exc:
            logger.info("getMe failed: %s", exc)
            me = bot.bot
        return member, bool(me.can_read_all_group_messages)

    # ----- admins -----

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        """Creator or administrator: the cached admin list, refreshed from getChatMember."""
        now = datetime.now(UTC)
        async with self.db() as session:
            admins = await GroupRepo(session).list_admins(chat_id)
        cached = next((a for a in admins if a.user_id == user_id), None)
        if cached is not None and now - cached.updated_at < policy.ADMIN_CACHE_TTL:
            return policy.is_admin_status(cached.status)
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:  # Telegram unreachable: a recent-enough cache still counts
            logger.warning("getChatMember failed in %s: %s", chat_id, exc)
            return cached is not None and policy.is_admin_status(cached.status)
        await self.remember_member(
            chat_id, user_id, member.status, bool(getattr(member, "can_change_info", False))
        )
        return policy.is_admin_status(member.status)

    async def remember_member(
        self, chat_id: int, user_id: int, status: str, can_change_info: bool
    ) -> None:
        """Keep the admin table current: admins are upserted, everyone else removed."""
        async with self.db() as session, session.begin():
            repo = GroupRepo(session)
            if policy.is_admin_status(status):
                await repo.upsert_admin(chat_id, user_id, status, can_change_info)
            else:
                await repo.remove_admin(chat_id, user_id)

    # ----- warnings -----

    async def warn(self, bot: Bot, job: MediaJob, verdict: Verdict) -> None:
        """GroupWarner: a media job's verdict goes through the same policy as texts."""
        outcome = await self.deliver(
            bot, job.chat_id, job.message_id, file_key(job.file_unique_id), verdict
        )
        logger.info("group media verdict %s: %s", verdict.level, outcome)

    async def deliver(
        self, bot: Bot, chat_id: int, message_id: int, content_key: str, verdict: Verdict
    ) -> Outcome:
        """Reply to a group message with a short warning if policy, dedupe and rate allow."""
        now = datetime.now(UTC)
        async with self.db() as session, session.begin():
            repo = GroupRepo(session)
            group = await repo.get(chat_id)
            skip = policy.decide(group, verdict.level, now)
            if skip is not None or group is None:
                return skip or "absent"
            if await repo.was_warned(chat_id, content_key, now - policy.WARN_WINDOW):
                return "duplicate"
            if await self.limiter.hit(f"group:{chat_id}") is not None:
                logger.warning("group %s: warning skipped by the per-group rate limit", chat_id)
                return "rate_limited"
            # Marked before sending, so the same content arriving meanwhile is not warned twice.
            await repo.mark_warned(chat_id, content_key, now=now)
            ttl = timedelta(hours=self.settings.cache_ttl_hours)
            await VerdictCacheRepo(session).put(
                warning_key(content_key),
                details.dump(verdict),
                self.analyzer.pack_version,
                ttl,
            )
            votes = await FalseAlarmRepo(session).count(content_key)
        lang = policy.group_language(group)
        text = warning_text(self.messages, lang, verdict)
        markup = warning_keyboard(self.messages, lang, bot.username, content_key, votes)
        try:
            sent = await bot.send_message(
                chat_id,
                text,
                reply_markup=markup,
                reply_parameters=ReplyParameters(message_id, allow_sending_without_reply=True),
            )
        except TelegramError as exc:
            logger.warning("could not warn group %s: %s", chat_id, exc)
            return "failed"
        async with self.db() as session, session.begin():
            await GroupRepo(session).mark_warned(chat_id, content_key, sent.message_id, now=now)
        if policy.may_delete(group, verdict.level) and await self._delete(
            bot, sent, message_id, f"{text}\n{self.messages.t(lang, 'group.warn.deleted')}"
        ):
            return "deleted"
        return "warned"

    async def _delete(self, bot: Bot, warning: Message, message_id: int, text: str) -> bool:
        """Delete the scam (the warning already replied to it); on failure keep the warning."""
        try:
            await bot.delete_message(warning.chat_id, message_id)
        except TelegramError as exc:
            logger.info("could not delete a scam in %s: %s", warning.chat_id, exc)
            return False
        try:  # the quoted message is gone: say why, keeping the buttons
            await warning.edit_text(
                text,
                reply_markup=warning.reply_markup,
            )
        except TelegramError as exc:
            logger.info("could not note the deletion in %s: %s", warning.chat_id, exc)
        return True

    # ----- votes and details -----

    async def vote_not_scam(
        self, chat_id: int, message_id: int, voter: str
    ) -> tuple[str, bool, int] | None:
        """Count a member's "Not a scam" on a warning Ojo really posted in this chat.

        The content is the one stored with that warning, never what the button's data says, so
        a forged or stale press counts nothing. Returns (content key, new vote?, votes so far),
        or None when the message is not one of Ojo's warnings.
        """
        async with self.db() as session, session.begin():
            content_key = await GroupRepo(session).warning_for(chat_id, message_id)
            if content_key is None:
                return None
            repo = FalseAlarmRepo(session)
            fresh = await repo.add_vote(content_key, chat_id, voter)
            return content_key, fresh, await repo.count(content_key)

    async def details(self, handle: str, *, lang: str, country: str | None) -> Verdict | None:
        """The verdict behind a warning, for the reader's language and country."""
        async with self.db() as session, session.begin():
            hit = await VerdictCacheRepo(session).get(handle_key(handle), datetime.now(UTC))
        if hit is None:
            return None
        return details.load(
            hit.verdict_json, self.analyzer.engines.pack, lang=lang, country=country
        )
