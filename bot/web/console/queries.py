"""Read-only views of the report queue for the console (filters, forward counts)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bot.content.loader import ContentPack
from bot.deps import Deps
from bot.moderation.review import content_of
from bot.moderation.service import TREND_REPORTER
from bot.privacy import text_key
from bot.storage.models import Report, Sighting
from bot.storage.reports import ReportRecord

QUEUE_LIMIT = 200  # items on one queue page: a moderator reviews the top of it


@dataclass(frozen=True)
class Item:
    """A report or trend alert with what the queue shows and filters on."""

    report: ReportRecord
    verdict: dict[str, Any]
    forwards: int
    country: str | None
    categories: tuple[str, ...] = field(default=())

    @property
    def trend(self) -> bool:
        """Whether a trend alert (many forwards) opened it rather than one reporter."""
        return self.report.reporter_hash == TREND_REPORTER

    @property
    def level(self) -> str:
        """The verdict Ojo gave."""
        return str(self.verdict.get("verdict") or "no_match")

    @property
    def language(self) -> str:
        """The language the analysis detected."""
        return str(self.verdict.get("language") or "")

    @property
    def content(self) -> str:
        """Text and transcript."""
        return content_of(self.report)


@dataclass(frozen=True)
class Filters:
    """The queue's filters (empty string: any)."""

    status: str = "new"
    kind: str = ""
    category: str = ""
    lang: str = ""
    country: str = ""
    sort: str = "newest"

    def keep(self, item: Item) -> bool:
        """Whether an item passes every filter."""
        return (
            (not self.kind or item.report.kind == self.kind)
            and (not self.category or self.category in item.categories)
            and (not self.lang or item.language == self.lang)
            and (not self.country or item.country == self.country)
        )


def _same(report: ReportRecord) -> str | None:
    """What makes two reports the same content (like the stats' "top unknown")."""
    return report.file_unique_id or report.text or report.transcript


def _trend_key(report: ReportRecord) -> str | None:
    """The sightings key under which forwards of this content were counted."""
    if report.audio_item_id:
        return f"fp:{report.audio_item_id}"
    return text_key(report.text) if report.text and not report.file_id else None


def country_of(pack: ContentPack, verdict: dict[str, Any]) -> str | None:
    """The country whose reporting channels the verdict offered (None: only global ones)."""
    names = {r.get("name") for r in verdict.get("report", [])}
    for channel in pack.channels:
        if channel.country != "*" and (channel.name.es in names or channel.name.en in names):
            return channel.country
    return None


def item_of(pack: ContentPack, report: ReportRecord, forwards: int) -> Item:
    """One queue item."""
    verdict = json.loads(report.verdict_json or "{}")
    categories = tuple(str(m.get("category", "")) for m in verdict.get("matches", []))
    return Item(report, verdict, forwards, country_of(pack, verdict), categories)


async def queue(deps: Deps, filters: Filters) -> list[Item]:
    """Reports and trend alerts with a status, newest or most forwarded first."""
    async with deps.db() as session:
        stmt = select(Report.__table__).order_by(Report.id.desc()).limit(QUEUE_LIMIT)
        if filters.status:
            stmt = stmt.where(Report.status == filters.status)
        rows = (await session.execute(stmt)).all()
        reports = [ReportRecord(**r._mapping) for r in rows]
        same = Counter(k for r in reports if (k := _same(r)))
        keys = {k for r in reports if (k := _trend_key(r))}
        seen: dict[str, int] = {}
        if keys:
            count = (
                select(Sighting.content_key, func.count())
                .where(Sighting.content_key.in_(keys))
                .group_by(Sighting.content_key)
            )
            seen = {k: int(n) for k, n in await session.execute(count)}
    pack = deps.analyzer.engines.pack
    items = []
    for r in reports:
        key = _trend_key(r)
        forwards = max(same.get(_same(r) or "", 1), seen.get(key, 0) if key else 0)
        items.append(item_of(pack, r, forwards))
    items = [i for i in items if filters.keep(i)]
    if filters.sort == "forwarded":
        items.sort(key=lambda i: (-i.forwards, -i.report.id))
    return items


async def forwards_of(deps: Deps, report: ReportRecord) -> int:
    """How many people forwarded (or reported) the content of one report."""
    key = _trend_key(report)
    async with deps.db() as session:
        seen = 0
        if key:
            stmt = select(func.count()).where(Sighting.content_key == key)
            seen = int((await session.execute(stmt)).scalar_one())
        same = _same(report)
        reported = 1
        if same is not None:
            content = func.coalesce(Report.file_unique_id, Report.text, Report.transcript)
            stmt = select(func.count()).where(content == same)
            reported = int((await session.execute(stmt)).scalar_one())
    return max(seen, reported, 1)
