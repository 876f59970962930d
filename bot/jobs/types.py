"""A media job: plain, serialisable data, so a Redis-backed queue can carry it unchanged."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from bot.analysis.submission import ForwardInfo


@dataclass(frozen=True, slots=True)
class MediaJob:
    """Everything a worker needs to analyse one media message and answer it."""

    chat_id: int
    message_id: int  # the user's message (answers reply to it)
    file_id: str
    file_unique_id: str
    kind: str
    lang: str
    country: str | None = None
    size: int | None = None
    caption: str | None = None
    status_message_id: int | None = None  # the "Listening…" message to edit into the verdict
    context: Literal["private", "group"] = "private"
    user_hash: str = ""
    forward: dict[str, Any] | None = None
    enqueued_at: float = 0.0

    def forward_info(self) -> ForwardInfo | None:
        """The forward origin back as a ForwardInfo."""
        if not self.forward:
            return None
        data = dict(self.forward)
        data["date"] = datetime.fromisoformat(data["date"])
        return ForwardInfo(**data)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a queue."""
        return asdict(self)

    @staticmethod
    def forward_dict(forward: ForwardInfo | None) -> dict[str, Any] | None:
        """A ForwardInfo as plain data."""
        if forward is None:
            return None
        data = asdict(forward)
        data["date"] = forward.date.isoformat()
        return data
