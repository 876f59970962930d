"""Language choice: Whisper's guess is kept when it is Spanish or English, else es/en wins."""

from __future__ import annotations

import pytest

from bot.analysis.speech import choose_language


def test_spanish_detected_on_top_is_kept() -> None:
    assert choose_language([("es", 0.8), ("pt", 0.1), ("en", 0.05)]) == ("es", 0.8)


def test_english_detected_on_top_is_kept() -> None:
    assert choose_language([("en", 0.6), ("es", 0.3)]) == ("en", 0.6)


def test_a_portuguese_guess_on_a_spanish_clip_falls_back_to_spanish() -> None:
    assert choose_language([("pt", 0.55), ("gl", 0.2), ("es", 0.15), ("en", 0.05)]) == (
        "es",
        0.15,
    )


def test_an_unrelated_guess_falls_back_to_the_likelier_of_spanish_and_english() -> None:
    assert choose_language([("nl", 0.7), ("en", 0.2), ("es", 0.1)]) == ("en", 0.2)


def test_the_order_of_the_probabilities_does_not_matter() -> None:
    assert choose_language([("es", 0.1), ("en", 0.2), ("gl", 0.7)]) == ("en", 0.2)


@pytest.mark.parametrize("probabilities", [[], [("pt", 1.0)]])
def test_no_usable_evidence_defaults_to_spanish(probabilities: list[tuple[str, float]]) -> None:
    assert choose_language(probabilities)[0] == "es"
