"""Moderation's own reads and writes that the shared repositories don't offer (yet)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Report, SettingKV
from bot.storage.settings_kv import KeyValueRepo

DRAFT_PREFIX = "moderation.draft."
AUDIO_ALIAS_PREFIX = "trend.audio."


@dataclass
class Draft:
    """A pattern being made from a report; kept in the database so any replica can finish it."""

    report_id: int
    pattern_id: str
    title: str
    category: str
    severity: str
    lang: str
    phrases: dict[str, float] = field(default_factory=dict)
    regexes: list[tuple[str, float]] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """Serialise for the key-value table."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Draft:
        """Load from the key-value table."""
        data: dict[str, Any] = json.loads(raw)
        data["regexes"] = [tuple(r) for r in data.get("regexes", [])]
        return cls(**data)


class ModerationStore:
    """Legit reports as corpus, report enrichment, drafts and audio aliases."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def legit_reports(self) -> list[tuple[int, str]]:
        """(id, text) of every report marked legit: they guard against false alarms."""
        stmt = (
            select(Report.id, Report.text, Report.transcript)
            .where(Report.status == "legit")
            .order_by(Report.id)
        )
        rows = await self.session.execute(stmt)
        out = []
        for rid, text, transcript in rows:
            body = " ".join(t for t in (text, transcript) if t)
            if body.strip():
                out.append((int(rid), body))
        return out

    async def enrich_report(
        self, report_id: int, *, transcript: str | None = None, audio_item_id: str | None = None
    ) -> None:
        """Store a transcript made at review time, or the fingerprint item made from it."""
        values: dict[str, object] = {}
        if transcript is not None:
            values["transcript"] = transcript
        if audio_item_id is not None:
            values["audio_item_id"] = audio_item_id
        if values:
            await self.session.execute(
                update(Report).where(Report.id == report_id).values(**values)
            )

    async def draft(self, report_id: int) -> Draft | None:
        """The pattern draft of a report, if a moderator started one."""
        raw = await KeyValueRepo(self.session).get(f"{DRAFT_PREFIX}{report_id}")
        return Draft.from_json(raw) if raw else None

    async def save_draft(self, draft: Draft) -> None:
        """Create or replace a draft."""
        await KeyValueRepo(self.session).set(f"{DRAFT_PREFIX}{draft.report_id}", draft.to_json())

    async def drop_draft(self, report_id: int) -> None:
        """Forget a draft (the pattern was made, or the report resolved otherwise)."""
        await self.session.execute(
            delete(SettingKV).where(SettingKV.key == f"{DRAFT_PREFIX}{report_id}")
        )

    async def audio_alias(self, file_unique_id: str) -> str | None:
        """The 'seen-…' item a re-encoded copy of this file matched, if any."""
        return await KeyValueRepo(self.session).get(f"{AUDIO_ALIAS_PREFIX}{file_unique_id}")

    async def set_audio_alias(self, file_unique_id: str, item_id: str) -> None:
        """Remember that this file is a copy of an earlier 'seen-…' item."""
        await KeyValueRepo(self.session).set(f"{AUDIO_ALIAS_PREFIX}{file_unique_id}", item_id)
