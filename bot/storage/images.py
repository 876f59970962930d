"""Known scam images in the database: items, their crop hashes, and lookup by hash chunks.

The image counterpart of `fingerprints.py`. A 256-bit pHash is cut into CHUNKS chunks of 16
bits; each stored hash adds one indexed integer row per chunk, `position << 16 | value`. Two
hashes within Hamming distance d differ, by pigeonhole, in at most floor(d / CHUNKS) bits of
some chunk: for MATCH_THRESHOLD = 16 that is one chunk equal or one bit off. So a lookup asks
the index for each chunk's value and its 16 one-bit neighbours (16 x 17 = 272 integers; every
copy within 31 bits is a candidate), then measures the candidates' full hashes in Python.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import QueryableAttribute

from bot.analysis.images.phash import HASH_BITS, MATCH_THRESHOLD, hash_distance
from bot.storage.models import ImageHash, ImageHashChunk, ImageItem

logger = logging.getLogger(__name__)

CHUNK_BITS = 16
CHUNKS = HASH_BITS // CHUNK_BITS
# One-bit neighbours of each chunk are probed: any hash within CHUNKS * 2 - 1 = 31 bits of a
# stored one shares a probed chunk, well past MATCH_THRESHOLD (16): recall is exact there.
PROBE_FLIPS = 1


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
        if PROBE_FLIPS:
            out += [c ^ (1 << b) for b in range(CHUNK_BITS)]
    return sorted(set(out))


class ImageStore:
    """Stores known images' crop hashes and finds the one a picture is a copy of."""

    def __init__(self, session_maker: async_sessionmaker[AsyncSession]) -> None:
        """Use sessions from `session_maker` (one short transaction per call)."""
        self._session_maker = session_maker

    async def add(self, item: ImageItemDTO, hashes: Sequence[str]) -> None:
        """Insert an item with its hashes (the image's and its crops'); the id must be new."""
        if any(len(h) != HASH_BITS // 4 for h in hashes):
            raise ValueError(f"image hashes must be {HASH_BITS // 4} hex digits")
        distinct = list(dict.fromkeys(hashes))
        item = replace(item, n_hashes=len(distinct))
        async with self._session_maker.begin() as session:
            if await session.get(ImageItem, item.id) is not None:
                raise ValueError(f"image item {item.id!r} already exists")
            key = await session.scalar(select(func.coalesce(func.max(ImageItem.key), 0)))
            key = int(key or 0) + 1
            session.add(_to_row(item, key))
            await session.flush()
            if distinct:
                await session.execute(
                    insert(ImageHash),
                    [{"item_key": key, "crop": i, "hash": h} for i, h in enumerate(distinct)],
                )
                keyed = sorted({c for h in distinct for c in chunks(h)})
                await session.execute(
                    insert(ImageHashChunk), [{"chunk": c, "item_key": key} for c in keyed]
                )
        logger.info("added image item %s with %d hashes", item.id, item.n_hashes)

    async def lookup(self, query: str, threshold: int = MATCH_THRESHOLD) -> ImageHit | None:
        """The stored image nearest to `query` within `threshold` bits, or None."""
        async with self._session_maker() as session:
            dialect = session.get_bind().dialect.name
            keys = await session.scalars(
                select(ImageHashChunk.item_key)
                .where(_among(ImageHashChunk.chunk, probes(query), dialect))
                .distinct()
            )
            candidates = sorted(int(k) for k in keys)
            if not candidates:
                return None
            rows = await session.execute(
                select(ImageHash.item_key, ImageHash.hash).where(
                    _among(ImageHash.item_key, candidates, dialect)
                )
            )
            best: tuple[int, int] | None = None  # (distance, item key)
            for key, h in rows.all():
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


def _among(
    column: QueryableAttribute[int], values: list[int], dialect: str
) -> ColumnElement[bool]:
    """`column IN values` as ONE bound parameter (as the audio index does)."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(Integer)))
    each = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(each.c.value))


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
