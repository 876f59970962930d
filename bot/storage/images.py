"""Known scam images in the database: items, their crop hashes, and lookup by hash chunks.

The image counterpart of `fingerprints.py`. A 256-bit pHash is cut into CHUNKS = 16 chunks of
16 bits; each stored hash adds one indexed integer row per chunk, `position << 16 | value`.
If a query is within d bits of a stored hash, at most floor(d / 2) chunks differ in two bits
or more, so at least CHUNKS - floor(d / 2) chunks (8 for MATCH_THRESHOLD = 16) are equal or
one bit off. A lookup therefore asks the index for each chunk's value and its 16 one-bit
neighbours (272 integers), keeps the stored hashes that answered at MIN_NEAR_CHUNKS positions
or more (no copy within the threshold can fall short), and measures those in Python. When the
probes would read over ROW_BUDGET rows, the costliest positions (per `image_chunk_counts`) are
left out and the count to reach drops by as many: still exact.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.images.phash import HASH_BITS, MATCH_THRESHOLD, hash_distance
from bot.storage._common import among
from bot.storage.models import ImageChunkCount, ImageHash, ImageHashChunk, ImageItem

logger = logging.getLogger(__name__)

CHUNK_BITS = 16
CHUNKS = HASH_BITS // CHUNK_BITS
# The fewest chunks within one bit that a hash within MATCH_THRESHOLD bits must share (above).
# Probing single chunks alone (any one shared) made 50-87 % of 1,000 stored flyers candidates
# of every query; counting chunks per stored hash left 1-4 (bench/bench_images.py).
MIN_NEAR_CHUNKS = CHUNKS - MATCH_THRESHOLD // 2
# Items per insert statement batch when many are added at once (seeding, the benchmark).
ADD_BATCH = 200
# Index rows a lookup may read. Flyers share structure, so a few chunk positions hold common
# values: at 10k stored flyers a query's probes matched 17-44k rows, 65-80 % of them at its 3
# costliest positions. Past the budget those positions are skipped (at most MAX_SKIPPED): the
# pigeonhole bound still holds on the others, with a lower count to reach (see lookup).
ROW_BUDGET = 6_000
MAX_SKIPPED = 4
COUNT_CHUNK = 5_000  # chunk values per statement when counts are read or written


@dataclass(frozen=True, slots=True)
class ImageItemDTO:
    """A known image as the rest of Ojo sees it (no pixels: only what it is and whose)."""

    id: str
    title: str
    category: str
    verdict: str
    origin: str
    provenance: str
    n_hashes: int
    created_at: datetime
    pattern_id: str | None = None


@dataclass(frozen=True, slots=True)
class ImageHit:
    """A known image near a query hash: the item and the Hamming distance in bits."""

    item: ImageItemDTO
    distance: int


def chunks(hex_hash: str) -> list[int]:
    """The indexed integers of one hash: `position << 16 | 16-bit value`, position 0 first."""
    value = int(hex_hash, 16)
    mask = (1 << CHUNK_BITS) - 1
    return [
        (p << CHUNK_BITS) | ((value >> (CHUNK_BITS * (CHUNKS - 1 - p))) & mask)
        for p in range(CHUNKS)
    ]


def probes(hex_hash: str) -> list[int]:
    """The integers a lookup asks for: each chunk and its one-bit neighbours."""
    out: list[int] = []
    for c in chunks(hex_hash):
        out.append(c)
        out += [c ^ (1 << b) for b in range(CHUNK_BITS)]
    return sorted(out)


class ImageStore:
    """Stores known images' crop hashes and finds the one a picture is a copy of."""

    def __init__(self, session_maker: async_sessionmaker[AsyncSession]) -> None:
        """Use sessions from `session_maker` (one short transaction per call)."""
        self._session_maker = session_maker

    async def add(self, item: ImageItemDTO, hashes: Sequence[str]) -> None:
        """Insert an item with its hashes (the image's and its crops'); the id must be new."""
        await self.add_many([(item, hashes)])

    async def add_many(self, items: Sequence[tuple[ImageItemDTO, Sequence[str]]]) -> None:
        """Insert several items in one transaction (each id must be new)."""
        for _, hashes in items:
            if any(len(h) != HASH_BITS // 4 for h in hashes):
                raise ValueError(f"image hashes must be {HASH_BITS // 4} hex digits")
        async with self._session_maker.begin() as session:
            ids = [item.id for item, _ in items]
            taken = await session.scalars(select(ImageItem.id).where(ImageItem.id.in_(ids)))
            if existing := sorted(taken):
                raise ValueError(f"image item {existing[0]!r} already exists")
            # Two concurrent adds on PostgreSQL may pick the same key: the unique constraint
            # makes the second fail (adds are rare: moderators' decisions).
            top = await session.scalar(select(func.coalesce(func.max(ImageItem.key), 0)))
            key = int(top or 0)
            for start in range(0, len(items), ADD_BATCH):
                rows, hash_rows, chunk_rows = [], [], []
                for item, hashes in items[start : start + ADD_BATCH]:
                    key += 1
                    distinct = list(dict.fromkeys(hashes))
                    rows.append(_to_row(replace(item, n_hashes=len(distinct)), key))
                    for crop, h in enumerate(distinct):
                        hash_rows.append({"item_key": key, "crop": crop, "hash": h})
                        chunk_rows += [
                            {"chunk": c, "item_key": key, "crop": crop} for c in chunks(h)
                        ]
                session.add_all(rows)
                await session.flush()
                if hash_rows:
                    await session.execute(insert(ImageHash), hash_rows)
                    await session.execute(insert(ImageHashChunk), chunk_rows)
                    await _count(session, Counter(r["chunk"] for r in chunk_rows))
        logger.info("added %d image items", len(items))

    async def lookup(self, query: str, threshold: int = MATCH_THRESHOLD) -> ImageHit | None:
        """The stored image nearest to `query` within `threshold` bits, or None."""
        if threshold > MATCH_THRESHOLD:
            raise ValueError(f"the index finds copies within {MATCH_THRESHOLD} bits at most")
        async with self._session_maker() as session:
            dialect = session.get_bind().dialect.name
            asked, need = await _affordable(session, query, threshold, dialect)
            if not asked:
                return None
            near = await session.execute(
                select(ImageHashChunk.item_key, ImageHashChunk.crop)
                .where(among(ImageHashChunk.chunk, asked, dialect))
                .group_by(ImageHashChunk.item_key, ImageHashChunk.crop)
                .having(func.count() >= need)
            )
            wanted = {(int(k), int(c)) for k, c in near.all()}
            if not wanted:
                return None
            rows = await session.execute(
                select(ImageHash.item_key, ImageHash.crop, ImageHash.hash).where(
                    among(ImageHash.item_key, sorted({k for k, _ in wanted}), dialect)
                )
            )
            best: tuple[int, int] | None = None  # (distance, item key)
            for key, crop, h in rows.all():
                if (key, crop) not in wanted:
                    continue
                d = hash_distance(query, h)
                if d <= threshold and (best is None or (d, key) < best):
                    best = (d, int(key))
            if best is None:
                return None
            row = await session.scalar(select(ImageItem).where(ImageItem.key == best[1]))
        return ImageHit(_to_dto(row), best[0]) if row is not None else None

    async def get(self, item_id: str) -> ImageItemDTO | None:
        """Return the item with this id, or None."""
        async with self._session_maker() as session:
            row = await session.get(ImageItem, item_id)
            return _to_dto(row) if row is not None else None

    async def remove(self, item_id: str) -> None:
        """Delete an item with its hashes and chunks (no error if it is absent)."""
        async with self._session_maker.begin() as session:
            key = await session.scalar(select(ImageItem.key).where(ImageItem.id == item_id))
            if key is not None:
                result = await session.execute(
                    select(ImageHashChunk.chunk, func.count())
                    .where(ImageHashChunk.item_key == key)
                    .group_by(ImageHashChunk.chunk)
                )
                await _count(session, Counter({int(c): -int(n) for c, n in result.all()}))
                # Explicitly: SQLite only cascades when the connection enabled foreign keys.
                await session.execute(delete(ImageHashChunk).where(ImageHashChunk.item_key == key))
                await session.execute(delete(ImageHash).where(ImageHash.item_key == key))
            await session.execute(delete(ImageItem).where(ImageItem.id == item_id))
        logger.info("removed image item %s", item_id)

    async def ids(self, pattern_id: str | None = None) -> list[str]:
        """Every stored item id (of one pattern when given), sorted."""
        query = select(ImageItem.id).order_by(ImageItem.id)
        if pattern_id is not None:
            query = query.where(ImageItem.pattern_id == pattern_id)
        async with self._session_maker() as session:
            return list(await session.scalars(query))


async def _affordable(
    session: AsyncSession, query: str, threshold: int, dialect: str
) -> tuple[list[int], int]:
    """The probes worth reading within ROW_BUDGET, and how many of them a copy must answer."""
    asked = probes(query)
    result = await session.execute(
        select(ImageChunkCount.chunk, ImageChunkCount.n_rows).where(
            among(ImageChunkCount.chunk, asked, dialect)
        )
    )
    stored = {int(c): int(n) for c, n in result.all()}  # only stored values can answer
    cost = Counter(dict.fromkeys(range(CHUNKS), 0))
    for c, n in stored.items():
        cost[c >> CHUNK_BITS] += n
    skipped: set[int] = set()
    total = sum(cost.values())
    for position, n in cost.most_common(MAX_SKIPPED):
        if total <= ROW_BUDGET:
            break
        skipped.add(position)
        total -= n
    # A copy within `threshold` bits has at most threshold // 2 chunks two or more bits off,
    # wherever they fall: among the positions kept, the others are near (exact bound).
    need = CHUNKS - len(skipped) - threshold // 2
    kept = sorted(c for c in stored if c >> CHUNK_BITS not in skipped)
    if skipped:
        logger.debug("image lookup skips %d chunk positions (%d rows)", len(skipped), total)
    return kept, need


async def _count(session: AsyncSession, deltas: Counter[int]) -> None:
    """Add `deltas` to the stored-hash counts of chunk values (inserting the missing ones)."""
    dialect = session.get_bind().dialect.name
    keys = sorted(deltas)
    for start in range(0, len(keys), COUNT_CHUNK):
        part = keys[start : start + COUNT_CHUNK]
        result = await session.execute(
            select(ImageChunkCount.chunk, ImageChunkCount.n_rows).where(
                among(ImageChunkCount.chunk, part, dialect)
            )
        )
        have = {int(c): int(n) for c, n in result.all()}
        new = [{"chunk": c, "n_rows": deltas[c]} for c in part if c not in have and deltas[c] > 0]
        changed = [{"chunk": c, "n_rows": n + deltas[c]} for c, n in have.items()]
        gone = [r["chunk"] for r in changed if r["n_rows"] <= 0]
        if new:
            await session.execute(insert(ImageChunkCount), new)
        if gone:
            await session.execute(
                delete(ImageChunkCount).where(among(ImageChunkCount.chunk, gone, dialect))
            )
        kept = [r for r in changed if r["n_rows"] > 0]
        if kept:  # ORM bulk UPDATE by primary key
            await session.execute(update(ImageChunkCount), kept)


def _to_row(item: ImageItemDTO, key: int) -> ImageItem:
    return ImageItem(
        id=item.id,
        key=key,
        title=item.title,
        pattern_id=item.pattern_id,
        category=item.category,
        verdict=item.verdict,
        origin=item.origin,
        provenance=item.provenance,
        n_hashes=item.n_hashes,
        created_at=item.created_at,
    )


def _to_dto(row: ImageItem) -> ImageItemDTO:
    return ImageItemDTO(
        id=row.id,
        title=row.title,
        category=row.category,
        verdict=row.verdict,
        origin=row.origin,
        provenance=row.provenance,
        n_hashes=row.n_hashes,
        created_at=row.created_at,
        pattern_id=row.pattern_id,
    )
