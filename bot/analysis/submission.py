"""What handlers hand to the pipeline: a plain description of one forwarded item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.privacy import content_key

Kind = Literal[
    "text", "voice", "audio", "video", "video_note", "photo", "document", "sticker", "other"
]
MEDIA_KINDS: frozenset[str] = frozenset({"voice", "audio", "video", "video_note", "document"})


@dataclass(frozen=True, slots=True)
class FileRef:
    """A Telegram file the pipeline may download."""

    file_id: str
    file_unique_id: str
    size: int | None = None
    duration: float | None = None
    mime_type: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ForwardInfo:
    """What Telegram says about where a forwarded message came from."""

    origin: Literal["user", "hidden_user", "chat", "channel"]
    date: datetime
    name: str | None = None  # display name or title
    username: str | None = None
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """One item to analyse: text or caption, an optional file, and where it came from."""

    kind: Kind
    text: str | None = None
    file: FileRef | None = None
    forward: ForwardInfo | None = None
    lang: str | None = None  # the language to answer in
    country: str | None = None
    chat_type: str = "private"

    @property
    def content_key(self) -> str:
        """The key its answers, votes and warnings are stored under: its file, else its text."""
        return content_key(self.file.file_unique_id if self.file else None, self.text)
