"""The gate a moderator's pattern passes before it goes live: RE2, own examples, the corpus."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import re2

from bot.content.loader import ContentPack
from bot.content.models import EngineConfig, Pattern
from bot.content.validate import check_examples
from bot.matching.engine import Engine
from bot.matching.paraphrase import Encoder
from bot.matching.phrases import expand_alternatives

MAX_REFUSALS = 3  # enough to explain the problem in one Telegram message


@dataclass(frozen=True, slots=True)
class LegitText:
    """A message known to be legitimate: shipped corpus or a report marked legit."""

    text: str
    where: str  # "corpus family" or "report #12"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a pattern may not go live: what it would flag (or fail), with the evidence."""

    kind: Literal["rule", "example", "corpus"]
    where: str
    text: str
    problem: str = ""
    score: float = 0.0
    evidence: tuple[str, ...] = ()


def legit_texts(pack: ContentPack, reports: Iterable[tuple[int, str]]) -> tuple[LegitText, ...]:
    """The whole false-alarm corpus: shipped messages plus (id, text) of legit reports."""
    shipped = [LegitText(m.text, f"corpus {m.topic or m.lang}") for m in pack.corpus]
    return (*shipped, *(LegitText(text, f"report #{rid}") for rid, text in reports))


def check_rules(pattern: Pattern) -> list[Refusal]:
    """Regexes must compile with RE2 (linear time) and phrases must expand to something."""
    problems = []
    for rule in pattern.match.regexes:
        try:
            re2.compile(rule.pattern)
        except re2.error as exc:
            problems.append(
                Refusal("rule", "regex", rule.pattern, f"not a valid RE2 regex: {exc}")
            )
    for phrases in pattern.match.phrases.values():
        for phrase in phrases:
            try:
                expand_alternatives(phrase)
            except ValueError as exc:
                problems.append(Refusal("rule", "phrase", phrase, str(exc)))
    return problems


def solo_engine(config: EngineConfig, encoder: Encoder | None) -> Callable[[Pattern], Engine]:
    """Build engines of one pattern: its score never depends on the others, and building the
    whole index again for every check costs seconds."""
    return lambda pattern: Engine([pattern], config, encoder)


def gate(
    pack: ContentPack,
    build: Callable[[Pattern], Engine],
    candidate: Pattern,
    corpus: Iterable[LegitText],
) -> list[Refusal]:
    """Refusals for `candidate` (empty: it may go live); blocking, run it in a thread."""
    problems = check_rules(candidate)
    if problems or candidate.status != "active":
        return problems  # a disabled pattern flags nothing
    engine = build(candidate)
    own = dataclasses.replace(pack, patterns=(candidate,))
    for failure in check_examples(own, engine):
        problems.append(Refusal("example", failure.where, failure.text, failure.problem))
    for legit in corpus:
        if len(problems) >= MAX_REFUSALS:
            break
        result = engine.analyze(legit.text)
        mine = next((m for m in result.matches if m.pattern_id == candidate.id), None)
        if mine is not None and mine.level == "scam":
            evidence = mine.evidence[:4]
            problems.append(
                Refusal("corpus", legit.where, legit.text, score=mine.score, evidence=evidence)
            )
    return problems
