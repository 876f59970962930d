"""The audit log: who changed what, with before/after snapshots."""

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage._common import resolve_now
from bot.storage.models import AuditLogEntry as Entry

SYSTEM_ACTOR = "system"


def user_actor(user_id: int) -> str:
    """Return the actor string for a Telegram user ("user:<id>")."""
    return f"user:{user_id}"


def actor_user_id(actor: str) -> int | None:
    """Return the Telegram user id in a "user:<id>" actor, else None."""
    prefix, _, rest = actor.partition(":")
    if prefix != "user" or not rest.lstrip("-").isdigit():
        return None
    return int(rest)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record; `before_json`/`after_json` are JSON text or None."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before_json: str | None
    after_json: str | None


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def to_json(value: object) -> str | None:
    """Serialise a snapshot (dicts, lists, DTOs, datetimes) for the log; None stays None."""
    if value is None:
        return None
    return json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True)


class AuditRepo:
    """Append-only audit log."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        actor: str,
        action: str,
        target: str,
        before: object = None,
        after: object = None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Append an entry; `before`/`after` are JSON-able values or DTOs. Return its id."""
        stmt = (
            insert(Entry)
            .values(
                at=resolve_now(now),
                actor=actor,
                action=action,
                target=target,
                before_json=to_json(before),
                after_json=to_json(after),
            )
            .returning(Entry.id)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def list(self, target: str | None = None, limit: int = 50) -> tuple[AuditEntry, ...]:
        """Return the newest entries first, optionally only those about `target`."""
        stmt = select(Entry.__table__).order_by(Entry.id.desc()).limit(limit)
        if target is not None:
            stmt = stmt.where(Entry.target == target)
        rows = (await self.session.execute(stmt)).all()
        return tuple(
            AuditEntry(r.id, r.at, r.actor, r.action, r.target, r.before_json, r.after_json)
            for r in rows
        )
