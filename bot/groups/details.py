"""The full verdict behind a group warning, kept by content handle (no user data) for Details."""

from __future__ import annotations

import json
from typing import Any

from bot.content.loader import ContentPack
from bot.matching.types import LEVEL_ORDER, EngineResult, Level, SignalHit, Via
from bot.privacy import HANDLE_CHARS as HANDLE_CHARS  # the length of a Details handle
from bot.verdict import Verdict, VerdictMatch, compose


def dump(verdict: Verdict) -> str:
    """The verdict JSON of DESIGN.md, with each match's level so it can be re-localised."""
    data = verdict.to_dict()
    for out, match in zip(data["matches"], verdict.matches, strict=True):
        out["level"] = match.level
    return json.dumps(data, ensure_ascii=False)


def _level(value: Any) -> Level:
    return value if value in LEVEL_ORDER else "no_match"


def load(raw: str, pack: ContentPack, *, lang: str, country: str | None) -> Verdict:
    """The stored verdict again, in the reader's language and with their country's channels."""
    data = json.loads(raw)
    matches = []
    for m in data.get("matches", []):
        pattern = pack.pattern(m["pattern_id"])
        via: Via = m.get("via", "text")
        matches.append(
            VerdictMatch(
                pattern_id=m["pattern_id"],
                title=pattern.title.get(lang) if pattern else m.get("title", ""),
                category=m.get("category", ""),
                score=float(m.get("score", 0.0)),
                level=_level(m.get("level", data.get("verdict"))),
                evidence=tuple(m.get("evidence", ())),
                via=via,
                summary=pattern.summary.get(lang) if pattern else "",
                offset_seconds=m.get("offset_seconds"),
                image_distance=m.get("image_distance"),
            )
        )
    signals = tuple(SignalHit(s["id"], tuple(s.get("evidence", ()))) for s in data["signals"])
    level = _level(data.get("verdict"))
    language = str(data.get("language") or lang)
    # The matches go in as `extra`: compose then picks tips and channels for the reader.
    result = EngineResult(level, float(data.get("score", 0.0)), language, (), signals)
    return compose(
        pack,
        result,
        kind=str(data.get("kind", "text")),
        lang=lang,
        country=country,
        transcript=data.get("transcript"),
        extra=matches,
        notes=tuple(data.get("notes", ())),
    )
