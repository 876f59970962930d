"""Run every pattern's examples and the false-alarm corpus through the engine."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.loader import ContentPack
from bot.content.models import Example
from bot.matching.engine import Engine
from bot.matching.types import LEVEL_ORDER


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    """An example or corpus message that did not behave as declared."""

    where: str  # "pattern <id> example match.es[3]" or "corpus family.yaml ..."
    text: str
    problem: str

    def __str__(self) -> str:
        short = self.text if len(self.text) <= 90 else self.text[:87] + "..."
        return f"{self.where}: {self.problem}: {short!r}"


def check_examples(pack: ContentPack, engine: Engine) -> list[ExampleFailure]:
    """Every active pattern's examples must behave as declared (leave-one-out paraphrase)."""
    failures: list[ExampleFailure] = []
    for p in pack.patterns:
        if p.status != "active":
            continue
        for lang in ("es", "en"):
            for i, item in enumerate(getattr(p.examples.match, lang)):
                text, expect = (
                    (item, "scam") if isinstance(item, str) else (item.text, item.expect)
                )
                r = engine.analyze(text, leave_one_out=True)
                mine = next((m for m in r.matches if m.pattern_id == p.id), None)
                where = f"pattern {p.id} example match.{lang}[{i}]"
                if mine is None:
                    got = r.best.pattern_id if r.best else r.level
                    failures.append(ExampleFailure(where, text, f"not matched (got {got})"))
                elif LEVEL_ORDER[r.level] < LEVEL_ORDER[expect]:
                    problem = f"verdict {r.level} ({mine.score:.2f}), expected {expect}"
                    failures.append(ExampleFailure(where, text, problem))
            for i, item in enumerate(getattr(p.examples.no_match, lang)):
                text = item.text if isinstance(item, Example) else item
                r = engine.analyze(text, leave_one_out=True)
                mine = next((m for m in r.matches if m.pattern_id == p.id), None)
                if mine is not None:
                    where = f"pattern {p.id} example no_match.{lang}[{i}]"
                    ev = ", ".join(mine.evidence[:3])
                    problem = f"matched {mine.level} ({mine.score:.2f}: {ev})"
                    failures.append(ExampleFailure(where, text, problem))
    return failures


def check_corpus(pack: ContentPack, engine: Engine) -> list[ExampleFailure]:
    """No active pattern may flag a message of the false-alarm corpus as `scam`."""
    failures = []
    for i, msg in enumerate(pack.corpus):
        r = engine.analyze(msg.text)
        if r.level == "scam" and r.best is not None:
            where = f"corpus message {i} ({msg.topic or msg.lang})"
            problem = f"flagged scam by {r.best.pattern_id} ({r.best.score:.2f})"
            failures.append(ExampleFailure(where, msg.text, problem))
    return failures
