"""Helpers the repositories share: dialect-aware upserts, row counts, input checks."""

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    Integer,
    String,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from bot.storage.base import Base
from bot.storage.columns import utcnow

Insert = postgresql.Insert | sqlite.Insert


def resolve_now(now: datetime | None) -> datetime:
    """Return `now`, or the current UTC time when it is None."""
    return utcnow() if now is None else now


def insert_for(session: AsyncSession, model: type[Base]) -> Insert:
    """Return an INSERT that supports ON CONFLICT on the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def upsert(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Iterable[str] | Mapping[str, Any] = (),
) -> Insert:
    """INSERT `values`; on a `keys` conflict set `update` (names copied from the new row)."""
    stmt = insert_for(session, model).values(dict(values))
    changes = (
        dict(update) if isinstance(update, Mapping) else {c: stmt.excluded[c] for c in update}
    )
    if not changes:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=changes)


async def rowcount(session: AsyncSession, stmt: Executable) -> int:
    """Execute a DML statement and return how many rows it touched."""
    result = await session.execute(stmt)
    if not isinstance(result, CursorResult):
        raise TypeError("rowcount() needs an INSERT, UPDATE or DELETE statement")
    return result.rowcount


def check_choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """Return `value` if it is one of `allowed`, else raise ValueError."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def normalise_language(language: str | None) -> str | None:
    """Lower-case a language tag ("es", "pt-br"); None stays None."""
    if language is None:
        return None
    tag = language.strip().lower()
    if not tag or len(tag) > 8:
        raise ValueError(f"not a language tag: {language!r}")
    return tag


def normalise_country(country: str | None) -> str | None:
    """Upper-case an ISO 3166-1 alpha-2 code ("MX"); None stays None."""
    if country is None:
        return None
    code = country.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError(f"not a two-letter country code: {country!r}")
    return code


def among(
    column: QueryableAttribute[int] | ColumnElement[Any], values: list[int], dialect: str
) -> ColumnElement[bool]:
    """`column IN values` as ONE bound parameter, whatever the number of values."""
    # One array parameter instead of one parameter per value: no limit on how many, one
    # statement per step of a lookup, and the same cached statement and plan every time.
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(Integer)))
    each = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(each.c.value))
