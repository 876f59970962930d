"""Known hoax / scam audio in the database: items, their landmark hashes, and lookup by voting."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.analysis import fingerprint
from bot.analysis.fingerprint import FingerprintHit, Landmarks, vote
from bot.storage.base import Base
from bot.storage.columns import UTCDateTime

logger = logging.getLogger(__name__)

# Bound parameters per statement: SQLite's and asyncpg's limits are far higher, but small
# statements keep planning cheap and portable.
LOOKUP_CHUNK = 500
# Candidate ids sent along with a chunk of hashes in the second step of a lookup.
CANDIDATE_BATCH = 100


class AudioItem(Base):
    """A known audio clip (a preset from content/audio or a moderator addition)."""

    __tablename__ = "audio_items"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
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
    """One landmark of a known item; the primary key (hash, item_id, t) is the lookup index."""

    __tablename__ = "audio_hashes"
    # On SQLite the rows live in the primary-key B-tree itself: without this the table and its
    # key index would both hold every row (measured 2x the file size). PostgreSQL ignores it.
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012  (SQLAlchemy reads it as is)

    hash: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[str] = mapped_column(
        String(80),
        ForeignKey("audio_items.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,  # deletes cascade by item (retention purge, moderator removal)
    )
    t: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


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
        rows = [
            {"hash": h, "item_id": item.id, "t": t}
            for h, t in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)
        ]
        item = replace(item, n_hashes=len(rows))
        async with self._session_maker.begin() as session:
            if await session.get(AudioItem, item.id) is not None:
                raise ValueError(f"audio item {item.id!r} already exists")
            session.add(_to_row(item))
            await session.flush()
            if rows:
                await session.execute(insert(AudioHash), rows)
        logger.info("added audio item %s with %d landmarks", item.id, len(rows))

    async def lookup(self, lm: Landmarks) -> list[FingerprintHit]:
        """Return the stored items the landmarks match, best first."""
        wanted = np.unique(lm.hashes).tolist()
        if not wanted:
            return []
        chunks = [wanted[i : i + LOOKUP_CHUNK] for i in range(0, len(wanted), LOOKUP_CHUNK)]
        async with self._session_maker() as session:
            candidates = await _candidates(session, chunks)
            if candidates is not None and not candidates:
                return []
            postings = await _postings(session, chunks, candidates)
        if not postings:
            return []
        # Voting is numpy work on up to ~10^5 rows: keep it off the event loop.
        return await asyncio.to_thread(vote, lm, postings)

    async def get(self, item_id: str) -> AudioItemDTO | None:
        """Return the item with this id, or None."""
        async with self._session_maker() as session:
            row = await session.get(AudioItem, item_id)
            return _to_dto(row) if row is not None else None

    async def remove(self, item_id: str) -> None:
        """Delete an item and all its landmarks (no error if it is absent)."""
        async with self._session_maker.begin() as session:
            # Delete the hashes explicitly too: SQLite only honours ON DELETE CASCADE when the
            # connection enabled foreign keys, and this must not depend on engine set-up.
            await session.execute(delete(AudioHash).where(AudioHash.item_id == item_id))
            await session.execute(delete(AudioItem).where(AudioItem.id == item_id))
        logger.info("removed audio item %s", item_id)

    async def ids(self) -> list[str]:
        """Return every stored item id, sorted."""
        async with self._session_maker() as session:
            result = await session.scalars(select(AudioItem.id).order_by(AudioItem.id))
            return list(result)


async def _candidates(session: AsyncSession, chunks: list[list[int]]) -> set[str] | None:
    """Items that could reach the vote threshold, or None when the query is too long to tell."""
    # An item can align at most as many landmarks as it has rows for the query's hashes, so it
    # needs MIN_ALIGNED rows in all, hence at least MIN_ALIGNED / len(chunks) in some chunk
    # (pigeonhole). Counting in SQL keeps the 10^4-10^5 rows a lookup touches at 100k items out
    # of Python: only the few candidates' rows are fetched.
    per_chunk = -(-fingerprint.MIN_ALIGNED // len(chunks))
    if per_chunk <= 1:
        return None
    table = AudioHash.__table__
    found: set[str] = set()
    for chunk in chunks:
        result = await session.execute(
            select(table.c.item_id)
            .where(table.c.hash.in_(chunk))
            .group_by(table.c.item_id)
            .having(func.count() >= per_chunk)
        )
        found.update(result.scalars())
    return found


async def _postings(
    session: AsyncSession, chunks: list[list[int]], candidates: set[str] | None
) -> list[tuple[int, str, int]]:
    """(hash, item_id, t) rows for the query's hashes, only of `candidates` when given."""
    table = AudioHash.__table__
    columns = select(table.c.hash, table.c.item_id, table.c.t)
    rows: list[tuple[int, str, int]] = []
    if candidates is None or len(candidates) > 2 * CANDIDATE_BATCH:
        for chunk in chunks:
            result = await session.execute(columns.where(table.c.hash.in_(chunk)))
            rows.extend(r for r in result.all() if candidates is None or r[1] in candidates)
        return rows
    ids = sorted(candidates)
    step = LOOKUP_CHUNK - CANDIDATE_BATCH
    hashes = [h for chunk in chunks for h in chunk]
    for start in range(0, len(hashes), step):
        for first in range(0, len(ids), CANDIDATE_BATCH):
            result = await session.execute(
                columns.where(
                    table.c.hash.in_(hashes[start : start + step]),
                    table.c.item_id.in_(ids[first : first + CANDIDATE_BATCH]),
                )
            )
            rows.extend(result.all())
    return rows


def _to_row(item: AudioItemDTO) -> AudioItem:
    return AudioItem(
        id=item.id,
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
