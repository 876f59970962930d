"""The Verdict: what Ojo concluded about one submission, ready to render or print as JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.content.loader import ContentPack
from bot.content.models import Pattern
from bot.matching.types import LEVEL_ORDER, EngineResult, Level, Reason, SignalHit, Via

MAX_TIPS = 6


@dataclass(frozen=True, slots=True)
class VerdictMatch:
    """A matched pattern (or known audio item), localised."""

    pattern_id: str
    title: str
    category: str
    score: float
    level: Level
    evidence: tuple[str, ...]
    via: Via
    summary: str = ""
    offset_seconds: float | None = None  # for fingerprint matches: where in the known audio
    image_distance: int | None = None  # for known-image matches: pHash bits from the stored one

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN's JSON shape of one match."""
        out: dict[str, Any] = {
            "pattern_id": self.pattern_id,
            "title": self.title,
            "category": self.category,
            "score": self.score,
            "evidence": list(self.evidence),
            "via": self.via,
        }
        if self.offset_seconds is not None:
            out["offset_seconds"] = round(self.offset_seconds, 1)
        if self.image_distance is not None:
            out["image_distance"] = self.image_distance
        return out


@dataclass(frozen=True, slots=True)
class TipOut:
    """A localised tip."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class ReportOut:
    """A localised reporting channel."""

    id: str
    name: str
    kind: str
    url: str | None
    phone: str | None
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN's JSON shape of one channel."""
        out: dict[str, Any] = {"name": self.name}
        if self.url:
            out["url"] = self.url
        if self.phone:
            out["phone"] = self.phone
        out["kind"] = self.kind
        out["verified"] = self.verified
        return out


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything the renderers need about one analysed submission."""

    level: Level
    score: float
    kind: str
    language: str
    matches: tuple[VerdictMatch, ...]
    signals: tuple[SignalHit, ...]
    tips: tuple[TipOut, ...]
    report: tuple[ReportOut, ...]
    transcript: str | None = None
    elapsed_ms: float = 0.0
    notes: tuple[str, ...] = field(default=())  # e.g. "truncated:600", "cached"
    reasons: tuple[Reason, ...] = field(default=())  # why, in sentences (localised by render)

    def to_dict(self) -> dict[str, Any]:
        """The verdict JSON documented in DESIGN.md."""
        out: dict[str, Any] = {
            "verdict": self.level,
            "score": round(self.score, 4),
            "kind": self.kind,
            "language": self.language,
            "transcript": self.transcript,
            "matches": [m.to_dict() for m in self.matches],
            "signals": [{"id": s.id, "evidence": list(s.evidence)} for s in self.signals],
            "tips": [{"id": t.id, "text": t.text} for t in self.tips],
            "report": [r.to_dict() for r in self.report],
            "elapsed_ms": round(self.elapsed_ms, 2),
        }
        if self.reasons:
            out["reasons"] = [{"id": r.key, **dict(r.params)} for r in self.reasons]
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def compose(
    pack: ContentPack,
    result: EngineResult,
    *,
    kind: str,
    lang: str | None = None,
    country: str | None = None,
    transcript: str | None = None,
    extra: Sequence[VerdictMatch] = (),
    elapsed_ms: float = 0.0,
    notes: Sequence[str] = (),
    patterns: Mapping[str, Pattern] | None = None,
) -> Verdict:
    """Turn an engine result (plus e.g. fingerprint matches) into a localised Verdict.

    `patterns` are the live ones (moderator patterns included); default: the shipped pack's.
    """
    out_lang = lang or result.language
    lookup: Mapping[str, Pattern] = patterns or {p.id: p for p in pack.patterns}
    matches: list[VerdictMatch] = list(extra)
    for m in result.matches:
        p = lookup.get(m.pattern_id)
        title = p.title.get(out_lang) if p else m.pattern_id
        summary = p.summary.get(out_lang) if p else ""
        matches.append(
            VerdictMatch(
                m.pattern_id, title, m.category, m.score, m.level, m.evidence, m.via, summary
            )
        )
    matches.sort(key=lambda m: (-LEVEL_ORDER[m.level], -m.score))
    level: Level = result.level
    score = result.score
    if matches and LEVEL_ORDER[matches[0].level] >= LEVEL_ORDER[level]:
        level, score = matches[0].level, max(score, matches[0].score)
    return Verdict(
        level=level,
        score=score,
        kind=kind,
        language=result.language,
        matches=tuple(matches),
        signals=result.signals,
        tips=_tips(pack, lookup, matches, result.signals, out_lang),
        report=_channels(pack, matches, country, out_lang) if level != "no_match" else (),
        transcript=transcript,
        elapsed_ms=elapsed_ms,
        notes=tuple(notes),
        reasons=result.reasons if level != "no_match" else (),
    )


def _tips(
    pack: ContentPack,
    lookup: Mapping[str, Pattern],
    matches: Sequence[VerdictMatch],
    signals: Sequence[SignalHit],
    lang: str,
) -> tuple[TipOut, ...]:
    """Tips of the matched patterns first (most useful first), then tips for the signals."""
    ids: list[str] = []
    for m in matches:
        p = lookup.get(m.pattern_id)
        ids.extend(p.tips if p else [])
    for s in signals:
        ids.extend(pack.engine.signal_tips.get(s.id, []))
    seen: dict[str, None] = dict.fromkeys(i for i in ids if i in pack.tips)
    return tuple(TipOut(i, pack.tips[i].text.get(lang)) for i in list(seen)[:MAX_TIPS])


def _channels(
    pack: ContentPack, matches: Sequence[VerdictMatch], country: str | None, lang: str
) -> tuple[ReportOut, ...]:
    """Reporting channels for the country (plus the global ones), fitting the categories."""
    categories = {m.category for m in matches}
    chosen = []
    for ch in pack.channels:
        if ch.country not in ("*", (country or "").upper()):
            continue
        if ch.categories and not categories.intersection(ch.categories):
            continue
        chosen.append(ch)
    # Country channels before Telegram's own; verified before unverified.
    chosen.sort(key=lambda c: (c.country == "*", not c.verified))
    return tuple(
        ReportOut(c.id, c.name.get(lang), c.kind, c.url, c.phone, c.verified) for c in chosen
    )
