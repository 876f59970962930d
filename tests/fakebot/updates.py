"""Builders of realistic, spec-valid update dicts (without update_id) for FakeBotApi."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

from tests.fakebot.spec import load_spec

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456789:AAFakeTokenForOjoTests-0123456789ab"
BOT: JSON = {
    "id": int(DEFAULT_TOKEN.split(":")[0]),
    "is_bot": True,
    "first_name": "Ojo",
    "username": "ojo_test_bot",
}
ES_USER: JSON = {
    "id": 5_512_345_678,
    "is_bot": False,
    "first_name": "Lucía",
    "last_name": "Gómez",
    "username": "lucia_gomez",
    "language_code": "es",
}
EN_USER: JSON = {
    "id": 6_023_456_789,
    "is_bot": False,
    "first_name": "Oliver",
    "last_name": "Smith",
    "username": "oliver_smith",
    "language_code": "en",
}
SCAMMER: JSON = {
    "id": 7_234_567_890,
    "is_bot": False,
    "first_name": "Soporte Banco",
    "username": "soporte_banco_24h",
    "language_code": "es",
}
GROUP: JSON = {"id": -1_001_987_654_321, "type": "supergroup", "title": "Familia Gómez"}
CHANNEL: JSON = {
    "id": -1_001_555_000_111,
    "type": "channel",
    "title": "Ofertas Increíbles",
    "username": "ofertas_increibles",
}
_MEMBER_TYPES = {
    "creator": "ChatMemberOwner",
    "administrator": "ChatMemberAdministrator",
    "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted",
    "left": "ChatMemberLeft",
    "kicked": "ChatMemberBanned",
}
_message_ids = itertools.count(1001)
_THREE_DAYS = 3 * 24 * 3600


def _now() -> int:
    """Unix time, as Telegram dates are."""
    return int(time.time())


def user(
    user_id: int,
    first_name: str,
    *,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "es",
    is_bot: bool = False,
) -> JSON:
    """A User."""
    extra = {"last_name": last_name, "username": username, "language_code": language_code}
    return {"id": user_id, "is_bot": is_bot, "first_name": first_name} | {
        key: value for key, value in extra.items() if value is not None
    }


def private_chat(of: JSON = ES_USER) -> JSON:
    """The private chat between the bot and a user (its id is the user's id)."""
    chat = {"id": of["id"], "type": "private", "first_name": of["first_name"]}
    return chat | {key: of[key] for key in ("last_name", "username") if key in of}


def group_chat(
    chat_id: int = GROUP["id"],
    title: str = GROUP["title"],
    *,
    kind: str = "supergroup",
    username: str | None = None,
) -> JSON:
    """A group or supergroup Chat."""
    chat = {"id": chat_id, "type": kind, "title": title}
    return chat | ({"username": username} if username else {})


def message(
    *,
    sender: JSON = ES_USER,
    chat: JSON | None = None,
    message_id: int | None = None,
    date: int | None = None,
    forward_origin: JSON | None = None,
    reply_to: JSON | None = None,
    **content: Any,
) -> JSON:
    """A Message from `sender` (in their private chat unless `chat` is given) with `content`."""
    built: JSON = {
        "message_id": message_id if message_id is not None else next(_message_ids),
        "from": sender,
        "chat": chat or private_chat(sender),
        "date": date or _now(),
    }
    if forward_origin:
        built["forward_origin"] = forward_origin
    if reply_to:
        built["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
    built.update({key: value for key, value in content.items() if value is not None})
    load_spec().check(built, "Message")
    return built


def text_message(text: str, **kwargs: Any) -> JSON:
    """Update: a text message (kwargs as for message(): sender, chat, reply_to, entities...)."""
    return {"message": message(text=text, **kwargs)}


def group_message(text: str, *, chat: JSON = GROUP, **kwargs: Any) -> JSON:
    """Update: a text message in a group."""
    return text_message(text, chat=chat, **kwargs)


def reply_message(text: str, reply_to: JSON, **kwargs: Any) -> JSON:
    """Update: a text message replying to `reply_to` (a Message dict), in the same chat."""
    return text_message(text, reply_to=reply_to, chat=reply_to["chat"], **kwargs)


def forwarded_message(text: str, origin: JSON, **kwargs: Any) -> JSON:
    """Update: a forwarded text message; build `origin` with origin_user/_hidden_user/..."""
    return text_message(text, forward_origin=origin, **kwargs)


def origin_user(sender_user: JSON = SCAMMER, *, date: int | None = None) -> JSON:
    """MessageOriginUser: forwarded from a user who allows linking."""
    return {"type": "user", "date": date or _now() - _THREE_DAYS, "sender_user": sender_user}


def origin_hidden_user(name: str = "Soporte Banco", *, date: int | None = None) -> JSON:
    """MessageOriginHiddenUser: forwarded from a user who hides their account."""
    return {"type": "hidden_user", "date": date or _now() - _THREE_DAYS, "sender_user_name": name}


def origin_channel(
    chat: JSON = CHANNEL,
    *,
    message_id: int = 4242,
    date: int | None = None,
    author_signature: str | None = None,
) -> JSON:
    """MessageOriginChannel: forwarded from a channel post."""
    origin = {"type": "channel", "date": date or _now() - _THREE_DAYS, "chat": chat}
    origin["message_id"] = message_id
    return origin | ({"author_signature": author_signature} if author_signature else {})


def origin_chat(sender_chat: JSON = GROUP, *, date: int | None = None) -> JSON:
    """MessageOriginChat: forwarded from an anonymous group admin."""
    return {"type": "chat", "date": date or _now() - _THREE_DAYS, "sender_chat": sender_chat}


def _file(file_id: str, file_unique_id: str, file_size: int | None, **fields: Any) -> JSON:
    """The common part of every file object."""
    built = {"file_id": file_id, "file_unique_id": file_unique_id, **fields}
    return built | ({"file_size": file_size} if file_size is not None else {})


def voice_message(
    file_id: str,
    file_unique_id: str,
    *,
    duration: int = 7,
    file_size: int | None = None,
    mime_type: str = "audio/ogg",
    **kwargs: Any,
) -> JSON:
    """Update: a voice note (OGG/Opus)."""
    voice = _file(file_id, file_unique_id, file_size, duration=duration, mime_type=mime_type)
    return {"message": message(voice=voice, **kwargs)}


def audio_message(
    file_id: str,
    file_unique_id: str,
    *,
    duration: int = 31,
    file_size: int | None = None,
    file_name: str = "audio.m4a",
    mime_type: str = "audio/mp4",
    **kwargs: Any,
) -> JSON:
    """Update: an audio file (music player style)."""
    audio = _file(
        file_id,
        file_unique_id,
        file_size,
        duration=duration,
        file_name=file_name,
        mime_type=mime_type,
    )
    return {"message": message(audio=audio, **kwargs)}


def video_message(
    file_id: str,
    file_unique_id: str,
    *,
    duration: int = 12,
    width: int = 720,
    height: int = 1280,
    file_size: int | None = None,
    **kwargs: Any,
) -> JSON:
    """Update: a video (MP4)."""
    video = _file(
        file_id,
        file_unique_id,
        file_size,
        width=width,
        height=height,
        duration=duration,
        mime_type="video/mp4",
    )
    return {"message": message(video=video, **kwargs)}


def video_note_message(
    file_id: str,
    file_unique_id: str,
    *,
    duration: int = 9,
    length: int = 384,
    file_size: int | None = None,
    **kwargs: Any,
) -> JSON:
    """Update: a round video note."""
    note = _file(file_id, file_unique_id, file_size, length=length, duration=duration)
    return {"message": message(video_note=note, **kwargs)}


def document_message(
    file_id: str,
    file_unique_id: str,
    *,
    file_name: str = "nota de voz.m4a",
    mime_type: str = "audio/mp4",
    file_size: int | None = None,
    **kwargs: Any,
) -> JSON:
    """Update: a file sent as a document."""
    document = _file(file_id, file_unique_id, file_size, file_name=file_name, mime_type=mime_type)
    return {"message": message(document=document, **kwargs)}


def photo_message(
    file_id: str,
    file_unique_id: str,
    *,
    width: int = 1280,
    height: int = 960,
    file_size: int | None = None,
    **kwargs: Any,
) -> JSON:
    """Update: a photo (one size; Telegram sends several, largest last)."""
    size = _file(file_id, file_unique_id, file_size, width=width, height=height)
    return {"message": message(photo=[size], **kwargs)}


def sticker_message(
    file_id: str, file_unique_id: str, *, emoji: str = "😂", **kwargs: Any
) -> JSON:
    """Update: a static sticker."""
    sticker = _file(
        file_id,
        file_unique_id,
        None,
        type="regular",
        width=512,
        height=512,
        is_animated=False,
        is_video=False,
        emoji=emoji,
    )
    return {"message": message(sticker=sticker, **kwargs)}


def poll_message(question: str, options: list[str], **kwargs: Any) -> JSON:
    """Update: an anonymous regular poll with no votes."""
    poll = {
        "id": str(5_000_000_000_000_000_000 + secrets.randbelow(10**18)),
        "question": question,
        "options": [
            {"persistent_id": str(index), "text": text, "voter_count": 0}
            for index, text in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    }
    return {"message": message(poll=poll, **kwargs)}


def location_message(latitude: float = 40.4168, longitude: float = -3.7038, **kwargs: Any) -> JSON:
    """Update: a location (Madrid by default)."""
    return {"message": message(location={"latitude": latitude, "longitude": longitude}, **kwargs)}


def callback_query(
    data: str, message_from_bot: JSON, *, sender: JSON = ES_USER, query_id: str | None = None
) -> JSON:
    """Update: a press on an inline button of `message_from_bot` (a Message dict)."""
    query = {
        "id": query_id or str(secrets.randbelow(10**18) + 10**18),
        "from": sender,
        "message": message_from_bot,
        "chat_instance": str(-secrets.randbelow(10**18)),
        "data": data,
    }
    return {"callback_query": query}


def chat_member_object(member: JSON, status: str, **rights: Any) -> JSON:
    """A spec-valid ChatMember: required flags default to False, until_date to 0."""
    subtype = _MEMBER_TYPES.get(status)
    if subtype is None:
        raise ValueError(f"unknown chat member status {status!r}; one of {sorted(_MEMBER_TYPES)}")
    return load_spec().with_defaults(subtype, {"status": status, "user": member, **rights})


def my_chat_member(
    chat: JSON = GROUP,
    *,
    by: JSON = ES_USER,
    bot: JSON = BOT,
    old_status: str = "left",
    new_status: str = "member",
    **rights: Any,
) -> JSON:
    """Update: the bot's own status changed (added to a group by `by`, promoted, removed...)."""
    change = {
        "chat": chat,
        "from": by,
        "date": _now(),
        "old_chat_member": chat_member_object(bot, old_status),
        "new_chat_member": chat_member_object(bot, new_status, **rights),
    }
    return {"my_chat_member": change}


def chat_member(
    member: JSON,
    chat: JSON = GROUP,
    *,
    by: JSON | None = None,
    old_status: str = "left",
    new_status: str = "member",
    **rights: Any,
) -> JSON:
    """Update: a user's status changed (needs allowed_updates with "chat_member")."""
    change = {
        "chat": chat,
        "from": by or member,
        "date": _now(),
        "old_chat_member": chat_member_object(member, old_status),
        "new_chat_member": chat_member_object(member, new_status, **rights),
    }
    return {"chat_member": change}
