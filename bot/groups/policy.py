"""Pure group policy: what to look at, when to speak, what admins may change (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.storage.groups import GroupSettings, GroupSettingsUpdate
from bot.storage.models import GROUP_SENSITIVITIES, WATCHABLE_KINDS
from bot.verdict import Verdict

WARN_WINDOW = timedelta(hours=24)  # the same content is warned about once per group per window
# Warnings per group per minute. Telegram allows about 20 messages a minute in a group; half of
# that leaves room for settings menus and greetings, and a group flooded with scams needs no more.
GROUP_WARNINGS_PER_MINUTE = 10
# A cached admin is trusted this long; chat_member updates (only sent to admin bots) refresh it.
ADMIN_CACHE_TTL = timedelta(minutes=10)
ANONYMOUS_ADMIN_ID = 1087968824  # @GroupAnonymousBot: the sender of anonymous admins' messages
MUTE_HOURS = (1, 8, 24)
ADMIN_STATUSES = ("creator", "administrator")
PRESENT_STATUSES = ("creator", "administrator", "member", "restricted")
GONE_STATUSES = ("left", "kicked")
MEDIA_OR_PHOTO = frozenset(WATCHABLE_KINDS) - {"text"}
_COUNTRY = re.compile(r"[A-Z]{2}")

Skip = Literal["absent", "muted", "quiet", "not_watched", "kind", "not_forwarded", "no_text"]
Right = Literal["read", "delete"]


@dataclass(frozen=True, slots=True)
class Seen:
    """What the bot noticed about a group message, without its content."""

    kind: str  # as handlers.extract.message_kind names it
    forwarded: bool
    has_link: bool
    has_text: bool

    @property
    def is_media(self) -> bool:
        """A file or photo (what `watch_all` adds besides links)."""
        return self.kind in MEDIA_OR_PHOTO


def candidate(seen: Seen) -> bool:
    """Whether any group's settings could make this message worth a look (before the DB)."""
    return seen.kind in WATCHABLE_KINDS and (seen.forwarded or seen.has_link or seen.is_media)


def look(group: GroupSettings, seen: Seen, now: datetime) -> Skip | None:
    """Why this group's settings skip the message, or None to analyse it."""
    if group.bot_status in GONE_STATUSES:
        return "absent"
    if group.is_muted(now):
        return "muted"
    if not candidate(seen):
        return "not_watched"
    if not group.watches(seen.kind):
        return "kind"
    if not (seen.forwarded or (group.watch_all and (seen.has_link or seen.is_media))):
        return "not_forwarded"
    return None


def speaks(group: GroupSettings, level: str) -> bool:
    """Whether a verdict of `level` is worth a message in this group (noisy bots get removed)."""
    if level == "scam":
        return True
    return level == "suspicious" and group.sensitivity == "suspicious"


def decide(group: GroupSettings | None, level: str, now: datetime) -> Skip | None:
    """Why a verdict stays unsaid in this group, or None to warn (dedupe and rate come after)."""
    if group is None or group.bot_status in GONE_STATUSES:
        return "absent"
    if group.is_muted(now):  # checked again: a media job may finish after an admin muted the bot
        return "muted"
    if not speaks(group, level):
        return "quiet"
    return None


def may_delete(group: GroupSettings, level: str) -> bool:
    """Delete the message too: only confirmed scams, only if admins asked and the bot can."""
    return level == "scam" and group.delete_scams and group.bot_can_delete


def can_delete(status: str, can_delete_messages: bool) -> bool:
    """Whether a member with this status and right may delete others' messages."""
    return status == "creator" or (status == "administrator" and can_delete_messages)


def missing_rights(
    status: str, can_read_all: bool, can_delete_messages: bool
) -> tuple[Right, ...]:
    """What the bot lacks: seeing forwarded messages (privacy mode off or admin), deleting."""
    missing: list[Right] = []
    if not (can_read_all or status in ADMIN_STATUSES):
        missing.append("read")
    if not can_delete(status, can_delete_messages):
        missing.append("delete")
    return tuple(missing)


def joined(old: str, stored: str | None, new: str) -> bool:
    """Whether the bot was just added: greet once, not on promotions nor a repeated update."""
    was_away = old in GONE_STATUSES and stored not in PRESENT_STATUSES
    return was_away and new in PRESENT_STATUSES


def is_admin_status(status: str) -> bool:
    """Creator or administrator."""
    return status in ADMIN_STATUSES


def one_tip(verdict: Verdict) -> str | None:
    """The single most useful tip (the matched pattern's first), if any."""
    return verdict.tips[0].text if verdict.tips else None


def group_language(group: GroupSettings) -> str:
    """The language the group is spoken to in: the admins' choice, else Spanish."""
    return group.language if group.language in ("es", "en") else "es"


class SettingRefused(Exception):
    """An admin's change that cannot be applied; carries the message key to answer with."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


def settings_change(
    group: GroupSettings, action: str, value: str, now: datetime
) -> GroupSettingsUpdate:
    """The settings a button press changes; ValueError if the data is not one of ours."""
    if action == "sens" and value in GROUP_SENSITIVITIES:
        return {"sensitivity": value}
    if action == "kind" and value in WATCHABLE_KINDS:
        kinds = set(group.watch_kinds) ^ {value}
        return {"watch_kinds": [k for k in WATCHABLE_KINDS if k in kinds]}
    if action == "all" and value in ("0", "1"):
        return {"watch_all": value == "1"}
    if action == "lang" and value in ("es", "en"):
        return {"language": value}
    if action == "ctry" and (value == "none" or _COUNTRY.fullmatch(value)):
        return {"country": None if value == "none" else value}
    if action == "del" and value in ("0", "1"):
        if value == "1" and not group.bot_can_delete:
            raise SettingRefused("group.settings.need_delete_right")
        return {"delete_scams": value == "1"}
    if action == "mute" and value.isdigit() and (int(value) in MUTE_HOURS or value == "0"):
        hours = int(value)
        return {"muted_until": now + timedelta(hours=hours) if hours else None}
    raise ValueError(f"not a group setting: {action}:{value}")
