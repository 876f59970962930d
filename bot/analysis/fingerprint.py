"""Offset voting of landmark fingerprints on known audio (Wang 2003, Ellis' audfprint)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bot.analysis.landmarks import (
    _DT_BITS,
    _F2_BITS,
    DF_MAX,
    DT_MAX,
    DT_MIN,
    FAN_OUT,
    FRAME_SECONDS,
    HOP,
    N_BINS,
    N_FFT,
    PEAKS_PER_FRAME,
    RATE,
    VERSION,
    Landmarks,
    landmarks,
)

__all__ = [
    "DF_MAX",
    "DT_MAX",
    "DT_MIN",
    "FAN_OUT",
    "FRAME_SECONDS",
    "HOP",
    "MIN_ALIGNED",
    "MIN_RATIO",
    "N_BINS",
    "N_FFT",
    "OFFSET_SLACK",
    "PEAKS_PER_FRAME",
    "RATE",
    "VERSION",
    "_DT_BITS",
    "_F2_BITS",
    "FingerprintHit",
    "Landmarks",
    "MemoryFingerprintIndex",
    "landmarks",
    "vote",
    "vote_arrays",
]

# A hit needs MIN_ALIGNED landmarks at one offset AND that share of the query's landmarks.
# Measured (bench/bench_fingerprint.py, 240 espeak-ng/tone clips, 30 of them altered 8 ways):
# the weakest true matches were 6 s excerpts, min 26 aligned (p5 37), then 12 kbit/s Opus (min
# 45); over 62,185 wrong-item best offsets the most was 9 (p99.9 5). The hard fixture case, two
# different notes opening with the same second of identical synthetic speech ("Buenas tardes"
# in one espeak voice), aligns 18. 22 sits between 18 and 26. The ratio is only a floor for very
# long queries: true copies buried in 2-3 min of other audio kept >= 0.036, wrong items reached
# 0.026 only with <= 9 aligned; 0.01 still admits a 35 s hoax inside ~10 min of other audio.
MIN_ALIGNED = 22
MIN_RATIO = 0.01
# Offsets within this many frames of the best count as aligned: codecs move peaks by a frame.
OFFSET_SLACK = 1


@dataclass(frozen=True, slots=True)
class FingerprintHit:
    """A known item the query aligns with, and where in that item the query starts."""

    item_id: str
    aligned: int
    total_query: int
    offset_seconds: float
    confidence: float


def vote(query: Landmarks, postings: Iterable[tuple[int, str, int]]) -> list[FingerprintHit]:
    """Count time-aligned hash hits per known item; return matches, best first."""
    rows = list(postings)
    if not rows or len(query) == 0:
        return []
    hash_col, item_col, time_col = zip(*rows, strict=True)
    names, items = np.unique(np.asarray(item_col, dtype=object), return_inverse=True)
    hashes = np.asarray(hash_col, dtype=np.int64)
    times = np.asarray(time_col, dtype=np.int64)
    ids = [str(name) for name in names]
    return vote_arrays(query, hashes, items.astype(np.int64).reshape(-1), times, ids)


class MemoryFingerprintIndex:
    """An in-memory index of known items' landmarks (sorted arrays + binary search)."""

    def __init__(self) -> None:
        """Start empty."""
        self._ids: list[str] = []
        self._pending: list[tuple[int, Landmarks]] = []
        self._hashes = np.empty(0, dtype=np.int64)
        self._items = np.empty(0, dtype=np.int64)
        self._times = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        """Number of items added."""
        return len(self._ids)

    def add(self, item_id: str, lm: Landmarks) -> None:
        """Add a known item's landmarks (ids must be unique)."""
        if item_id in self._ids:
            raise ValueError(f"duplicate audio item id {item_id!r}")
        self._ids.append(item_id)
        self._pending.append((len(self._ids) - 1, lm))

    def query(self, lm: Landmarks) -> list[FingerprintHit]:
        """Return the known items the clip matches, best first."""
        self._merge()
        if len(lm) == 0 or self._hashes.size == 0:
            return []
        wanted = np.unique(lm.hashes.astype(np.int64))
        lo = np.searchsorted(self._hashes, wanted, side="left")
        hi = np.searchsorted(self._hashes, wanted, side="right")
        picks = _ranges(lo, hi)
        return vote_arrays(
            lm, self._hashes[picks], self._items[picks], self._times[picks], self._ids
        )

    def _merge(self) -> None:
        # Rebuild the sorted arrays lazily: adds come in bulk at start-up, queries after.
        if not self._pending:
            return
        parts_h = [self._hashes] + [p.hashes.astype(np.int64) for _, p in self._pending]
        parts_i = [self._items] + [np.full(len(p), i, dtype=np.int64) for i, p in self._pending]
        parts_t = [self._times] + [p.times.astype(np.int64) for _, p in self._pending]
        self._pending.clear()
        hashes, items, times = (np.concatenate(x) for x in (parts_h, parts_i, parts_t))
        order = np.lexsort((times, items, hashes))
        self._hashes, self._items, self._times = hashes[order], items[order], times[order]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenate the index ranges [lo[i], hi[i]) without a Python loop."""
    lengths = hi - lo
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return starts + np.arange(total)


def vote_arrays(
    query: Landmarks,
    p_hash: np.ndarray,
    p_item: np.ndarray,
    p_time: np.ndarray,
    ids: list[str],
) -> list[FingerprintHit]:
    """Offset voting over postings (hash, index into `ids`, time): matches, best first."""
    # For each item: the most common (t_item - t_query) and its support.
    # Each distinct (hash, time) landmark of the query votes once per matching posting.
    pairs = np.unique(
        np.stack([query.hashes.astype(np.int64), query.times.astype(np.int64)]), axis=1
    )
    q_hash, q_time = pairs[0], pairs[1]
    total = int(q_hash.size)
    if total == 0 or p_hash.size == 0:
        return []
    lo = np.searchsorted(q_hash, p_hash, side="left")
    hi = np.searchsorted(q_hash, p_hash, side="right")
    post = np.repeat(np.arange(p_hash.size), hi - lo)
    if post.size == 0:
        return []
    q_idx = _ranges(lo, hi)
    offsets = p_time[post] - q_time[q_idx]
    items = p_item[post]
    # One histogram over (item, offset), offsets shifted to be non-negative.
    base = int(offsets.min()) - OFFSET_SLACK
    span = int(offsets.max()) - base + 1 + OFFSET_SLACK
    keys = items * span + (offsets - base)
    uniq, votes = np.unique(keys, return_counts=True)
    # Fold the neighbouring offsets in: a codec or a sub-frame shift moves peaks by a frame.
    window = votes.copy()
    for d in range(1, OFFSET_SLACK + 1):
        for step in (-d, d):
            pos = np.minimum(np.searchsorted(uniq, uniq + step), uniq.size - 1)
            window += np.where(uniq[pos] == uniq + step, votes[pos], 0)
    uniq_item = uniq // span
    # Best offset per item: sort by (item, -window) and take each item's first row.
    order = np.lexsort((-window, uniq_item))
    first = order[np.flatnonzero(np.diff(uniq_item[order], prepend=-1))]
    cand_item = uniq_item[first]
    cand_off = uniq[first] - cand_item * span + base
    keep = window[first] >= MIN_ALIGNED
    cand_item, cand_off = cand_item[keep], cand_off[keep]
    if cand_item.size == 0:
        return []
    # Aligned = landmarks that agree with the best offset (within the slack), each query landmark
    # counted once even if it agrees with two neighbouring offsets ...
    best_off = np.full(len(ids), np.iinfo(np.int64).min // 2, dtype=np.int64)
    best_off[cand_item] = cand_off
    near = np.abs(offsets - best_off[items]) <= OFFSET_SLACK
    by_query = np.unique(items[near] * total + q_idx[near]) // total
    by_posting = p_item[np.unique(post[near])]
    # ... and at most once per stored landmark, so an item can never align more landmarks than
    # it has rows for the query's hashes (FingerprintStore's pre-filter relies on this).
    aligned_by_item = np.minimum(
        np.bincount(by_query, minlength=len(ids)), np.bincount(by_posting, minlength=len(ids))
    )
    hits: list[FingerprintHit] = []
    for item, offset in zip(cand_item.tolist(), cand_off.tolist(), strict=True):
        aligned = int(aligned_by_item[item])
        ratio = aligned / total
        if aligned < MIN_ALIGNED or ratio < MIN_RATIO:
            continue
        hits.append(
            FingerprintHit(
                item_id=ids[item],
                aligned=aligned,
                total_query=total,
                offset_seconds=round(offset * query.frame_seconds, 3),
                confidence=_confidence(aligned, ratio),
            )
        )
    hits.sort(key=lambda h: (-h.aligned, h.item_id))
    return hits


def _confidence(aligned: int, ratio: float) -> float:
    """0.5 at the match threshold; each further multiple of it halves the remaining doubt."""
    times_threshold = min(aligned / max(1, MIN_ALIGNED), ratio / max(1e-9, MIN_RATIO))
    return round(1.0 - float(0.5**times_threshold), 3)
