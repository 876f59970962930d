"""Phrase proposals are distinctive n-grams of the reported text that the corpus never uses."""

from __future__ import annotations

from bot.matching.normalize import normalize
from bot.moderation.proposals import STRONG, WEAK, CorpusIndex, propose_phrases

CORPUS = CorpusIndex(
    [
        "El sábado celebramos el cumple de la abuela en casa, trae a los niños",
        "Hola tía, ¿qué tal? Mañana paso por tu casa a las cinco",
    ]
)
NOTE = (
    "Hola tía, ¿qué tal? El sábado celebramos el cumple de Lucía en casa. "
    "Habrá tarta y piñata. Avísame si venís con el perro Toby."
)


def test_no_proposed_phrase_occurs_in_the_corpus() -> None:
    proposals = propose_phrases(NOTE, CORPUS)
    assert proposals
    for p in proposals:
        assert not CORPUS.occurs(p.phrase)
    assert "hola tia que tal" not in [p.phrase for p in proposals]
    assert "sabado celebramos el cumple" not in [p.phrase for p in proposals]


def test_phrases_are_two_to_four_words_that_start_and_end_with_content_words() -> None:
    for p in propose_phrases(NOTE, CORPUS):
        words = p.phrase.split()
        assert 2 <= len(words) <= 4
        assert words[0] not in ("de", "el", "y", "si", "con")
        assert words[-1] not in ("de", "el", "y", "si", "con")


def test_phrases_never_span_two_sentences() -> None:
    proposals = [p.phrase for p in propose_phrases(NOTE, CORPUS, limit=20)]
    assert all("casa habra" not in phrase for phrase in proposals)
    assert any("tarta" in phrase for phrase in proposals)


def test_words_unseen_in_the_corpus_weigh_more_than_everyday_ones() -> None:
    by_phrase = {p.phrase: p.weight for p in propose_phrases(NOTE, CORPUS, limit=20)}
    assert by_phrase["habra tarta y pinata"] == STRONG  # no word of it is in the corpus
    assert by_phrase["cumple de lucia"] < STRONG  # "cumple" is
    assert min(by_phrase.values()) >= WEAK


def test_proposals_do_not_overlap_and_follow_reading_order() -> None:
    proposals = propose_phrases(NOTE, CORPUS, limit=20)
    text = normalize(NOTE).text
    positions = [text.find(p.phrase) for p in proposals]
    assert -1 not in positions
    assert positions == sorted(positions)
    words = [w for p in proposals for w in p.phrase.split() if len(w) > 3]
    assert len(words) == len(set(words))


def test_phrases_a_pattern_already_has_are_not_proposed_again() -> None:
    first = propose_phrases(NOTE, CORPUS, limit=1)[0].phrase
    again = propose_phrases(NOTE, CORPUS, taken=[first])
    assert first not in [p.phrase for p in again]


def test_a_text_of_function_words_only_proposes_nothing() -> None:
    assert propose_phrases("y de la que en el", CORPUS) == ()
