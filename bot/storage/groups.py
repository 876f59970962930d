"""Groups: settings chosen by their admins, the cached admin list and the warning dedupe."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import Unpack

from bot.storage._common import (
    check_choice,
    normalise_country,
    normalise_language,
    resolve_now,
    rowcount,
    upsert,
)
from bot.storage.models import (
    GROUP_SENSITIVITIES,
    WATCHABLE_KINDS,
    Group,
    GroupAdmin,
    GroupWarning,
)

ADMIN_STATUSES = ("creator", "administrator")


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """A group's settings and what the bot may do there."""

    chat_id: int
    title: str | None
    language: str | None
    country: str | None
    sensitivity: str
    watch_kinds: tuple[str, ...]
    watch_all: bool
    delete_scams: bool
    muted_until: datetime | None
    bot_status: str | None
    bot_can_delete: bool
    created_at: datetime
    updated_at: datetime

    def is_muted(self, now: datetime) -> bool:
        """Return True while an admin's mute is in force."""
        return self.muted_until is not None and now < self.muted_until

    def watches(self, kind: str) -> bool:
        """Return True if messages of `kind` are analysed in this group."""
        return kind in self.watch_kinds


@dataclass(frozen=True, slots=True)
class AdminRecord:
    """A cached group admin, as Telegram last reported them."""

    chat_id: int
    user_id: int
    status: str
    can_change_info: bool
    updated_at: datetime


class GroupSettingsUpdate(TypedDict, total=False):
    """The settings `GroupRepo.update_settings` may change."""

    title: str | None
    language: str | None
    country: str | None
    sensitivity: str
    watch_kinds: Iterable[str]  # or a comma list
    watch_all: bool
    delete_scams: bool
    muted_until: datetime | None


def _settings(row: Any) -> GroupSettings:
    values = dict(row._mapping)
    values["watch_kinds"] = tuple(k for k in values["watch_kinds"].split(",") if k)
    return GroupSettings(**values)


def _watch_kinds(kinds: Iterable[str]) -> str:
    chosen = set(kinds.split(",") if isinstance(kinds, str) else kinds) - {""}
    unknown = chosen.difference(WATCHABLE_KINDS)
    if unknown:
        raise ValueError(f"unknown message kinds: {', '.join(sorted(unknown))}")
    return ",".join(k for k in WATCHABLE_KINDS if k in chosen)


def _clean(fields: GroupSettingsUpdate) -> dict[str, object]:
    values: dict[str, object] = dict(fields)
    unknown = values.keys() - GroupSettingsUpdate.__annotations__.keys()
    if unknown:
        raise TypeError(f"not a group setting: {', '.join(sorted(unknown))}")
    if "language" in fields:
        values["language"] = normalise_language(fields["language"])
    if "country" in fields:
        values["country"] = normalise_country(fields["country"])
    if "sensitivity" in fields:
        check_choice("sensitivity", fields["sensitivity"], GROUP_SENSITIVITIES)
    if "watch_kinds" in fields:
        values["watch_kinds"] = _watch_kinds(fields["watch_kinds"])
    return values


class GroupRepo:
    """Group settings, admin cache and warning dedupe."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int) -> GroupSettings | None:
        """Return the group's settings, or None if the bot never saw it."""
        stmt = select(Group.__table__).where(Group.chat_id == chat_id)
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else _settings(row)

    async def get_or_create(
        self, chat_id: int, title: str | None = None, *, now: datetime | None = None
    ) -> GroupSettings:
        """Return the group's settings, creating defaults first; keeps the title current."""
        at = resolve_now(now)
        values = {"chat_id": chat_id, "title": title, "created_at": at, "updated_at": at}
        # Only a known, changed title is written: an untitled call must not erase it.
        changes = {} if title is None else {"title": title}
        stmt = upsert(self.session, Group, values, ["chat_id"], changes)
        await self.session.execute(stmt)
        settings = await self.get(chat_id)
        if settings is None:  # pragma: no cover - the row was just written
            raise LookupError(f"group {chat_id} vanished")
        return settings

    async def update_settings(
        self, chat_id: int, *, now: datetime | None = None, **fields: Unpack[GroupSettingsUpdate]
    ) -> GroupSettings:
        """Change some settings of a known group; return the new settings."""
        values = _clean(fields)
        values["updated_at"] = resolve_now(now)
        stmt = (
            update(Group)
            .where(Group.chat_id == chat_id)
            .values(values)
            .returning(*Group.__table__.c)
        )
        row = (await self.session.execute(stmt)).one_or_none()
        if row is None:
            raise LookupError(f"unknown group {chat_id}")
        return _settings(row)

    async def set_bot_rights(
        self,
        chat_id: int,
        bot_status: str,
        can_delete: bool,
        *,
        title: str | None = None,
        now: datetime | None = None,
    ) -> GroupSettings:
        """Record the bot's own membership status and delete right (creating the group)."""
        at = resolve_now(now)
        values = {
            "chat_id": chat_id,
            "title": title,
            "bot_status": bot_status,
            "bot_can_delete": can_delete,
            "created_at": at,
            "updated_at": at,
        }
        changed = ["bot_status", "bot_can_delete", "updated_at"] + (
            [] if title is None else ["title"]
        )
        stmt = upsert(self.session, Group, values, ["chat_id"], changed)
        row = (await self.session.execute(stmt.returning(*Group.__table__.c))).one()
        return _settings(row)

    async def upsert_admin(
        self,
        chat_id: int,
        user_id: int,
        status: str,
        can_change_info: bool,
        *,
        now: datetime | None = None,
    ) -> None:
        """Cache (or refresh) one admin of a group."""
        values = {
            "chat_id": chat_id,
            "user_id": user_id,
            "status": status,
            "can_change_info": can_change_info,
            "updated_at": resolve_now(now),
        }
        keys = ["chat_id", "user_id"]
        changed = ["status", "can_change_info", "updated_at"]
        await self.session.execute(upsert(self.session, GroupAdmin, values, keys, changed))

    async def remove_admin(self, chat_id: int, user_id: int) -> bool:
        """Forget that a user is an admin; return False if they were not cached."""
        stmt = delete(GroupAdmin).where(
            GroupAdmin.chat_id == chat_id, GroupAdmin.user_id == user_id
        )
        return await rowcount(self.session, stmt) > 0

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Return True if the cache says the user is the group's creator or an administrator."""
        stmt = select(GroupAdmin.status).where(
            GroupAdmin.chat_id == chat_id, GroupAdmin.user_id == user_id
        )
        status = (await self.session.execute(stmt)).scalar_one_or_none()
        return status in ADMIN_STATUSES

    async def list_admins(self, chat_id: int) -> tuple[AdminRecord, ...]:
        """Return the cached admins of a group."""
        stmt = (
            select(GroupAdmin.__table__)
            .where(GroupAdmin.chat_id == chat_id)
            .order_by(GroupAdmin.user_id)
        )
        rows = (await self.session.execute(stmt)).all()
        return tuple(AdminRecord(**r._mapping) for r in rows)

    async def was_warned(self, chat_id: int, content_key: str, since: datetime) -> bool:
        """Return True if the group was warned about this content at or after `since`."""
        stmt = select(GroupWarning.warned_at).where(
            GroupWarning.chat_id == chat_id,
            GroupWarning.content_key == content_key,
            GroupWarning.warned_at >= since,
        )
        return (await self.session.execute(stmt)).first() is not None

    async def warning_for(self, chat_id: int, message_id: int) -> str | None:
        """The content key of the warning Ojo posted as `message_id` in this chat, if any."""
        stmt = select(GroupWarning.content_key).where(
            GroupWarning.chat_id == chat_id, GroupWarning.message_id == message_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def mark_warned(
        self,
        chat_id: int,
        content_key: str,
        message_id: int | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        """Remember that the group was just warned about this content."""
        values = {
            "chat_id": chat_id,
            "content_key": content_key,
            "warned_at": resolve_now(now),
            "message_id": message_id,
        }
        keys = ["chat_id", "content_key"]
        stmt = upsert(self.session, GroupWarning, values, keys, ["warned_at", "message_id"])
        await self.session.execute(stmt)

    async def purge_warnings(self, before: datetime) -> int:
        """Delete warnings older than `before` (outside any dedupe window); return how many."""
        stmt = delete(GroupWarning).where(GroupWarning.warned_at < before)
        return await rowcount(self.session, stmt)
