"""Perceptual hashes of images, their crops, and a small in-memory index of known images."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

# 256-bit DCT pHash (imagehash, hash_size=16). The 64-bit default put two different chat
# screenshots of ours 2 bits apart (their layouts are alike); at 256 bits different images of ours
# were >= 20 apart and re-compressed (JPEG 40) or halved copies <= 2.
HASH_SIZE = 16
HASH_BITS = HASH_SIZE * HASH_SIZE
# Re-compressed or resized copies came within 6 bits, crops between grid steps below within 16;
# different images of ours (tests/unit/test_image_hash.py, bench/bench_ocr.py) >= 20.
MATCH_THRESHOLD = 16
# pHash does not survive cropping (a 10 % top crop moved it ~100 bits), so a known image is
# indexed under hashes of itself cropped at these scales: centred, and kept to each edge
# Every 2 % down to 80 %: on our QR flyer a cut 1 % off the grid cost 12-16 bits, 2 % off up to 30.
CROP_SCALES = tuple(round(1 - 0.02 * k, 2) for k in range(1, 11))


def image_hash(image: Image.Image) -> str:
    """The image's 256-bit perceptual hash as 64 hex digits."""
    import imagehash  # with the first picture: imagehash + PIL take ~0.2 s to import

    return str(imagehash.phash(image, hash_size=HASH_SIZE))


def hash_distance(a: str, b: str) -> int:
    """Hamming distance between two hex hashes of the same length."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def crop_boxes(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The whole image, then its crops at CROP_SCALES: centred and flush with each edge."""
    w, h = width, height
    boxes = [(0, 0, w, h)]
    for f in CROP_SCALES:
        dx, dy = round(w * (1 - f) / 2), round(h * (1 - f) / 2)
        cw, ch = round(w * f), round(h * f)
        boxes += [
            (dx, dy, w - dx, h - dy),  # centre
            (0, h - ch, w, h),  # top cut off
            (0, 0, w, ch),  # bottom cut off
            (w - cw, 0, w, h),  # left cut off
            (0, 0, cw, h),  # right cut off
        ]
    return boxes


def crop_hashes(image: Image.Image) -> list[str]:
    """Hashes of the image and of its crops at CROP_SCALES (what the index stores)."""
    return [image_hash(image.crop(box)) for box in crop_boxes(*image.size)]


@dataclass(frozen=True)
class HashMatch:
    """A known image near the query: its key and the Hamming distance."""

    key: str
    distance: int


@dataclass
class ImageHashIndex:
    """Known images by perceptual hash; `nearest` finds a copy within a Hamming threshold.

    For flyers, photos and memes, not chat screenshots: those share one layout and came within
    the threshold of each other in bench/bench_ocr.py (match them by text). In memory, for the
    benchmarks and tests; the bot's known images live in bot.storage.images.ImageStore.
    """

    threshold: int = MATCH_THRESHOLD
    _keys: list[str] = field(default_factory=list)
    _bits: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        """How many hashes (an image adds one per crop) are indexed."""
        return len(self._keys)

    def add(self, key: str, image: Image.Image | str) -> None:
        """Index a known image (all its crop hashes) or one precomputed hex hash under `key`."""
        hashes = [image] if isinstance(image, str) else crop_hashes(image)
        for h in hashes:
            self._keys.append(key)
            self._bits.append(_bits(h))

    def nearest(self, query: str, threshold: int | None = None) -> HashMatch | None:
        """The closest known image within the threshold, or None."""
        if not self._bits:
            return None
        limit = self.threshold if threshold is None else threshold
        distances = np.count_nonzero(np.stack(self._bits) != _bits(query), axis=1)
        best = int(np.argmin(distances))
        if int(distances[best]) > limit:
            return None
        return HashMatch(self._keys[best], int(distances[best]))


def _bits(hex_hash: str) -> np.ndarray:
    return np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8))
