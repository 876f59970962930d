"""The learned scorer: a logistic regression over named features, weights from content.

Inference is a dot product and a sigmoid (no scikit-learn at run time); `make train` fits the
weights (bench/train.py) and writes content/scorer.yaml.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.content.models import ScorerModel


@dataclass(frozen=True, slots=True)
class Score:
    """A calibrated probability that the message is a scam, and what drove it."""

    probability: float
    contributions: tuple[tuple[str, float], ...]  # (feature, weight * value), largest first

    def top(self, n: int = 6) -> tuple[str, ...]:
        """The features that raised the score most."""
        return tuple(name for name, c in self.contributions[:n] if c > 0)


class Scorer:
    """Scores feature vectors with the shipped weights."""

    def __init__(self, model: ScorerModel) -> None:
        self.model = model
        self._weights = {**model.weights, **model.fixed}

    @property
    def thresholds(self) -> tuple[float, float]:
        """(scam, suspicious) probability thresholds."""
        return self.model.thresholds.scam, self.model.thresholds.suspicious

    def score(self, features: dict[str, float]) -> Score:
        """Probability of scam for these feature values."""
        z = self.model.intercept
        parts = []
        for name, value in features.items():
            w = self._weights.get(name)
            if w:
                z += w * value
                parts.append((name, w * value))
        parts.sort(key=lambda p: -p[1])
        return Score(_sigmoid(z), tuple(parts))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
