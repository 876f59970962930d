"""Frozen, explainable values the engine returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["scam", "suspicious", "no_match"]
Via = Literal["text", "transcript", "fingerprint", "link", "phone", "image"]
HitKind = Literal["phrase", "regex", "domain", "phone", "signal", "paraphrase", "lure"]
LEVEL_ORDER: dict[str, int] = {"no_match": 0, "suspicious": 1, "scam": 2}


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence for a pattern: what matched, how strongly, where."""

    kind: HitKind
    key: str  # the phrase / regex / domain / signal id that fired
    weight: float
    evidence: str  # the words of the original message (or a short description)
    span: tuple[int, int] | None = None  # in the original text


@dataclass(frozen=True, slots=True)
class Match:
    """A pattern that matched, with its score and evidence."""

    pattern_id: str
    category: str
    severity: str
    score: float
    level: Level
    via: Via
    hits: tuple[Hit, ...]

    @property
    def evidence(self) -> tuple[str, ...]:
        """The distinct evidence strings, strongest first."""
        seen: dict[str, None] = {}
        for h in sorted(self.hits, key=lambda h: -h.weight):
            seen.setdefault(h.evidence, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class SignalHit:
    """A red flag found in the message."""

    id: str
    evidence: tuple[str, ...]
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """One sentence of explanation, as a message key and its parameters (localised later)."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str:
        """A parameter by name ("" when absent)."""
        return next((v for k, v in self.params if k == name), "")


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What the engine concluded about one text."""

    level: Level
    score: float
    language: str
    matches: tuple[Match, ...]
    signals: tuple[SignalHit, ...]
    reasons: tuple[Reason, ...] = ()
    features: tuple[str, ...] = ()  # the learned scorer's strongest features (for evaluation)

    @property
    def best(self) -> Match | None:
        """The strongest match, if any."""
        return self.matches[0] if self.matches else None


def max_level(a: Level, b: Level) -> Level:
    """The more serious of two levels."""
    return a if LEVEL_ORDER[a] >= LEVEL_ORDER[b] else b
