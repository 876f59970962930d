"""The phrase index matches whole words only and expands alternatives."""

from __future__ import annotations

import pytest

from bot.matching.normalize import normalize, normalize_phrase
from bot.matching.phrases import PhraseIndex, expand_alternatives


def _index(*phrases: str) -> PhraseIndex[str]:
    idx: PhraseIndex[str] = PhraseIndex()
    for p in phrases:
        for v in expand_alternatives(p):
            idx.add(normalize_phrase(v), p)
    idx.build()
    return idx


def test_a_phrase_matches_at_the_start_middle_and_end_of_a_message() -> None:
    idx = _index("mamá")
    for text in ("mamá ven", "hola mamá!", "oye mamá, ven"):
        assert [r for r, *_ in idx.find(normalize(text).text)] == ["mamá"]


def test_a_phrase_never_matches_inside_a_longer_word() -> None:
    # RE2's ASCII \b would let "perdí" match "perdíamos" (research/stack.md).
    assert list(_index("perdí").find(normalize("ya nos perdíamos").text)) == []


def test_alternatives_expand_to_every_variant_including_nested_ones() -> None:
    variants = expand_alternatives("se me {rompió|cayó {al agua|al suelo}} el {móvil|celular}")
    assert len(variants) == 6
    assert "se me cayó al agua el celular" in variants


@pytest.mark.parametrize("bad", ["{a|b", "a}b", "{a|{b}"])
def test_unbalanced_groups_are_an_error(bad: str) -> None:
    with pytest.raises(ValueError, match="group|outside"):
        expand_alternatives(bad)


def test_overlapping_phrases_are_all_reported_with_their_spans() -> None:
    idx = _index("número nuevo", "mi número")
    text = normalize("este es mi número nuevo").text
    found = {ref: text[a:b] for ref, a, b in idx.find(text)}
    assert found == {"número nuevo": "numero nuevo", "mi número": "mi numero"}
