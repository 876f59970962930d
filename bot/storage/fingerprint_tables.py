"""The known-audio tables (items, landmark rows, per-hash row counts) and their DTO."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base
from bot.storage.columns import UTCDateTime


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


def to_row(item: AudioItemDTO, key: int) -> AudioItem:
    """The table row of a DTO, under integer key `key`."""
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


def to_dto(row: AudioItem) -> AudioItemDTO:
    """The DTO of a table row."""
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
