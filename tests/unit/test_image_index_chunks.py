"""The image index's pigeonhole: a copy within the threshold always shares enough probed chunks."""

from __future__ import annotations

import random

from bot.analysis.images.phash import HASH_BITS, MATCH_THRESHOLD
from bot.storage.images import CHUNK_BITS, CHUNKS, MIN_NEAR_CHUNKS, chunks, probes


def flip(hex_hash: str, bits: list[int]) -> str:
    value = int(hex_hash, 16)
    for b in bits:
        value ^= 1 << b
    return f"{value:0{HASH_BITS // 4}x}"


def near_chunks(query: str, stored: str) -> int:
    """How many of a stored hash's index rows a lookup of `query` reads (what HAVING counts)."""
    asked = set(probes(query))
    return sum(c in asked for c in chunks(stored))


def test_the_worst_copy_within_the_threshold_still_reaches_the_minimum() -> None:
    rng = random.Random(7)
    stored = f"{rng.getrandbits(HASH_BITS):064x}"
    # Two flipped bits in each of MATCH_THRESHOLD / 2 chunks: as few near chunks as possible.
    bits = [p * CHUNK_BITS + o for p in range(MATCH_THRESHOLD // 2) for o in (0, 5)]
    assert len(bits) == MATCH_THRESHOLD
    assert near_chunks(flip(stored, bits), stored) == MIN_NEAR_CHUNKS == 8


def test_random_copies_within_the_threshold_are_always_candidates() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        stored = f"{rng.getrandbits(HASH_BITS):064x}"
        bits = rng.sample(range(HASH_BITS), rng.randint(0, MATCH_THRESHOLD))
        assert near_chunks(flip(stored, bits), stored) >= MIN_NEAR_CHUNKS


def test_unrelated_random_hashes_are_not_candidates() -> None:
    rng = random.Random(13)
    pairs = [(f"{rng.getrandbits(256):064x}", f"{rng.getrandbits(256):064x}") for _ in range(500)]
    assert max(near_chunks(q, s) for q, s in pairs) < MIN_NEAR_CHUNKS
    assert CHUNKS * CHUNK_BITS == HASH_BITS
