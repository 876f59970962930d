"""/patterns: list, show, disable, enable and roll back patterns; /mod: manage moderators."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import update

from bot.content.models import Pattern
from bot.moderation import live
from bot.moderation.safety import Refusal
from bot.storage.audit import AuditRepo, user_actor
from bot.storage.cache import VerdictCacheRepo
from bot.storage.moderation import ModeratorRecord, ModeratorRepo
from bot.storage.patterns import PatternRecord, PatternRepo, PatternStatus, PatternVersionRecord

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.moderation.context import ModerationContext

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PatternRow:
    """One line of /patterns: where a pattern comes from and its current state."""

    id: str
    origin: str  # "preset" (shipped, maybe overridden) or "moderator"
    status: str
    version: int | None  # None: the shipped file, never changed in the database
    title: str


@dataclass(frozen=True)
class Change:
    """The result of a status change or rollback."""

    version: int | None = None
    refusals: tuple[Refusal, ...] = ()
    problem: str | None = None  # a message key


class PatternAdmin:
    """Pattern administration, with the same gate and live sync as the review flow."""

    def __init__(self, deps: ModerationContext) -> None:
        self.deps = deps

    async def rows(self, lang: str) -> list[PatternRow]:
        """Every pattern: shipped presets (with their overrides) and moderator-made ones."""
        async with self.deps.db() as session:
            records = {r.id: r for r in await PatternRepo(session).list()}
        out = []
        for p in self.deps.analyzer.engines.pack.patterns:
            rec = records.pop(p.id, None)
            status = rec.status if rec else p.status
            out.append(
                PatternRow(p.id, "preset", status, rec.version if rec else None, _t(p, lang))
            )
        for rec in records.values():
            pattern = live.to_pattern(rec)
            title = _t(pattern, lang) if pattern else "?"
            out.append(PatternRow(rec.id, rec.origin, rec.status, rec.version, title))
        return sorted(out, key=lambda r: (r.origin != "moderator", r.id))

    async def show(
        self, pattern_id: str
    ) -> tuple[Pattern, PatternRecord | None, tuple[PatternVersionRecord, ...]] | None:
        """A pattern's current definition, database row and version history."""
        async with self.deps.db() as session:
            repo = PatternRepo(session)
            record = await repo.get(pattern_id)
            history = await repo.history(pattern_id)
        pattern = live.to_pattern(record) if record else self._preset(pattern_id)
        return None if pattern is None else (pattern, record, history)

    async def set_status(self, pattern_id: str, status: PatternStatus, actor_id: int) -> Change:
        """Disable or re-enable a pattern (presets get a database override)."""
        shown = await self.show(pattern_id)
        if shown is None:
            return Change(problem="mod.patterns.unknown")
        pattern, record, _ = shown
        current = record.status if record else pattern.status
        if current == status:
            return Change(problem=f"mod.patterns.already_{status}")
        if status == "active":
            refusals = await self._gate(pattern.model_copy(update={"status": "active"}))
            if refusals:
                return Change(refusals=tuple(refusals))
        actor = user_actor(actor_id)
        async with self.deps.db() as session, session.begin():
            repo = PatternRepo(session)
            if record is None:  # a shipped preset never changed before: override it
                body = pattern.model_copy(update={"status": status}).model_dump_json()
                version = await repo.upsert_version(
                    pattern_id, body, status, "preset", actor, note=status
                )
            else:
                version = await repo.set_status(pattern_id, status, actor, note=status)
            await _after_change(session, pattern_id, status)
        await self.deps.patterns.sync()
        return Change(version=version)

    async def rollback(self, pattern_id: str, to_version: int, actor_id: int) -> Change:
        """Make an old version current again (as a new version), if it passes the gate."""
        async with self.deps.db() as session:
            history = await PatternRepo(session).history(pattern_id)
        old = next((v for v in history if v.version == to_version), None)
        if old is None:
            return Change(problem="mod.patterns.no_version")
        if old.status == "active":
            body = {**json.loads(old.body_json), "id": pattern_id, "status": "active"}
            refusals = await self._gate(Pattern.model_validate(body))
            if refusals:
                return Change(refusals=tuple(refusals))
        async with self.deps.db() as session, session.begin():
            version = await PatternRepo(session).rollback(
                pattern_id, to_version, user_actor(actor_id)
            )
            await _after_change(session, pattern_id, old.status)
        await self.deps.patterns.sync()
        return Change(version=version)

    async def _gate(self, candidate: Pattern) -> list[Refusal]:
        from bot.moderation.review import vet

        return await vet(self.deps, candidate)

    def _preset(self, pattern_id: str) -> Pattern | None:
        return self.deps.analyzer.engines.pack.pattern(pattern_id)


async def _after_change(session: AsyncSession, pattern_id: str, status: str) -> None:
    """Moderator audio of the pattern follows its status; re-enabling refreshes the cache."""
    from bot.storage.fingerprints import AudioItem

    verdict = "scam" if status == "active" else "no_match"
    await session.execute(
        update(AudioItem)
        .where(AudioItem.pattern_id == pattern_id, AudioItem.origin == "moderator")
        .values(verdict=verdict)
    )
    if status == "active":
        # Unflagged notes were cached without their transcript: let them be analysed afresh.
        await VerdictCacheRepo(session).invalidate_all()


class ModeratorAdmin:
    """Owners add and remove moderators; every change is audited."""

    def __init__(self, deps: ModerationContext) -> None:
        self.deps = deps

    async def add(self, user_id: int, actor_id: int) -> ModeratorRecord:
        """Make someone a moderator."""
        async with self.deps.db() as session, session.begin():
            before = await ModeratorRepo(session).role_of(user_id)
            record = await ModeratorRepo(session).add(user_id, "moderator", actor_id)
            await AuditRepo(session).record(
                user_actor(actor_id),
                "moderator.add",
                f"user:{user_id}",
                before={"role": before},
                after={"role": record.role},
            )
        return record

    async def remove(self, user_id: int, actor_id: int) -> bool:
        """Take someone's moderator role away; False if they had none."""
        async with self.deps.db() as session, session.begin():
            before = await ModeratorRepo(session).role_of(user_id)
            removed = await ModeratorRepo(session).remove(user_id)
            if removed:
                await AuditRepo(session).record(
                    user_actor(actor_id),
                    "moderator.remove",
                    f"user:{user_id}",
                    before={"role": before},
                    after=None,
                )
        return removed

    async def list(self) -> tuple[ModeratorRecord, ...]:
        """Moderators stored in the database (owners from OJO_MODERATORS are not listed)."""
        async with self.deps.db() as session:
            return await ModeratorRepo(session).list()


def _t(pattern: Pattern, lang: str) -> str:
    return pattern.title.get(lang)
