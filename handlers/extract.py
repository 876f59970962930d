"""Turn a Telegram Message into a Submission: the only place that reads message shapes."""

from __future__ import annotations

from datetime import timedelta

from telegram import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    User,
)

from bot.analysis.submission import FileRef, ForwardInfo, Kind, Submission

AUDIO_VIDEO_MIME = ("audio/", "video/")


def user_language(user: User | None, stored: str | None) -> str:
    """The answer language: the user's choice, else their Telegram language (es first)."""
    if stored in ("es", "en"):
        return stored
    code = (user.language_code or "") if user else ""
    if code.startswith("en"):
        return "en"
    return "es"


def forward_info(message: Message) -> ForwardInfo | None:
    """What Telegram tells about the origin of a forwarded message."""
    origin = message.forward_origin
    if origin is None:
        return None
    if isinstance(origin, MessageOriginUser):
        u = origin.sender_user
        return ForwardInfo("user", origin.date, u.full_name, u.username, u.id)
    if isinstance(origin, MessageOriginHiddenUser):
        return ForwardInfo("hidden_user", origin.date, origin.sender_user_name)
    if isinstance(origin, MessageOriginChannel):
        c = origin.chat
        return ForwardInfo("channel", origin.date, c.title, c.username, c.id)
    if isinstance(origin, MessageOriginChat):
        c = origin.sender_chat
        return ForwardInfo("chat", origin.date, c.title, c.username, c.id)
    return None


def _file(kind: Kind, message: Message) -> FileRef | None:
    if kind == "photo" and message.photo:
        biggest = message.photo[-1]  # Telegram lists the sizes smallest first
        return FileRef(
            file_id=biggest.file_id,
            file_unique_id=biggest.file_unique_id,
            size=biggest.file_size,
            mime_type="image/jpeg",
        )
    media = {
        "voice": message.voice,
        "audio": message.audio,
        "video": message.video,
        "video_note": message.video_note,
        "document": message.document,
    }.get(kind)
    if media is None:
        return None
    duration = getattr(media, "duration", None)
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
    return FileRef(
        file_id=media.file_id,
        file_unique_id=media.file_unique_id,
        size=media.file_size,
        duration=float(seconds) if seconds is not None else None,
        mime_type=getattr(media, "mime_type", None),
        name=getattr(media, "file_name", None),
    )


def message_kind(message: Message) -> Kind:
    """Which kind of item a message carries."""
    if message.voice:
        return "voice"
    if message.audio:
        return "audio"
    if message.video_note:
        return "video_note"
    if message.video:
        return "video"
    if message.document:
        mime = message.document.mime_type or ""
        media = mime.startswith(AUDIO_VIDEO_MIME) or mime.startswith("image/") or not mime
        return "document" if media else "other"
    if message.photo:
        return "photo"
    if message.sticker:
        return "sticker"
    if message.text:
        return "text"
    return "other"


def extract_submission(
    message: Message, *, lang: str, country: str | None, chat_type: str = "private"
) -> Submission:
    """The Submission a message carries (text or caption, file, forward origin).

    It has a file exactly when the file is something to listen to or read (voice, audio,
    video, round video, a photo, an audio/video/image document): private chats and groups both
    decide on that.
    """
    kind = message_kind(message)
    text = message.text or message.caption
    file = _file(kind, message)
    if kind == "other" and message.document is not None and text:
        kind = "document"  # a PDF, a contact card...: only its caption can be read
        file = None
    return Submission(
        kind=kind,
        text=text,
        file=file,
        forward=forward_info(message),
        lang=lang,
        country=country,
        chat_type=chat_type,
    )


def nothing_to_check(sub: Submission) -> str | None:
    """The message key for a submission with neither a file nor words, else None."""
    if sub.file is not None or (sub.text and sub.text.strip()):
        return None
    if sub.kind == "photo":
        return "photo.no_caption"
    return "empty" if sub.kind == "text" else "unsupported"
