"""A moderator's pattern goes live only if RE2 accepts it, it matches its own examples and it
flags nothing in the false-alarm corpus (shipped messages and reports marked legit)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from bot.content.loader import ContentPack, load_pack
from bot.content.models import Pattern
from bot.moderation.safety import LegitText, check_rules, gate, legit_texts, solo_engine


@cache
def _pack() -> ContentPack:
    return load_pack()


def _pattern(phrases: dict[str, float], example: str, **extra: Any) -> Pattern:
    body: dict[str, Any] = {
        "id": "mod-test",
        "category": "hoax",
        "severity": "medium",
        "title": {"es": "Prueba", "en": "Test"},
        "summary": {"es": "Prueba", "en": "Test"},
        "match": {"phrases": {"es": phrases}, **extra},
        "examples": {"match": {"es": [example]}},
    }
    return Pattern.model_validate(body)


def _gate(candidate: Pattern, extra: tuple[LegitText, ...] = ()) -> list[Any]:
    pack = _pack()
    corpus = (*legit_texts(pack, []), *extra)
    # No paraphrase encoder: phrases and regexes only.
    return gate(pack, solo_engine(pack.engine, None), candidate, corpus)


def test_a_pattern_that_would_flag_a_corpus_message_is_refused_with_the_evidence() -> None:
    greedy = _pattern(
        {"asado del domingo": 0.9}, "Para ir al asado del domingo paga 50 euros por Bizum ya"
    )
    refusals = _gate(greedy)
    assert refusals
    first = refusals[0]
    assert first.kind == "corpus"
    assert first.where == "corpus family"
    assert "asado del domingo" in first.text
    assert first.score >= 0.8
    assert any("asado del domingo" in e.lower() for e in first.evidence)


def test_a_distinctive_pattern_that_matches_its_example_may_go_live() -> None:
    note = "Hola tía, el sábado es el cumple de Lucía, habrá tarta y piñata, avísame si venís"
    good = _pattern(
        {"cumple de lucia": 0.5, "habra tarta y pinata": 0.6, "avisame si venis": 0.5},
        note,
        min_hits=2,
    )
    assert _gate(good) == []


def test_a_report_marked_legit_guards_like_the_shipped_corpus() -> None:
    note = "Hola tía, el sábado es el cumple de Lucía, habrá tarta y piñata, avísame si venís"
    good = _pattern({"habra tarta y pinata": 0.6, "avisame si venis": 0.6}, note, min_hits=2)
    legit = LegitText("¿Vienes el sábado? Habrá tarta y piñata, avísame si venís 🎂", "report #7")
    refusals = _gate(good, (legit,))
    assert [r.where for r in refusals] == ["report #7"]


def test_a_regex_re2_cannot_compile_is_refused_before_anything_runs() -> None:
    bad = _pattern(
        {"tarta y pinata": 0.6}, "tarta y piñata", regexes=[{"pattern": r"(a)\1", "weight": 0.5}]
    )
    refusals = check_rules(bad)
    assert [r.kind for r in refusals] == ["rule"]
    assert "RE2" in refusals[0].problem
    assert _gate(bad) == refusals


def test_a_pattern_that_misses_its_own_example_is_refused() -> None:
    weak = _pattern({"tarta y pinata": 0.6}, "Esto no tiene nada que ver con fiestas")
    refusals = _gate(weak)
    assert [r.kind for r in refusals] == ["example"]
    assert "not matched" in refusals[0].problem


@pytest.mark.parametrize("status", ["disabled"])
def test_a_disabled_pattern_flags_nothing_so_it_passes(status: str) -> None:
    greedy = _pattern({"asado del domingo": 0.9}, "asado del domingo").model_copy(
        update={"status": status}
    )
    assert _gate(greedy) == []
