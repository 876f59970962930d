"""A known scam image as a verdict match: what a perceptual-hash hit adds to a verdict."""

from __future__ import annotations

from bot.analysis.images.phash import HASH_BITS
from bot.matching.types import Level
from bot.verdict import VerdictMatch


def known_image_match(
    *,
    pattern_id: str,
    title: str,
    summary: str,
    category: str,
    verdict: str,
    distance: int,
) -> VerdictMatch:
    """The pattern a picture is a copy of (`via: image`), scored by how close its hash came."""
    level: Level = "scam" if verdict == "scam" else "suspicious"
    return VerdictMatch(
        pattern_id=pattern_id,
        title=title,
        category=category,
        score=round(1 - distance / HASH_BITS, 3),
        level=level,
        # "≈" marks evidence that is not quoted words (the renderer quotes only words).
        evidence=(f"≈ {title} ({distance}/{HASH_BITS} bits)",),
        via="image",
        summary=summary,
        image_distance=distance,
    )
