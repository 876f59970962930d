"""Bot API methods of the fake, with Telegram's results, errors and limits."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tests.fakebot.formatting import EntityParseError, parse, utf16_len
from tests.fakebot.state import JSON, MAX_DOWNLOAD_SIZE, ApiError, BotState, SentMessage

MAX_TEXT = 4096  # UTF-16 code units after entity parsing
MAX_CALLBACK_DATA = 64  # bytes
MAX_CALLBACK_ANSWER = 200  # characters
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_HTTPS_ONLY = "An HTTPS URL must be provided for webhook"
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
Handler = Callable[[dict[str, Any]], object]


class Methods:
    """The implemented Bot API methods and what the bot did through them."""

    def __init__(self, state: BotState) -> None:
        """Binds the methods to the fake's state."""
        self.state = state
        self.sent: defaultdict[int, list[SentMessage]] = defaultdict(list)
        self.limit_violations: list[str] = []
        self.callback_answers: list[JSON] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.deleted: list[tuple[int, int]] = []
        self.left_chats: list[int] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.handlers: dict[str, Handler] = {
            "getMe": lambda _: dict(state.bot_user),
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getFile": self.get_file,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "leaveChat": self.leave_chat,
        }

    def call(self, method: str, params: dict[str, Any]) -> object:
        """Runs one method (its canonical name) with decoded, spec-valid parameters."""
        handler = self.handlers.get(method)
        if handler is None:
            raise ApiError(400, f"Bad Request: the fake Bot API does not implement {method}")
        return handler(params)

    def violate(self, limit: str, description: str) -> ApiError:
        """Records a broken Bot API limit and returns Telegram's 400 for it."""
        self.limit_violations.append(limit)
        return ApiError(400, description)

    # ----- webhook -----

    def set_webhook(self, params: dict[str, Any]) -> bool:
        """Stores the webhook (the fake never delivers to it); an empty URL removes it."""
        url = params["url"]
        if url and not url.startswith("https://"):
            raise ApiError(400, f"Bad Request: bad webhook: {_HTTPS_ONLY}")
        self.state.webhook = {"url": url, **{k: v for k, v in params.items() if k != "url"}}
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        return True

    def delete_webhook(self, params: dict[str, Any]) -> bool:
        """Removes the webhook, optionally dropping pending updates."""
        self.state.webhook = {}
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        return True

    def get_webhook_info(self, _: dict[str, Any]) -> JSON:
        """Webhook URL and the number of pending updates."""
        info: JSON = {
            "url": self.state.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        for key in ("max_connections", "ip_address", "allowed_updates"):
            if key in self.state.webhook:
                info[key] = self.state.webhook[key]
        return info

    # ----- messages -----

    def send_message(self, params: dict[str, Any]) -> JSON:
        """Sends a text message: chat checks, parse mode, limits, keyboard, reply."""
        chat = self.state.chat(params["chat_id"])
        self.state.check_can_write(chat)
        text, entities = self._text(params, "sendMessage")
        message: JSON = {
            "message_id": self.state.next_message_id(chat["id"]),
            "from": self.state.bot_user,
            "date": int(time.time()),
            "chat": chat,
            "text": text,
        }
        if entities:
            message["entities"] = entities
        markup = params.get("reply_markup")
        if markup:
            self._check_markup(markup)
            if "inline_keyboard" in markup:  # only inline keyboards come back in the Message
                message["reply_markup"] = markup
        reply = params.get("reply_parameters")
        if reply:
            target = self.state.messages.get((chat["id"], reply["message_id"]))
            if target is not None:
                message["reply_to_message"] = {
                    k: v for k, v in target.items() if k != "reply_to_message"
                }
            elif not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        self.state.remember_message(message)
        self._record("sendMessage", chat["id"], message, params)
        return message

    def edit_message_text(self, params: dict[str, Any]) -> JSON | bool:
        """Edits a text the bot sent; a missing reply_markup removes the keyboard."""
        message = self._editable(params)
        if message is None:  # inline messages are not tracked
            return True
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._text(params, "editMessageText")
        markup = params.get("reply_markup")
        if markup:
            self._check_markup(markup)
        if (text, entities, markup) == (
            message["text"],
            message.get("entities", []),
            message.get("reply_markup"),
        ):
            raise ApiError(400, _NOT_MODIFIED)
        edited = {k: v for k, v in message.items() if k not in ("entities", "reply_markup")}
        edited |= {"text": text, "edit_date": int(time.time())}
        if entities:
            edited["entities"] = entities
        if markup:
            edited["reply_markup"] = markup
        self.state.remember_message(edited)
        self._record("editMessageText", edited["chat"]["id"], edited, params)
        return edited

    def edit_message_reply_markup(self, params: dict[str, Any]) -> JSON | bool:
        """Replaces or removes the inline keyboard of a message the bot sent."""
        message = self._editable(params)
        if message is None:  # inline messages are not tracked
            return True
        markup = params.get("reply_markup")
        if markup:
            self._check_markup(markup)
        if markup == message.get("reply_markup") or (not markup and "reply_markup" not in message):
            raise ApiError(400, _NOT_MODIFIED)
        edited = {k: v for k, v in message.items() if k != "reply_markup"}
        edited["edit_date"] = int(time.time())
        if markup:
            edited["reply_markup"] = markup
        self.state.remember_message(edited)
        self._record("editMessageReplyMarkup", edited["chat"]["id"], edited, params)
        return edited

    def delete_message(self, params: dict[str, Any]) -> bool:
        """Deletes a message; others' messages in groups need can_delete_messages."""
        chat = self.state.chat(params["chat_id"])
        key = (chat["id"], params["message_id"])
        message = self.state.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        own = message.get("from", {}).get("id") == self.state.bot_user["id"]
        if chat["type"] != "private" and not own:
            rights = self.state.members.get(chat["id"], {}).get(self.state.bot_user["id"], {})
            if not (rights.get("status") == "creator" or rights.get("can_delete_messages")):
                raise ApiError(400, "Bad Request: message can't be deleted")
        del self.state.messages[key]
        self.deleted.append(key)
        return True

    def answer_callback_query(self, params: dict[str, Any]) -> bool:
        """Answers an open callback query once, with Telegram's 200-character limit."""
        text = params.get("text", "")
        if len(text) > MAX_CALLBACK_ANSWER:
            raise self.violate(
                f"answerCallbackQuery text of {len(text)} characters (max {MAX_CALLBACK_ANSWER})",
                "Bad Request: MESSAGE_TOO_LONG",
            )
        if self.state.open_callback_queries.pop(params["callback_query_id"], None) is None:
            raise ApiError(400, f"Bad Request: {_QUERY_TOO_OLD}")
        self.callback_answers.append(params)
        return True

    def send_chat_action(self, params: dict[str, Any]) -> bool:
        """Records a chat action such as typing."""
        chat = self.state.chat(params["chat_id"])
        self.state.check_can_write(chat)
        if params["action"] not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append((chat["id"], params["action"]))
        return True

    # ----- commands -----

    def set_my_commands(self, params: dict[str, Any]) -> bool:
        """Stores the command list for a scope and language."""
        commands = params["commands"]
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not _COMMAND.fullmatch(command["command"]):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        self.commands[self._scope_key(params)] = commands
        return True

    def get_my_commands(self, params: dict[str, Any]) -> list[JSON]:
        """The command list for a scope and language."""
        return self.commands.get(self._scope_key(params), [])

    def delete_my_commands(self, params: dict[str, Any]) -> bool:
        """Removes the command list for a scope and language."""
        self.commands.pop(self._scope_key(params), None)
        return True

    # ----- files and chats -----

    def get_file(self, params: dict[str, Any]) -> JSON:
        """A File with file_path for a registered file."""
        stored = self.state.files.get(params["file_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def get_chat(self, params: dict[str, Any]) -> JSON:
        """A ChatFullInfo built from the known Chat."""
        chat = self.state.chat(params["chat_id"])
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        accepted = dict.fromkeys(gifts, True) | {"gifts_from_channels": False}
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11} | {
            "accepted_gift_types": accepted
        }

    def get_chat_member(self, params: dict[str, Any]) -> JSON:
        """The member set by the test or seen in updates; "left" for other known users."""
        chat = self.state.chat(params["chat_id"])
        return self.state.member(chat, params["user_id"])

    def get_chat_administrators(self, params: dict[str, Any]) -> list[JSON]:
        """Owner and administrators; other bots only with return_bots."""
        chat = self.state.chat(params["chat_id"])
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        bot_id = self.state.bot_user["id"]
        return [
            member
            for user_id, member in self.state.members.get(chat["id"], {}).items()
            if member["status"] in ("creator", "administrator")
            and (not member["user"]["is_bot"] or user_id == bot_id or params.get("return_bots"))
        ]

    def leave_chat(self, params: dict[str, Any]) -> bool:
        """The bot leaves a group or channel."""
        chat = self.state.chat(params["chat_id"])
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: member status can't be changed in private chats")
        self.state.check_can_write(chat)
        self.state.chat_member(chat["id"], self.state.bot_user["id"], "left", {})
        self.left_chats.append(chat["id"])
        return True

    # ----- helpers -----

    def _text(self, params: dict[str, Any], method: str) -> tuple[str, list[JSON]]:
        """Plain text and entities after parsing, with Telegram's errors and length limit."""
        raw = params.get("text", "")
        try:
            if "entities" in params:
                text, entities = parse(raw, None)
                entities = params["entities"]
            else:
                text, entities = parse(raw, params.get("parse_mode"))
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: {error}") from error
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise self.violate(
                f"{method} text of {utf16_len(text)} UTF-16 units (max {MAX_TEXT})",
                "Bad Request: message is too long",
            )
        return text, entities

    def _check_markup(self, markup: JSON) -> None:
        """Inline buttons need exactly one action; callback_data is at most 64 bytes."""
        for row in markup.get("inline_keyboard", []):
            for button in row:
                actions = _BUTTON_ACTIONS & set(button)
                if len(actions) != 1:
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard",
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise self.violate(
                        f"callback_data of {len(data.encode())} bytes (max {MAX_CALLBACK_DATA})",
                        "Bad Request: BUTTON_DATA_INVALID",
                    )

    def _editable(self, params: dict[str, Any]) -> JSON | None:
        """The bot's own message named by chat_id+message_id (None for inline messages)."""
        if "inline_message_id" in params:
            return None
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self.state.chat(params["chat_id"])
        message = self.state.messages.get((chat["id"], params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.state.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _record(self, method: str, chat_id: int, message: JSON, params: dict[str, Any]) -> None:
        """Keeps a sent or edited message for the test."""
        text = message.get("text")
        record = SentMessage(method, chat_id, message["message_id"], text, params, message)
        self.sent[chat_id].append(record)

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        """Commands are stored per (scope, language_code)."""
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code", "")
