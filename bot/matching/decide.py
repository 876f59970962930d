"""The learned scorer decides the level; the patterns and the lure name the scam and say why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.content.models import EngineConfig, Pattern
from bot.matching.explain import choose_family, family_hits, reasons
from bot.matching.features import PatternFacts, extract
from bot.matching.lure import LureReport
from bot.matching.scorer import Scorer
from bot.matching.types import EngineResult, Level, Match, SignalHit, Via

PATTERN_FEATURES = frozenset({"rule_max", "rule_strong", "rule_hits", "para"})


class Decision:
    """One message's verdict from its facts, with the scam it is named after."""

    def __init__(self, scorer: Scorer, families: Sequence[Pattern], pattern_floor: float) -> None:
        self.scorer = scorer
        self.families = families
        self.pattern_floor = pattern_floor  # a specific pattern is named from this rule score

    def decide(
        self,
        signals: Mapping[str, SignalHit],
        lure: LureReport,
        facts: PatternFacts,
        specific: Sequence[tuple[Match, float]],
        via: Via,
        words: int,
        language: str,
        ordered: tuple[SignalHit, ...],
    ) -> EngineResult:
        """Score the facts; name the best pattern or generic family when the message is flagged."""
        score = self.scorer.score(extract(signals, lure, facts, via=via, words=words))
        t_scam, t_susp = self.scorer.thresholds
        p = score.probability
        level: Level = "scam" if p >= t_scam else "suspicious" if p >= t_susp else "no_match"
        top = score.top()
        if level == "no_match":
            return EngineResult(level, round(p, 4), language, (), ordered, (), top)
        named = [m for m, rule in specific if rule >= self.pattern_floor]
        family = choose_family(self.families, lure)
        if family is not None:
            fam = Match(
                family.id,
                family.category,
                family.severity,
                0.0,
                "suspicious",
                "link" if any(not lk.official for lk in lure.links) else via,
                family_hits(family, lure),
            )
            # The family comes first when the lure, not a script, drove the score.
            share = {True: 0.0, False: 0.0}
            for name, c in score.contributions:
                if c > 0:
                    share[name in PATTERN_FEATURES] += c
            if named and share[True] >= share[False]:
                named.append(fam)
            else:
                named.insert(0, fam)
        if named:
            first = named[0]
            named[0] = Match(
                first.pattern_id,
                first.category,
                first.severity,
                round(p, 4),
                level,
                first.via,
                first.hits,
            )
        return EngineResult(
            level, round(p, 4), language, tuple(named), ordered, reasons(lure, score), top
        )


def noisy_or(
    matches: list[Match],
    risk: float,
    config: EngineConfig,
    language: str,
    ordered: tuple[SignalHit, ...],
) -> EngineResult:
    """Hand-set weights (a content pack without a trained scorer): noisy-OR thresholds."""
    matches.sort(key=lambda m: (-m.score, m.pattern_id))
    level: Level = matches[0].level if matches else "no_match"
    score = matches[0].score if matches else 0.0
    if level == "no_match" and risk >= config.signals_suspicious:
        level = "suspicious"
    score = max(score, risk * config.thresholds.scam)  # signals alone never reach scam
    return EngineResult(level, round(score, 4), language, tuple(matches), ordered)
