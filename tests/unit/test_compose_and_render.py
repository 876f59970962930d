"""compose (engine result -> Verdict) and render (Verdict -> Telegram HTML), without I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import ContentPack, load_pack
from bot.matching.engine import Engine
from bot.render import TELEGRAM_LIMIT, esc, render_verdict
from bot.verdict import Verdict, VerdictMatch, compose

SCAM = "Hola mamá, se me rompió el móvil, este es mi número nuevo. Hazme un bizum de 300€ urgente"


@pytest.fixture
def pack(minimal_pack_dir: Path) -> ContentPack:
    return load_pack(minimal_pack_dir)


def verdict_of(pack: ContentPack, text: str, **kwargs: object) -> Verdict:
    result = Engine(pack.patterns, pack.engine).analyze(text)
    return compose(pack, result, kind="text", **kwargs)  # type: ignore[arg-type]


def test_a_scam_is_composed_with_its_localised_title_tips_and_reporting_channels(
    pack: ContentPack,
) -> None:
    v = verdict_of(pack, SCAM, lang="en", country="ES")
    assert v.level == "scam"
    assert v.matches[0].pattern_id == "family-new-number"
    assert v.matches[0].title == "Fake relative with a new number"
    assert {t.id for t in v.tips} >= {"call-back-known-number"}
    assert {r.name for r in v.report} >= {"INCIBE 017 helpline"}


def test_no_match_offers_no_reporting_channels(pack: ContentPack) -> None:
    v = verdict_of(pack, "¿Quedamos el sábado para cenar?", lang="es", country="ES")
    assert v.level == "no_match"
    assert v.report == ()


def test_an_extra_fingerprint_match_raises_the_level(pack: ContentPack) -> None:
    hit = VerdictMatch("hoax-1", "Bulo", "hoax", 0.9, "scam", ("Bulo @ 3 s",), "fingerprint")
    v = verdict_of(pack, "¿Quedamos el sábado?", lang="es", extra=[hit])
    assert (v.level, v.matches[0].via) == ("scam", "fingerprint")


def test_the_rendered_verdict_names_the_pattern_and_quotes_the_evidence(
    pack: ContentPack,
) -> None:
    text = render_verdict(verdict_of(pack, SCAM, lang="es", country="ES"), "es")
    assert text.startswith("🚨")
    assert "Falso familiar con número nuevo" in text
    assert "«" in text  # the evidence, quoted
    assert "INCIBE 017" in text


def test_user_words_are_html_escaped_and_control_characters_dropped() -> None:
    assert esc("<b>hola</b> & \x07adiós") == "&lt;b&gt;hola&lt;/b&gt; &amp; adiós"


def test_a_huge_transcript_still_fits_one_telegram_message(pack: ContentPack) -> None:
    result = Engine(pack.patterns, pack.engine).analyze(SCAM)
    v = compose(pack, result, kind="voice", lang="es", transcript=SCAM + " bla" * 5000)
    assert len(render_verdict(v, "es")) <= TELEGRAM_LIMIT
