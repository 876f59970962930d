"""Broken links rejoined, mis-heard words repaired, long texts read in windows."""

from __future__ import annotations

from bot.matching.asr import AsrRepair, sound_key
from bot.matching.linkfix import repair_links
from bot.matching.windows import MIN_CHARS, WINDOW, windows


def test_a_scheme_with_spaces_is_rejoined() -> None:
    fixed = repair_links("entre en http //bit.ly/2z9NC8C ya")
    assert fixed == ("entre en http://bit.ly/2z9NC8C ya", 1)


def test_a_host_split_by_spaces_after_the_scheme_is_rejoined() -> None:
    text, n = repair_links("siga http // banco movil.com/ ahora")
    assert "http://bancomovil.com/" in text
    assert n >= 2


def test_a_tld_split_from_its_name_is_rejoined() -> None:
    assert repair_links("visite 2vly .com ya")[0] == "visite 2vly.com ya"


def test_ordinary_text_and_good_links_are_left_alone() -> None:
    text = "nos vemos. com paz, y mira https://www.correos.es"
    assert repair_links(text) == (text, 0)


def test_sound_alike_spellings_share_a_key() -> None:
    assert sound_key("bizum") == sound_key("vizum") == sound_key("bisum")
    assert sound_key("yappy") == sound_key("yapi")
    assert sound_key("movil") != sound_key("mandar")


def test_misheard_payment_words_are_repaired_towards_the_vocabulary() -> None:
    asr = AsrRepair(["bizum", "movil", "transferencia", "nequi", "numero"])
    fixed = asr.repair("se me rompio el mobil hazme un vizum o una trans ferencia")
    assert "movil" in fixed.split()
    assert "bizum" in fixed.split()
    assert "transferencia" in fixed.split()


def test_a_payment_word_glued_to_the_word_before_is_split_off() -> None:
    asr = AsrRepair(["bizum"])
    assert asr.repair("me haya sumbizum") == "me haya sum bizum"


def test_words_far_from_the_vocabulary_are_untouched() -> None:
    asr = AsrRepair(["bizum", "transferencia"])
    assert asr.repair("manana vamos a la playa con los primos") == (
        "manana vamos a la playa con los primos"
    )


def test_short_texts_are_not_cut_into_windows() -> None:
    assert windows("hola " * 10) == []


def test_long_texts_are_covered_by_overlapping_windows() -> None:
    text = "relleno " * 500 + "su cuenta ha sido bloqueada entre en bit.ly/x"
    parts = windows(text)
    assert len(text) >= MIN_CHARS
    assert all(len(w) <= WINDOW for _, w in parts)
    assert any("bloqueada" in w and "bit.ly/x" in w for _, w in parts)
    assert all(text[o : o + len(w)] == w for o, w in parts)
