"""Known hoax / scam audio in the database: items, their landmark hashes, and lookup by voting."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, QueryableAttribute, mapped_column

from bot.analysis import fingerprint
from bot.analysis.fingerprint import FingerprintHit, Landmarks, vote
from bot.storage.base import Base
from bot.storage.columns import UTCDateTime

logger = logging.getLogger(__name__)

# Bound parameters per statement: SQLite's and asyncpg's limits are far higher, but small
# statements keep planning cheap and portable.
LOOKUP_CHUNK = 500
# At most this many candidate item keys are sent along with the hashes in the fetch step.
CANDIDATE_BATCH = 200
# Stored rows a lookup may read. Reading is what a lookup costs, and it grows with the index
# (~62,500 rows for a 30 s query of speech at 100k items; SQLite took ~2.5 ms per 1,000 rows
# here). Past the budget the query's most common hashes are skipped: they discriminate least,
# and a true copy keeps about the same share of aligned landmarks among the rarer ones. On a 10k
# index (~6,000 rows per query) reading a third of the rows still found 45/45 Opus 12 kbit/s,
# 6 s excerpts and noisy copies, a tenth 43/45, a thirtieth 33/45 (bench/bench_fingerprint.py).
# Below the budget (up to ~13k items of speech) every hash is read, as before it existed.
ROW_BUDGET = 8_000


class AudioItem(Base):
    """A known audio clip (a preset from content/audio or a moderator addition)."""

    __tablename__ = "audio_items"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The integer the landmark rows point at: a 22-byte string id in each of 10^8 rows doubled
    # the index. Assigned max + 1 when added; never reused while the item exists.
    key: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pattern_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    category: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(16))  # "scam" | "suspicious"
    origin: Mapped[str] = mapped_column(String(16))  # "preset" | "moderator"
    provenance: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[float] = mapped_column(Float)
    n_hashes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AudioHash(Base):
    """One landmark of a known item; the primary key (hash, item_key, t) is the lookup index."""

    __tablename__ = "audio_hashes"
    # On SQLite the rows live in the primary-key B-tree itself: without this the table and its
    # key index would both hold every row (measured 2x the file size). PostgreSQL ignores it.
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012  (SQLAlchemy reads it as is)

    hash: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_key: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("audio_items.key", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
        index=True,  # deletes cascade by item (retention purge, moderator removal)
    )
    t: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AudioHashCount(Base):
    """How many landmark rows carry each hash: what reading that hash would cost a lookup."""

    __tablename__ = "audio_hash_counts"

    hash: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Kept by FingerprintStore.add / remove. A delete that bypasses the store (the cascade from
    # audio_items) leaves it high: then a hash only looks commoner than it is, never rarer.
    n_rows: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class AudioItemDTO:
    """A known audio item as the rest of Ojo sees it."""

    id: str
    title: str
    category: str
    verdict: str
    origin: str
    provenance: str
    duration_s: float
    n_hashes: int
    created_at: datetime
    pattern_id: str | None = None


class FingerprintStore:
    """Stores known items' landmarks and finds which ones a clip's landmarks align with."""

    def __init__(self, session_maker: async_sessionmaker[AsyncSession]) -> None:
        """Use sessions from `session_maker` (one short transaction per call)."""
        self._session_maker = session_maker

    async def add(self, item: AudioItemDTO, lm: Landmarks) -> None:
        """Insert an item and its distinct (hash, t) landmarks; the id must be new."""
        pairs = np.unique(
            np.stack([lm.hashes.astype(np.int64), lm.times.astype(np.int64)]), axis=1
        )
        if pairs.size and int(pairs[0].max()) >= 2**31:
            raise ValueError("landmark hashes must fit a signed 32-bit integer")
        item = replace(item, n_hashes=int(pairs.shape[1]))
        per_hash = np.unique(pairs[0], return_counts=True)
        async with self._session_maker.begin() as session:
            if await session.get(AudioItem, item.id) is not None:
                raise ValueError(f"audio item {item.id!r} already exists")
            # Two concurrent adds on PostgreSQL may pick the same key: the unique constraint
            # makes the second fail (adds are rare: presets at start-up, moderators).
            key = int(await session.scalar(select(func.coalesce(func.max(AudioItem.key), 0))) or 0)
            session.add(_to_row(item, key + 1))
            await session.flush()
            if pairs.size:
                rows = [
                    {"hash": h, "item_key": key + 1, "t": t}
                    for h, t in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)
                ]
                await session.execute(insert(AudioHash), rows)
                await _count(session, per_hash[0].tolist(), per_hash[1].tolist())
        logger.info("added audio item %s with %d landmarks", item.id, item.n_hashes)

    async def lookup(self, lm: Landmarks) -> list[FingerprintHit]:
        """Return the stored items the landmarks match, best first."""
        return (await self.lookup_many([lm]))[0]

    async def lookup_many(self, queries: list[Landmarks]) -> list[list[FingerprintHit]]:
        """Look several clips up in one session (one connection checkout for the batch)."""
        out: list[list[FingerprintHit]] = []
        async with self._session_maker() as session:
            for lm in queries:
                out.append(await _lookup(session, lm))
        return out

    async def get(self, item_id: str) -> AudioItemDTO | None:
        """Return the item with this id, or None."""
        async with self._session_maker() as session:
            row = await session.get(AudioItem, item_id)
            return _to_dto(row) if row is not None else None

    async def remove(self, item_id: str) -> None:
        """Delete an item and all its landmarks (no error if it is absent)."""
        async with self._session_maker.begin() as session:
            key = await session.scalar(select(AudioItem.key).where(AudioItem.id == item_id))
            if key is not None:
                table = AudioHash.__table__
                result = await session.execute(
                    select(table.c.hash, func.count())
                    .where(table.c.item_key == key)
                    .group_by(table.c.hash)
                )
                counted = result.all()
                await _count(session, [h for h, _ in counted], [-n for _, n in counted])
                # Delete the hashes explicitly too: SQLite only honours ON DELETE CASCADE when
                # the connection enabled foreign keys, and this must not depend on engine set-up.
                await session.execute(delete(AudioHash).where(AudioHash.item_key == key))
            await session.execute(delete(AudioItem).where(AudioItem.id == item_id))
        logger.info("removed audio item %s", item_id)

    async def ids(self) -> list[str]:
        """Return every stored item id, sorted."""
        async with self._session_maker() as session:
            result = await session.scalars(select(AudioItem.id).order_by(AudioItem.id))
            return list(result)


async def _count(session: AsyncSession, hashes: list[int], deltas: list[int]) -> None:
    """Add `deltas` to the row counts of `hashes` (inserting the missing ones)."""
    for start in range(0, len(hashes), LOOKUP_CHUNK):
        chunk = hashes[start : start + LOOKUP_CHUNK]
        result = await session.execute(
            select(AudioHashCount.hash, AudioHashCount.n_rows).where(
                AudioHashCount.hash.in_(chunk)
            )
        )
        have: dict[int, int] = dict(result.all())
        new = []
        for h, d in zip(chunk, deltas[start : start + LOOKUP_CHUNK], strict=True):
            if h in have:
                have[h] += d
            elif d > 0:
                new.append({"hash": h, "n_rows": d})
        if new:
            await session.execute(insert(AudioHashCount), new)
        gone = [h for h, n in have.items() if n <= 0]
        if gone:
            await session.execute(delete(AudioHashCount).where(AudioHashCount.hash.in_(gone)))
        changed = [{"hash": h, "n_rows": n} for h, n in have.items() if n > 0]
        if changed:  # ORM bulk UPDATE by primary key
            await session.execute(update(AudioHashCount), changed)


async def _lookup(session: AsyncSession, lm: Landmarks) -> list[FingerprintHit]:
    """One lookup in four statements: hash costs, candidate items, their rows, their ids."""
    wanted = np.unique(lm.hashes).tolist()
    if not wanted:
        return []
    dialect = session.get_bind().dialect.name
    kept, skipped = await _affordable(session, wanted, dialect)
    if not kept:
        return []
    if skipped:
        # The vote (and its ratio) counts only the landmarks this lookup could read.
        mask = ~np.isin(lm.hashes, np.asarray(skipped, dtype=lm.hashes.dtype))
        lm = Landmarks(lm.hashes[mask], lm.times[mask], lm.frame_seconds)
    candidates = await _candidates(session, kept, dialect)
    if not candidates:
        return []
    postings = await _postings(session, kept, candidates, dialect)
    if not postings:
        return []
    keys = sorted({k for _, k, _ in postings})
    result = await session.execute(
        select(AudioItem.key, AudioItem.id).where(_among(AudioItem.key, keys, dialect))
    )
    names: dict[int, str] = {int(k): str(i) for k, i in result.all()}
    named = [(h, names[k], t) for h, k, t in postings if k in names]
    # Voting is numpy work on up to ~10^5 rows: keep it off the event loop.
    return await asyncio.to_thread(vote, lm, named)


def _among(
    column: QueryableAttribute[int], values: list[int], dialect: str
) -> ColumnElement[bool]:
    """`column IN values` as ONE bound parameter, whatever the number of values."""
    # One array parameter instead of one parameter per value: no limit on how many, one
    # statement per step of a lookup, and the same cached statement and plan every time.
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(Integer)))
    each = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(each.c.value))


async def _affordable(
    session: AsyncSession, wanted: list[int], dialect: str
) -> tuple[list[int], list[int]]:
    """The query's stored hashes that fit ROW_BUDGET rows, rarest first, and those skipped."""
    result = await session.execute(
        select(AudioHashCount.hash, AudioHashCount.n_rows).where(
            _among(AudioHashCount.hash, wanted, dialect)
        )
    )
    counts = [(int(h), int(n)) for h, n in result.all()]
    if sum(n for _, n in counts) <= ROW_BUDGET:
        return sorted(h for h, _ in counts), []
    counts.sort(key=lambda hn: (hn[1], hn[0]))
    spent, cut = 0, len(counts)
    for i, (_, n) in enumerate(counts):
        if spent + n > ROW_BUDGET:
            cut = i
            break
        spent += n
    logger.debug("lookup reads %d of %d stored hashes (%d rows)", cut, len(counts), spent)
    return sorted(h for h, _ in counts[:cut]), [h for h, _ in counts[cut:]]


async def _candidates(session: AsyncSession, hashes: list[int], dialect: str) -> set[int]:
    """Items with at least MIN_ALIGNED rows for the query's hashes: the only possible hits."""
    # An item can align at most as many landmarks as it has rows for the query's hashes (see
    # fingerprint.vote). Counting in SQL keeps the rows a lookup touches out of Python: only the
    # few candidates' rows are fetched.
    result = await session.execute(
        select(AudioHash.item_key)
        .where(_among(AudioHash.hash, hashes, dialect))
        .group_by(AudioHash.item_key)
        .having(func.count() >= fingerprint.MIN_ALIGNED)
    )
    return {int(k) for k in result.scalars()}


async def _postings(
    session: AsyncSession, hashes: list[int], candidates: set[int], dialect: str
) -> list[tuple[int, int, int]]:
    """(hash, item_key, t) rows of the candidates for the query's hashes."""
    columns = select(AudioHash.hash, AudioHash.item_key, AudioHash.t).where(
        _among(AudioHash.hash, hashes, dialect)
    )
    if len(candidates) > CANDIDATE_BATCH:
        # Many candidates (a query of very common sounds): filtering in Python is cheaper than
        # a second long list in SQL.
        result = await session.execute(columns)
        return [(h, k, t) for h, k, t in result.all() if k in candidates]
    result = await session.execute(
        columns.where(_among(AudioHash.item_key, sorted(candidates), dialect))
    )
    return [(int(h), int(k), int(t)) for h, k, t in result.all()]


def _to_row(item: AudioItemDTO, key: int) -> AudioItem:
    return AudioItem(
        id=item.id,
        key=key,
        title=item.title,
        pattern_id=item.pattern_id,
        category=item.category,
        verdict=item.verdict,
        origin=item.origin,
        provenance=item.provenance,
        duration_s=item.duration_s,
        n_hashes=item.n_hashes,
        created_at=item.created_at,
    )


def _to_dto(row: AudioItem) -> AudioItemDTO:
    return AudioItemDTO(
        id=row.id,
        title=row.title,
        category=row.category,
        verdict=row.verdict,
        origin=row.origin,
        provenance=row.provenance,
        duration_s=row.duration_s,
        n_hashes=row.n_hashes,
        created_at=row.created_at,
        pattern_id=row.pattern_id,
    )
