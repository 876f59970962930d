"""The shipped engine on the shapes real scams take: lures, learned scores, explanations."""

from __future__ import annotations

import pytest

from bot.analysis.engines import make_encoder
from bot.content.loader import ContentPack, load_pack
from bot.content.models import Pattern
from bot.matching.engine import Engine
from bot.matching.types import SignalHit
from bot.render import render_verdict
from bot.verdict import compose


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_pack()


@pytest.fixture(scope="module")
def engine(pack: ContentPack) -> Engine:
    return Engine(pack.patterns, pack.engine, make_encoder(True, None, threads=1))


# The examples of issue 9: real scams the first release answered "no known scam".
ISSUE_EXAMPLES = [
    "ALERTAS BBVA BANCOMER Su tarjeta BBVA BANCOMER ha sido bloqueada por seguridad ingresa "
    "en el siguiente enlace para activarla",
    "HSBC POR INTERNET Estimado usuario su tarjeta ha sido desactivada por seguridad para "
    "activar a la brevedad valide su identidad",
    "ING La Cuenta NEGOCIOS en la que intervienes como apoderado ha sido bloqueada Llamanos al "
    "XX XXX XX XX para poder solucionarlo",
    "Hola pa, te escribo de este número porque el mío se dañó. Necesito que me hagas un Yappy "
    "de 150 ahorita porfa",
]
VOICE = (
    "Hola papa, soy yo, se me rompió el molí y este es mi número nuevo. Necesito que me haya "
    "sumbizum ... es muy urgente. No llames, no puedo hablar."
)


@pytest.mark.parametrize("text", ISSUE_EXAMPLES)
def test_the_issue_examples_are_flagged(engine: Engine, text: str) -> None:
    r = engine.analyze(text)
    assert r.level in ("scam", "suspicious"), (r.level, r.score, r.features)
    assert r.matches, "a flagged message names its scam or family"


def test_the_misheard_voice_note_is_a_family_scam(engine: Engine) -> None:
    r = engine.analyze(VOICE, via="transcript")
    assert r.level in ("scam", "suspicious")
    assert r.best is not None and r.best.pattern_id == "family-new-number"


def test_the_verdict_explains_a_brand_whose_link_goes_elsewhere(
    pack: ContentPack, engine: Engine
) -> None:
    text = "BBVA: su cuenta ha sido bloqueada por seguridad, actívela en mybbva-alertas.top/acceso"
    r = engine.analyze(text)
    assert r.level == "scam"
    assert r.best is not None and r.best.pattern_id == "lure-brand-phishing"
    html = render_verdict(compose(pack, r, kind="text"), "es")
    assert "Dice ser BBVA, pero el enlace lleva a mybbva-alertas.top, que no es de BBVA" in html


@pytest.mark.parametrize(
    "text",
    [
        "Tu código de WhatsApp es 482-193. No lo compartas con nadie.",
        "BBVA: 739204 es tu clave para confirmar la compra de 34,20 EUR. Nunca te la pediremos.",
        "Correos: tu envío PQ4X llega mañana entre las 9 y las 14 h. Síguelo en correos.es",
        "Your Amazon package was delivered to the front door. Track at amazon.com/orders",
    ],
)
def test_genuine_notifications_are_not_flagged(engine: Engine, text: str) -> None:
    assert engine.analyze(text).level == "no_match"


def test_padding_cannot_dilute_a_scam_below_the_line(engine: Engine) -> None:
    scam = "BBVA: su tarjeta ha sido bloqueada, reactívela en http://bbva-seguro.top/activar"
    line = "Gracias por el mensaje de ayer, nos vemos el domingo en casa de la abuela. "
    filler = "> " + line * 48
    padded = filler[:1800] + "\n" + scam + "\n" + filler[:1800]
    assert len(padded) > 3600
    alone = engine.analyze(scam)
    r = engine.analyze(padded)
    assert r.level == alone.level == "scam"
    assert any("bbva-seguro.top" in e for m in r.matches for e in m.evidence)


def test_zero_width_characters_and_homoglyphs_do_not_hide_a_scam(engine: Engine) -> None:
    text = "B\u200bB\u200bV\u200bA: su tаrjeta ha sido blоqueada, actívela en bbva-seguro.top"
    assert engine.analyze(text).level == "scam"


def test_a_moderators_new_pattern_counts_without_retraining(pack: ContentPack) -> None:
    new = Pattern.model_validate(
        {
            "id": "tio-de-lugo",
            "category": "impersonation",
            "severity": "high",
            "title": {"es": "El tío de Lugo", "en": "The uncle from Lugo"},
            "summary": {"es": "Un falso tío pide dinero.", "en": "A fake uncle asks for money."},
            "match": {
                "phrases": {"es": {"soy tu tío de lugo": 0.6, "la herencia del abuelo": 0.5}}
            },
        }
    )
    engine = Engine([*pack.patterns, new], pack.engine)
    r = engine.analyze("ey soy tu tío de lugo, para cobrar la herencia del abuelo paga la tasa")
    assert r.level != "no_match"
    assert r.best is not None and r.best.pattern_id == "tio-de-lugo"


def test_forward_facts_raise_the_score_but_never_make_a_verdict_alone(engine: Engine) -> None:
    text = "Mira lo que dicen del agua del grifo, pásalo"
    plain = engine.analyze(text)
    old = SignalHit("old_forward", ("2019-03-01",))
    hidden = SignalHit("forward_hidden", ("Pepe",))
    forwarded = engine.analyze(text, extra_signals=[old, hidden])
    assert forwarded.score > plain.score
    assert engine.analyze("hola", extra_signals=[old, hidden]).level == "no_match"
