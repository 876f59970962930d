"""Known hoax / scam audio in the database: items, their landmark hashes, and lookup by voting."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from bot.analysis.fingerprint import FingerprintHit, Landmarks, vote_arrays
from bot.storage._common import among
from bot.storage.fingerprint_tables import (
    AudioHash,
    AudioHashCount,
    AudioItem,
    AudioItemDTO,
    to_dto,
    to_row,
)

__all__ = [
    "ROW_BUDGET",
    "AudioHash",
    "AudioHashCount",
    "AudioItem",
    "AudioItemDTO",
    "FingerprintStore",
]

logger = logging.getLogger(__name__)

# Bound parameters per statement when adding and removing (lookups send one array parameter).
LOOKUP_CHUNK = 500
# Stored rows a lookup may read. Reading is what a lookup costs, and it grows with the index
# (~62,500 rows for a 30 s query of speech at 100k items). Past the budget the query's most
# common hashes are skipped: they discriminate least, and a true copy keeps about the same share
# of aligned landmarks among the rarer ones. On a 10k index (~6,000 rows per query) reading a
# third of the rows still found 45/45 Opus 12 kbit/s, 6 s excerpts and noisy copies, a tenth
# 43/45, a thirtieth 33/45 (bench/bench_fingerprint.py). Below the budget (up to ~13k items of
# speech) every hash is read. The budget also bounds what one lookup fetches: all its rows come
# back in one statement and are voted on in Python (no candidate pre-filter in SQL, which read
# the same rows twice).
ROW_BUDGET = 8_000
# Queries of one lookup_many sharing the two statements (their hashes sent together).
BATCH_QUERIES = 16


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
            session.add(to_row(item, key + 1))
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
        """Look several clips up together: per BATCH_QUERIES clips, two statements for all."""
        out: list[list[FingerprintHit]] = []
        async with self._session_maker() as session:
            for start in range(0, len(queries), BATCH_QUERIES):
                out += await _lookup_batch(session, queries[start : start + BATCH_QUERIES])
        return out

    async def get(self, item_id: str) -> AudioItemDTO | None:
        """Return the item with this id, or None."""
        async with self._session_maker() as session:
            row = await session.get(AudioItem, item_id)
            return to_dto(row) if row is not None else None

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


async def _lookup_batch(
    session: AsyncSession, queries: list[Landmarks]
) -> list[list[FingerprintHit]]:
    """Lookups in three statements for the whole batch: hash costs, rows, names of the hits."""
    dialect = session.get_bind().dialect.name
    wanted = [np.unique(lm.hashes) for lm in queries]
    every = np.unique(np.concatenate([np.empty(0, np.int64), *wanted]))
    if every.size == 0:
        return [[] for _ in queries]
    # Core statements on the session's connection, each returning its columns as one array
    # apiece: building Row objects cost more than the database's own work (profiled on a
    # 100k-item PostgreSQL index: 8,000 rows took 13 ms as Rows, the scan 12 ms).
    conn = await session.connection()
    counts, table = AudioHashCount.__table__.c, AudioHash.__table__.c
    stored, n_rows = await _columns(
        conn, [counts.hash, counts.n_rows], among(counts.hash, every.tolist(), dialect)
    )
    cost = dict(zip(stored.tolist(), n_rows.tolist(), strict=True))
    plans = [_affordable([(h, cost[h]) for h in w.tolist() if h in cost]) for w in wanted]
    reading = sorted({h for kept, _ in plans for h in kept})
    if not reading:
        return [[] for _ in queries]
    rows = np.stack(
        await _columns(
            conn, [table.hash, table.item_key, table.t], among(table.hash, reading, dialect)
        ),
        axis=1,
    )
    # Voting is numpy work on up to BATCH_QUERIES x ROW_BUDGET rows: off the event loop.
    voted = await asyncio.to_thread(_vote_batch, queries, plans, rows)
    keys = sorted({key for hits in voted for key, _ in hits})
    if not keys:
        return [[] for _ in queries]
    items = AudioItem.__table__.c
    result = await conn.execute(select(items.key, items.id).where(among(items.key, keys, dialect)))
    names: dict[int, str] = {int(k): str(i) for k, i in result.all()}
    out = []
    for hits in voted:  # an item removed meanwhile has no name: it is no longer a hit
        named = [replace(hit, item_id=names[key]) for key, hit in hits if key in names]
        out.append(sorted(named, key=lambda h: (-h.aligned, h.item_id)))
    return out


def _vote_batch(
    queries: list[Landmarks], plans: list[tuple[list[int], list[int]]], rows: np.ndarray
) -> list[list[tuple[int, FingerprintHit]]]:
    """Each query's vote over its own rows: (item key, hit) pairs."""
    out: list[list[tuple[int, FingerprintHit]]] = []
    for lm, (kept, skipped) in zip(queries, plans, strict=True):
        if not kept:
            out.append([])
            continue
        if skipped:
            # The vote (and its ratio) counts only the landmarks this lookup could read.
            mask = ~np.isin(lm.hashes, np.asarray(skipped, dtype=lm.hashes.dtype))
            lm = Landmarks(lm.hashes[mask], lm.times[mask], lm.frame_seconds)
        mine = rows[np.isin(rows[:, 0], np.asarray(kept, dtype=np.int64))]
        keys, items = np.unique(mine[:, 1], return_inverse=True)
        hits = vote_arrays(lm, mine[:, 0], items.reshape(-1), mine[:, 2],
                           [str(k) for k in keys.tolist()])  # fmt: skip
        out.append([(int(hit.item_id), hit) for hit in hits])
    return out


async def _columns(
    conn: AsyncConnection, columns: list[ColumnElement[Any]], where: ColumnElement[bool]
) -> list[np.ndarray]:
    """The values of `columns` in the rows matching `where`, as one int64 array per column."""
    if conn.dialect.name == "postgresql":
        aggregated = [func.array_agg(column, type_=ARRAY(Integer)) for column in columns]
        row = (await conn.execute(select(*aggregated).where(where))).one()
        return [np.asarray(values or [], dtype=np.int64) for values in row]
    # SQLite: one JSON array per column (the aggregates see the rows in the same order).
    as_json = [func.json_group_array(column, type_=String) for column in columns]
    row = (await conn.execute(select(*as_json).where(where))).one()
    return [np.asarray(json.loads(values), dtype=np.int64) for values in row]


def _affordable(counts: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Of (hash, stored rows), the hashes that fit ROW_BUDGET rows, rarest first; and the rest."""
    if sum(n for _, n in counts) <= ROW_BUDGET:
        return sorted(h for h, _ in counts), []
    counts = sorted(counts, key=lambda hn: (hn[1], hn[0]))
    spent, cut = 0, len(counts)
    for i, (_, n) in enumerate(counts):
        if spent + n > ROW_BUDGET:
            cut = i
            break
        spent += n
    logger.debug("lookup reads %d of %d stored hashes (%d rows)", cut, len(counts), spent)
    return sorted(h for h, _ in counts[:cut]), [h for h, _ in counts[cut:]]
