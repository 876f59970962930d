"""What the fake Bot API knows: chats, users, members, messages, files and pending updates."""

from __future__ import annotations

import copy
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from tests.fakebot.spec import BotApiSpec
from tests.fakebot.updates import chat_member_object

JSON = dict[str, Any]
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # bots may download files up to 20 MB through getFile
# Without allowed_updates Telegram sends everything except these three.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_STATUS_ALIASES = {"owner": "creator", "banned": "kicked"}


class ApiError(Exception):
    """A Bot API error response: HTTP status, description and optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        """Keeps the parts of the error response."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class StoredFile:
    """A file the test registered; the bot can getFile and download it."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


@dataclass
class SentMessage:
    """A message the bot sent or edited, with the decoded parameters it called with."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    params: dict[str, object]
    message: JSON
    time: float = field(default_factory=time.time)

    @property
    def buttons(self) -> list[JSON]:
        """The inline keyboard buttons, row by row, flattened."""
        markup = self.message.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class BotState:
    """The fake's model of Telegram, fed by pushed updates and by the bot's calls."""

    def __init__(self, spec: BotApiSpec, bot_user: JSON, *, strict_chats: bool) -> None:
        """Starts empty, knowing only the bot itself."""
        self.spec = spec
        self.bot_user = bot_user
        self.strict_chats = strict_chats
        self.chats: dict[int, JSON] = {}
        self.users: dict[int, JSON] = {bot_user["id"]: bot_user}
        self.members: dict[int, dict[int, JSON]] = defaultdict(dict)
        self.messages: dict[tuple[int, int], JSON] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.open_callback_queries: dict[str, JSON] = {}
        self.updates: list[JSON] = []
        self.allowed_updates: frozenset[str] | None = None
        self.webhook: JSON = {}

    # ----- learning from updates -----

    def observe(self, update: JSON) -> None:
        """Learns chats, users, messages, callback queries and memberships from an update."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            if key in update:
                self.remember_message(update[key])
        query = update.get("callback_query")
        if query:
            self.remember_user(query["from"])
            self.open_callback_queries[query["id"]] = query
            if query.get("message", {}).get("date"):  # date 0 means an InaccessibleMessage
                self.remember_message(query["message"])
        for key in ("my_chat_member", "chat_member"):
            if key in update:
                change = update[key]
                self.remember_chat(change["chat"])
                self.remember_user(change["from"])
                member = change["new_chat_member"]
                self.remember_user(member["user"])
                self.members[change["chat"]["id"]][member["user"]["id"]] = member

    def remember_message(self, message: JSON) -> None:
        """Stores a message (and the one it replies to) so it can be edited, deleted, replied."""
        self.remember_chat(message["chat"])
        if "from" in message:
            self.remember_user(message["from"])
        if "reply_to_message" in message:
            self.remember_message(message["reply_to_message"])
        self.messages[(message["chat"]["id"], message["message_id"])] = message

    def remember_chat(self, chat: JSON) -> None:
        """Stores a Chat object."""
        self.chats[chat["id"]] = {**self.chats.get(chat["id"], {}), **chat}

    def remember_user(self, user: JSON) -> None:
        """Stores a User object."""
        self.users[user["id"]] = user

    # ----- test-side setup -----

    def add_file(self, data: bytes, file_path_hint: str) -> StoredFile:
        """Registers file bytes under a unique path with Telegram-looking ids."""
        hint = PurePosixPath(file_path_hint)
        path, copies = hint, 1
        while str(path) in self.files_by_path:
            copies += 1
            path = hint.with_stem(f"{hint.stem}_{copies}")
        stored = StoredFile(
            file_id="AwACAgIAAxkBAA" + secrets.token_urlsafe(42)[:56],
            file_unique_id="AgAD" + secrets.token_urlsafe(9)[:12],
            file_path=str(path),
            data=data,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def chat_member(self, chat_id: int, user_id: int, status: str, rights: JSON) -> JSON:
        """Builds a spec-valid ChatMember of `status`, with defaults for required fields."""
        status = _STATUS_ALIASES.get(status, status)
        user = self.users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": f"Usuario {user_id}",
        }
        member = chat_member_object(user, status, **rights)
        if chat_id not in self.chats:
            chat_type = "private" if chat_id > 0 else "supergroup"
            chat: JSON = {"id": chat_id, "type": chat_type}
            chat |= {"first_name": user["first_name"]} if chat_id > 0 else {"title": "Grupo"}
            self.remember_chat(chat)
        self.remember_user(user)
        self.members[chat_id][user_id] = member
        return member

    # ----- lookups used by the methods -----

    def chat(self, chat_id: object) -> JSON:
        """Resolves a chat id or @username, as Telegram does, or raises "chat not found"."""
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for chat in self.chats.values():
                if str(chat.get("username", "")).lower() == name:
                    return chat
        elif isinstance(chat_id, int):
            if chat_id in self.chats:
                return self.chats[chat_id]
            if not self.strict_chats:
                chat_type = "private" if chat_id > 0 else "supergroup"
                return {"id": chat_id, "type": chat_type}
        raise ApiError(400, "Bad Request: chat not found")

    def member(self, chat: JSON, user_id: int) -> JSON:
        """The ChatMember of a user in a chat, as Telegram would report it."""
        known = self.members.get(chat["id"], {}).get(user_id)
        if known:
            return known
        if user_id not in self.users:
            raise ApiError(400, "Bad Request: user not found")
        in_private = chat["type"] == "private" and user_id in (chat["id"], self.bot_user["id"])
        status = "member" if in_private else "left"
        return self.chat_member(chat["id"], user_id, status, {})

    def check_can_write(self, chat: JSON) -> None:
        """Raises Telegram's error if the bot was blocked, kicked, has left or is muted."""
        member = self.members.get(chat["id"], {}).get(self.bot_user["id"], {})
        status = member.get("status")
        kind = "group" if chat["type"] == "group" else chat["type"]
        if chat["type"] == "private" and status == "kicked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        if status == "restricted" and not member.get("can_send_messages"):
            raise ApiError(400, "Bad Request: not enough rights to send text messages to the chat")

    def next_message_id(self, chat_id: int) -> int:
        """The next message id in a chat, after every message seen there."""
        ids = [message_id for (chat, message_id) in self.messages if chat == chat_id]
        return max(ids, default=0) + 1

    # ----- updates -----

    def confirm(self, offset: int | None) -> None:
        """Applies getUpdates' offset: forgets confirmed updates (or keeps the last -offset)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def deliverable(self, limit: int) -> list[JSON]:
        """Pending updates whose type the bot asked for, oldest first."""
        allowed = self.allowed_updates

        def wanted(update: JSON) -> bool:
            kind = next(key for key in update if key != "update_id")
            if allowed:
                return kind in allowed
            return kind not in DEFAULT_EXCLUDED_UPDATES

        return copy.deepcopy([u for u in self.updates if wanted(u)][:limit])
