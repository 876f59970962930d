"""Normalisation folds what scammers vary and keeps offsets back to the original text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.matching.normalize import normalize


def test_accents_case_and_punctuation_fold_to_plain_words() -> None:
    assert normalize("¡Hola MAMÁ!! ¿Me haces un Bizum?").text == "hola mama me haces un bizum"


def test_leetspeak_inside_words_is_folded_but_numbers_are_kept() -> None:
    assert normalize("hazme un B1zum de 380€ al m0vil").text == "hazme un bizum de 380 al movil"


def test_symbols_used_as_letters_are_folded() -> None:
    assert normalize("p@go a $antander").text == "pago a santander"


def test_cyrillic_homoglyphs_read_as_latin() -> None:
    assert normalize("Bаnсоlombiа").text == "bancolombia"  # а, с, о are Cyrillic


def test_zero_width_and_control_characters_disappear() -> None:
    assert normalize("có\u200bdi\u200dgo\x00 de\tverificación").text == "codigo de verificacion"


def test_offsets_map_normalised_spans_back_to_the_original() -> None:
    original = "Oye MAMÁ, se me rompió el móvil 😩"
    norm = normalize(original)
    start = norm.text.index("rompio el movil")
    a, b = norm.span(start, start + len("rompio el movil"))
    assert original[a:b] == "rompió el móvil"


@given(st.text(max_size=200))
def test_any_text_normalises_to_single_spaced_words_with_valid_offsets(text: str) -> None:
    norm = normalize(text)
    assert "  " not in norm.text
    assert norm.text == norm.text.strip()
    assert len(norm.offsets) == len(norm.text)
    assert all(0 <= o < len(text) for o in norm.offsets)
