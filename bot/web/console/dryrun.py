"""A dry run of a pattern: what it would flag or miss, and whether the safety gate lets it in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.content.models import Example, Pattern
from bot.deps import Deps
from bot.matching.engine import Engine
from bot.matching.types import LEVEL_ORDER
from bot.moderation.review import legit_corpus, vet
from bot.moderation.safety import LegitText, Refusal, check_rules, solo_engine

MAX_FLAGGED = 25  # legitimate messages listed; the count is always complete


@dataclass(frozen=True, slots=True)
class Flagged:
    """A legitimate message the pattern would flag."""

    where: str
    text: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ExampleRun:
    """One of the pattern's own examples, and what the pattern does with it."""

    lang: str
    must_flag: bool
    text: str
    flagged: bool
    level: str
    score: float

    @property
    def right(self) -> bool:
        """Whether it behaves as the example declares."""
        return self.flagged == self.must_flag


@dataclass(frozen=True)
class DryRun:
    """The whole picture before saving: the gate's answer, corpus hits, own examples."""

    refusals: tuple[Refusal, ...]
    flagged: tuple[Flagged, ...]
    flagged_count: int
    examples: tuple[ExampleRun, ...]

    @property
    def passes(self) -> bool:
        """Whether the Telegram flow's safety gate would let it go live."""
        return not self.refusals


def _examples(pattern: Pattern) -> Iterable[tuple[str, bool, str, str]]:
    for lang in ("es", "en"):
        for item in getattr(pattern.examples.match, lang):
            text, expect = (item, "scam") if isinstance(item, str) else (item.text, item.expect)
            yield lang, True, text, expect
        for item in getattr(pattern.examples.no_match, lang):
            yield lang, False, item.text if isinstance(item, Example) else item, "no_match"


def explore(
    build: Callable[[Pattern], Engine], candidate: Pattern, corpus: Iterable[LegitText]
) -> tuple[list[Flagged], int, list[ExampleRun]]:
    """Run a pattern alone over the corpus and its own examples (blocking: use a thread)."""
    if check_rules(candidate):
        return [], 0, []
    engine = build(candidate.model_copy(update={"status": "active"}))
    runs = []
    for lang, must, text, expect in _examples(candidate):
        r = engine.analyze(text, leave_one_out=True)
        mine = next((m for m in r.matches if m.pattern_id == candidate.id), None)
        hit = mine is not None and (not must or LEVEL_ORDER[r.level] >= LEVEL_ORDER[expect])
        runs.append(ExampleRun(lang, must, text, hit, mine.level if mine else "no_match", r.score))
    flagged: list[Flagged] = []
    count = 0
    for legit in corpus:
        mine = next(
            (m for m in engine.analyze(legit.text).matches if m.pattern_id == candidate.id), None
        )
        if mine is not None and mine.level == "scam":
            count += 1
            if len(flagged) < MAX_FLAGGED:
                flagged.append(Flagged(legit.where, legit.text, mine.score, mine.evidence[:4]))
    return flagged, count, runs


async def dry_run(deps: Deps, candidate: Pattern) -> DryRun:
    """The gate Telegram uses (`vet`), plus everything it would flag or miss."""
    corpus = await legit_corpus(deps)
    engines = deps.analyzer.engines
    build = solo_engine(engines.pack.engine, getattr(engines, "_encoder", None))
    live = candidate.model_copy(update={"status": "active"})  # what it would do live
    refusals = await vet(deps, live, corpus)
    flagged, count, runs = await asyncio.to_thread(explore, build, candidate, corpus)
    return DryRun(tuple(refusals), tuple(flagged), count, tuple(runs))
