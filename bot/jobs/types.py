"""A media job: plain, serialisable data, so a Redis-backed queue can carry it unchanged."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from bot.analysis.submission import FileRef, ForwardInfo, Submission


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
    db_waits: int = 0  # times a worker put it back because the database was unreachable

    @classmethod
    def for_submission(
        cls,
        sub: Submission,
        *,
        chat_id: int,
        message_id: int,
        context: Literal["private", "group"] = "private",
        user_hash: str = "",
        status_message_id: int | None = None,
    ) -> MediaJob:
        """The job for a submission that carries a file."""
        if sub.file is None:
            raise ValueError("a media job needs a file")
        return cls(
            chat_id=chat_id,
            message_id=message_id,
            file_id=sub.file.file_id,
            file_unique_id=sub.file.file_unique_id,
            kind=sub.kind,
            lang=sub.lang or "es",
            country=sub.country,
            size=sub.file.size,
            caption=sub.text,
            context=context,
            user_hash=user_hash,
            status_message_id=status_message_id,
            forward=cls.forward_dict(sub.forward),
            enqueued_at=time.time(),
        )

    def submission(self) -> Submission:
        """The submission this job carries, as its door extracted it."""
        return Submission(
            kind=self.kind,  # type: ignore[arg-type]  # a Kind when made by for_submission
            text=self.caption,
            file=FileRef(self.file_id, self.file_unique_id, self.size),
            forward=self.forward_info(),
            lang=self.lang,
            country=self.country,
            chat_type=self.context,
        )

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
