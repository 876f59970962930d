"""Synthetic fingerprint indexes for the lookup benchmark, streamed in hash order (to 10^6 items).

Rows are drawn as before (each landmark's hash i.i.d. from the f1, f2 - f1, dt marginals of real
clips, its item with probability proportional to the item's 20-40 s length, its frame uniform in
the item), but generated hash range by hash range: the number of rows of every hash is drawn
first (one multinomial over the 2**23 hashes), so each chunk is already in primary-key order and
1.1 billion rows (10^6 items) never have to be in memory or sorted at once.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.analysis import fingerprint as fp

REAL_BASE = 10_000_000  # item keys of the real clips, after any synthetic ones
N_HASHES = 1 << (2 * fp._F2_BITS + fp._DT_BITS)
CHUNK_ROWS = 4_000_000
ITEM_ROW = ("Synthetic", "hoax-chain-voice-note", "hoax", "scam", "preset", "bench")
CREATED = datetime(2026, 11, 26, tzinfo=UTC)


def hash_pmf(source: list[np.ndarray] | None) -> np.ndarray:
    """Probability of every hash: uniform over the layout, or from measured marginals."""
    if source is None:
        p1 = np.full(fp.N_BINS, 1.0 / fp.N_BINS)
        pd = np.full(2 * fp.DF_MAX + 1, 1.0 / (2 * fp.DF_MAX + 1))
        pt = np.zeros(fp.DT_MAX + 1)
        pt[1:] = 1.0 / fp.DT_MAX
    else:
        f1, df, dt = source
        p1 = np.bincount(f1, minlength=fp.N_BINS)[: fp.N_BINS] / f1.size
        pd = np.bincount(df + fp.DF_MAX, minlength=2 * fp.DF_MAX + 1) / df.size
        pt = np.bincount(dt, minlength=fp.DT_MAX + 1)[: fp.DT_MAX + 1] / dt.size
    pmf = np.zeros(N_HASHES)
    f1s = np.arange(fp.N_BINS)
    for d in range(-fp.DF_MAX, fp.DF_MAX + 1):  # f2 = clip(f1 + df) as the old generator did
        f2 = np.clip(f1s + d, 0, fp.N_BINS - 1)
        base = (f1s << (fp._F2_BITS + fp._DT_BITS)) | (f2 << fp._DT_BITS)
        np.add.at(pmf, base[:, None] + np.arange(fp.DT_MAX + 1)[None, :],
                  (p1 * pd[d + fp.DF_MAX])[:, None] * pt[None, :])  # fmt: skip
    return pmf / pmf.sum()


@dataclass
class Corpus:
    """A synthetic index: how to stream its rows, plus the real clips stored among them."""

    n_items: int
    density: float
    seed: int
    source: list[np.ndarray] | None
    real: list[fp.Landmarks]
    seconds: np.ndarray = field(init=False)
    per_item: np.ndarray = field(init=False)  # distinct rows per synthetic key, filled by rows()
    n_rows: int = 0

    def __post_init__(self) -> None:
        """Draw the items' lengths."""
        self.seconds = np.random.default_rng(self.seed).uniform(20, 40, self.n_items)
        self.per_item = np.zeros(self.n_items + 1, dtype=np.int64)

    def rows(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(hash, key, t) int32 chunks of the synthetic rows in (hash, key, t) order, distinct."""
        rng = np.random.default_rng(self.seed + 1)
        total = int((self.seconds * self.density).astype(np.int64).sum())
        per_hash = rng.multinomial(total, hash_pmf(self.source))
        cum_seconds = np.cumsum(self.seconds)
        frames_of = self.seconds / fp.FRAME_SECONDS
        ends = np.searchsorted(np.cumsum(per_hash), np.arange(CHUNK_ROWS, total, CHUNK_ROWS))
        bounds = [0, *sorted({int(e) + 1 for e in ends}), N_HASHES]
        for lo, hi in itertools.pairwise(bounds):
            if lo >= hi:
                continue
            counts = per_hash[lo:hi]
            hashes = np.repeat(np.arange(lo, hi, dtype=np.int32), counts)
            item = np.searchsorted(cum_seconds, rng.random(hashes.size) * cum_seconds[-1])
            item = np.minimum(item, self.n_items - 1)
            frames = (rng.random(hashes.size) * frames_of[item]).astype(np.int32)
            keys = (item + 1).astype(np.int32)
            order = np.lexsort((frames, keys, hashes))
            hashes, keys, frames = hashes[order], keys[order], frames[order]
            same = np.zeros(hashes.size, dtype=bool)
            same[1:] = (
                (hashes[1:] == hashes[:-1]) & (keys[1:] == keys[:-1]) & (frames[1:] == frames[:-1])
            )
            hashes, keys, frames = hashes[~same], keys[~same], frames[~same]
            self.per_item += np.bincount(keys, minlength=self.n_items + 1)
            self.n_rows += hashes.size
            yield hashes, keys, frames

    def real_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hash, key, t) rows of the real clips (distinct landmarks, keys from REAL_BASE)."""
        parts_h, parts_k, parts_t = [], [], []
        for j, lm in enumerate(self.real):
            pairs = np.unique(np.stack([lm.hashes.astype(np.int64), lm.times.astype(np.int64)]),
                              axis=1)  # fmt: skip
            parts_h.append(pairs[0].astype(np.int32))
            parts_t.append(pairs[1].astype(np.int32))
            parts_k.append(np.full(pairs.shape[1], REAL_BASE + j, dtype=np.int32))
        h, k, t = (np.concatenate(x) for x in (parts_h, parts_k, parts_t))
        return h, k, t

    def items(self) -> list[tuple[int, str, float, int]]:
        """(key, id, seconds, rows) of every item; call after rows() has been consumed."""
        secs, rows = self.seconds.tolist(), self.per_item.tolist()
        out = [
            (i + 1, f"synthetic-hoax-{i:07d}", secs[i], rows[i + 1]) for i in range(self.n_items)
        ]
        for j, lm in enumerate(self.real):
            n = len(set(zip(lm.hashes.tolist(), lm.times.tolist(), strict=True)))
            out.append((REAL_BASE + j, f"real-{j:04d}", len(lm) / self.density, n))
        return out


def _progress(corpus: Corpus, started: float, expected: int, last: list[float]) -> None:
    now = time.perf_counter()
    if now - last[0] >= 60:
        last[0] = now
        rate = corpus.n_rows / (now - started)
        print(f"      ... {corpus.n_rows:,} of ~{expected:,} rows, {rate:,.0f} rows/s", flush=True)


def build_sqlite(path: Path, corpus: Corpus, *, item_index: bool = True) -> None:
    """Bulk-load the fingerprint tables of a SQLite file (the models' own DDL)."""
    from sqlalchemy import create_engine

    from bot.storage.base import Base
    from bot.storage.fingerprints import AudioHash, AudioHashCount, AudioItem

    engine = create_engine(f"sqlite:///{path}")
    tables = [AudioItem.__table__, AudioHash.__table__, AudioHashCount.__table__]
    Base.metadata.create_all(engine, tables=tables)
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")  # 1 GB: the item_key index sort stays in memory
    con.execute("DROP INDEX ix_audio_hashes_item_key")  # built after the load: faster
    started, last = time.perf_counter(), [time.perf_counter()]
    expected = int(corpus.seconds.sum() * corpus.density)
    for hashes, keys, frames in corpus.rows():
        rows = zip(hashes.tolist(), keys.tolist(), frames.tolist(), strict=True)
        con.executemany("INSERT INTO audio_hashes VALUES (?,?,?)", rows)
        h, n = np.unique(hashes, return_counts=True)
        con.executemany("INSERT INTO audio_hash_counts VALUES (?,?)",
                        zip(h.tolist(), n.tolist(), strict=True))  # fmt: skip
        _progress(corpus, started, expected, last)
    rh, rk, rt = corpus.real_rows()
    con.executemany("INSERT OR IGNORE INTO audio_hashes VALUES (?,?,?)",
                    zip(rh.tolist(), rk.tolist(), rt.tolist(), strict=True))  # fmt: skip
    h, n = np.unique(rh, return_counts=True)
    con.executemany(
        "INSERT INTO audio_hash_counts VALUES (?,?) ON CONFLICT (hash) DO UPDATE"
        " SET n_rows = n_rows + excluded.n_rows",
        zip(h.tolist(), n.tolist(), strict=True),
    )
    _insert_items(con, corpus)
    con.commit()
    if item_index:
        add_sqlite_item_index(path)
    con.close()


def add_sqlite_item_index(path: Path) -> None:
    """The item_key index (deletes by item); the bench may build it after timing lookups."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size=-1000000")
    con.execute("CREATE INDEX IF NOT EXISTS ix_audio_hashes_item_key ON audio_hashes (item_key)")
    con.commit()
    con.close()


def _insert_items(con: sqlite3.Connection, corpus: Corpus) -> None:
    con.executemany(
        "INSERT INTO audio_items (id, key, title, pattern_id, category, verdict, origin,"
        " provenance, duration_s, n_hashes, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(name, key, *ITEM_ROW, secs, n, "2026-11-26 00:00:00.000000")
         for key, name, secs, n in corpus.items()],
    )  # fmt: skip


# PostgreSQL's binary COPY format: a header, per row a field count and (length, value) per
# field, a trailer. numpy writes the rows in one go: ~10x faster than asyncpg's record encoder.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("h", ">i4"), ("l2", ">i4"), ("k", ">i4"),
                      ("l3", ">i4"), ("t", ">i4")])  # fmt: skip


def _copy_bytes(hashes: np.ndarray, keys: np.ndarray, frames: np.ndarray) -> bytes:
    rows = np.empty(hashes.size, dtype=_COPY_ROW)
    rows["n"], rows["l1"], rows["l2"], rows["l3"] = 3, 4, 4, 4
    rows["h"], rows["k"], rows["t"] = hashes, keys, frames
    return _COPY_HEADER + rows.tobytes() + b"\xff\xff"


async def build_postgres(url: str, corpus: Corpus) -> None:
    """Bulk-load the fingerprint tables of a PostgreSQL database with binary COPY."""
    import io

    import asyncpg
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.storage.base import Base
    from bot.storage.fingerprints import AudioHash, AudioHashCount, AudioItem

    tables = [AudioItem.__table__, AudioHash.__table__, AudioHashCount.__table__]
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: Base.metadata.drop_all(c, tables=tables))
        await conn.run_sync(lambda c: Base.metadata.create_all(c, tables=tables))
    await engine.dispose()
    con = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        # Keys and indexes are built after the load (one sort instead of 10^8 inserts).
        await con.execute("ALTER TABLE audio_hashes DROP CONSTRAINT pk_audio_hashes")
        await con.execute(
            "ALTER TABLE audio_hashes DROP CONSTRAINT fk_audio_hashes_item_key_audio_items"
        )
        await con.execute("DROP INDEX ix_audio_hashes_item_key")
        await con.execute("ALTER TABLE audio_hash_counts DROP CONSTRAINT pk_audio_hash_counts")
        started, last = time.perf_counter(), [time.perf_counter()]
        expected = int(corpus.seconds.sum() * corpus.density)
        counts: list[tuple[np.ndarray, np.ndarray]] = []
        for hashes, keys, frames in corpus.rows():
            data = io.BytesIO(_copy_bytes(hashes, keys, frames))
            await con.copy_to_table("audio_hashes", source=data, format="binary",
                                    columns=["hash", "item_key", "t"])  # fmt: skip
            counts.append(np.unique(hashes, return_counts=True))
            _progress(corpus, started, expected, last)
        rh, rk, rt = corpus.real_rows()
        await con.copy_to_table("audio_hashes", source=io.BytesIO(_copy_bytes(rh, rk, rt)),
                                format="binary", columns=["hash", "item_key", "t"])  # fmt: skip
        counts.append(np.unique(rh, return_counts=True))
        h = np.concatenate([c[0] for c in counts])
        n = np.concatenate([c[1] for c in counts])
        h, inverse = np.unique(h, return_inverse=True)
        n = np.bincount(inverse, weights=n).astype(np.int64)
        await con.copy_records_to_table(
            "audio_hash_counts",
            columns=["hash", "n_rows"],
            records=zip(h.tolist(), n.tolist(), strict=True),
        )
        await con.copy_records_to_table(
            "audio_items",
            columns=["id", "key", "title", "pattern_id", "category", "verdict", "origin",
                     "provenance", "duration_s", "n_hashes", "created_at"],
            records=[(name, key, *ITEM_ROW, secs, n, CREATED)
                     for key, name, secs, n in corpus.items()],
        )  # fmt: skip
        await con.execute("SET maintenance_work_mem = '1GB'")
        # Real clips may repeat a synthetic (hash, key, t)? No: their keys are their own.
        await con.execute("ALTER TABLE audio_hash_counts ADD CONSTRAINT pk_audio_hash_counts"
                          " PRIMARY KEY (hash)")  # fmt: skip
        await con.execute("ALTER TABLE audio_hashes ADD CONSTRAINT pk_audio_hashes"
                          " PRIMARY KEY (hash, item_key, t)")  # fmt: skip
        await con.execute("CREATE INDEX ix_audio_hashes_item_key ON audio_hashes (item_key)")
        await con.execute(
            "ALTER TABLE audio_hashes ADD CONSTRAINT fk_audio_hashes_item_key_audio_items"
            " FOREIGN KEY (item_key) REFERENCES audio_items (key) ON DELETE CASCADE NOT VALID"
        )
        for table in ("audio_hashes", "audio_hash_counts", "audio_items"):
            await con.execute(f"VACUUM ANALYZE {table}")
    finally:
        await con.close()


async def postgres_size(url: str) -> tuple[int, int]:
    """(items, bytes) of the fingerprint tables, or (0, 0) when they are absent."""
    import asyncpg

    con = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        if await con.fetchval("SELECT to_regclass('audio_hashes')") is None:
            return 0, 0
        items = await con.fetchval("SELECT count(*) FROM audio_items")
        size = await con.fetchval(
            "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['audio_items',"
            " 'audio_hashes', 'audio_hash_counts']::regclass[]) AS c"
        )
        return int(items), int(size)
    finally:
        await con.close()
