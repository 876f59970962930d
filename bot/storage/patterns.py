"""Database patterns: moderator-made ones and overrides of presets, versioned and audited."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import check_choice, resolve_now, upsert
from bot.storage.audit import AuditRepo, actor_user_id
from bot.storage.models import PATTERN_ORIGINS, PATTERN_STATUSES, Pattern, PatternVersion
from bot.storage.settings_kv import KeyValueRepo

PatternStatus = Literal["active", "disabled"]
PatternOrigin = Literal["preset", "moderator"]
REVISION_KEY = "patterns.revision"


@dataclass(frozen=True, slots=True)
class PatternRecord:
    """The current version of a pattern; `body_json` has the shape of content/patterns/*.yaml."""

    id: str
    version: int
    origin: str
    status: str
    body_json: str
    updated_by: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PatternVersionRecord:
    """One historical version of a pattern."""

    pattern_id: str
    version: int
    body_json: str
    status: str
    actor: str
    at: datetime
    note: str | None


def _pattern(row: Any) -> PatternRecord:
    return PatternRecord(**row._mapping)


def _snapshot(version: int, status: str, body_json: str) -> dict[str, object]:
    return {"version": version, "status": status, "body": json.loads(body_json)}


class PatternRepo:
    """Versioned patterns; every change bumps the shared revision counter."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, pattern_id: str) -> PatternRecord | None:
        """Return the current version of a pattern, or None."""
        stmt = select(Pattern.__table__).where(Pattern.id == pattern_id)
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else _pattern(row)

    async def upsert_version(
        self,
        pattern_id: str,
        body_json: str,
        status: PatternStatus,
        origin: PatternOrigin,
        actor: str,
        note: str | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Save a new version (pattern, history, audit, revision: one transaction); return it."""
        check_choice("status", status, PATTERN_STATUSES)
        check_choice("origin", origin, PATTERN_ORIGINS)
        json.loads(body_json)  # reject malformed JSON before it reaches every process
        return await self._write(pattern_id, body_json, status, origin, actor, note, now)

    async def set_status(
        self,
        pattern_id: str,
        status: PatternStatus,
        actor: str,
        note: str | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Enable or disable a pattern as a new version; return it."""
        current = await self._require(pattern_id)
        check_choice("status", status, PATTERN_STATUSES)
        origin = current.origin
        return await self._write(pattern_id, current.body_json, status, origin, actor, note, now)

    async def rollback(
        self,
        pattern_id: str,
        to_version: int,
        actor: str,
        note: str | None = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Make an old version current again, as a new version (history stays append-only)."""
        current = await self._require(pattern_id)
        stmt = select(PatternVersion.body_json, PatternVersion.status).where(
            PatternVersion.pattern_id == pattern_id, PatternVersion.version == to_version
        )
        old = (await self.session.execute(stmt)).one_or_none()
        if old is None:
            raise LookupError(f"pattern {pattern_id} has no version {to_version}")
        note = note or f"rollback to v{to_version}"
        return await self._write(
            pattern_id,
            old.body_json,
            old.status,
            current.origin,
            actor,
            note,
            now,
            "pattern.rollback",
        )

    async def list(
        self, origin: PatternOrigin | None = None, status: PatternStatus | None = None
    ) -> tuple[PatternRecord, ...]:
        """Return current patterns, optionally only of one origin and/or status."""
        stmt = select(Pattern.__table__).order_by(Pattern.id)
        if origin is not None:
            stmt = stmt.where(Pattern.origin == origin)
        if status is not None:
            stmt = stmt.where(Pattern.status == status)
        return tuple(_pattern(r) for r in (await self.session.execute(stmt)).all())

    async def history(self, pattern_id: str) -> tuple[PatternVersionRecord, ...]:
        """Return every version of a pattern, oldest first."""
        stmt = (
            select(PatternVersion.__table__)
            .where(PatternVersion.pattern_id == pattern_id)
            .order_by(PatternVersion.version)
        )
        rows = (await self.session.execute(stmt)).all()
        return tuple(PatternVersionRecord(**r._mapping) for r in rows)

    async def revision(self) -> int:
        """Return the pattern-set revision; processes reload their index when it changes."""
        value = await KeyValueRepo(self.session).get(REVISION_KEY)
        return 0 if value is None else int(value)

    async def _require(self, pattern_id: str) -> PatternRecord:
        current = await self.get(pattern_id)
        if current is None:
            raise LookupError(f"unknown pattern {pattern_id}")
        return current

    async def _write(
        self,
        pattern_id: str,
        body_json: str,
        status: str,
        origin: str,
        actor: str,
        note: str | None,
        now: datetime | None,
        action: str | None = None,
    ) -> int:
        at = resolve_now(now)
        # Lock the current row (PostgreSQL) so two editors don't both compute the same version;
        # a brand-new pattern racing itself fails on the pattern_versions primary key instead.
        stmt = select(Pattern.__table__).where(Pattern.id == pattern_id).with_for_update()
        before_row = (await self.session.execute(stmt)).one_or_none()
        before = None if before_row is None else _pattern(before_row)
        last = select(func.max(PatternVersion.version)).where(
            PatternVersion.pattern_id == pattern_id
        )
        version = ((await self.session.execute(last)).scalar_one_or_none() or 0) + 1
        version_row = {
            "pattern_id": pattern_id,
            "version": version,
            "body_json": body_json,
            "status": status,
            "actor": actor,
            "at": at,
            "note": note,
        }
        await self.session.execute(insert(PatternVersion).values(version_row))
        current = {
            "id": pattern_id,
            "version": version,
            "origin": origin,
            "status": status,
            "body_json": body_json,
            "updated_by": actor_user_id(actor),
            "updated_at": at,
        }
        changed = [c for c in current if c != "id"]
        await self.session.execute(upsert(self.session, Pattern, current, ["id"], changed))
        if action is None:
            action = "pattern.create" if before is None else "pattern.update"
        await AuditRepo(self.session).record(
            actor,
            action,
            f"pattern:{pattern_id}",
            before=before and _snapshot(before.version, before.status, before.body_json),
            after=_snapshot(version, status, body_json),
            now=at,
        )
        await KeyValueRepo(self.session).increment(REVISION_KEY, now=at)
        return version
