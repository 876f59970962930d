"""The engine scores patterns from explainable hits and respects their rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.content.loader import ContentPack, load_pack
from bot.content.models import Pattern
from bot.matching.engine import Engine
from bot.matching.types import SignalHit


@pytest.fixture
def pack(minimal_pack_dir: Path) -> ContentPack:
    return load_pack(minimal_pack_dir)


def _pattern(pack: ContentPack, **match: object) -> Pattern:
    base = pack.patterns[0].model_dump()
    base["match"].update(match)
    return Pattern.model_validate(base)


def test_a_family_new_number_script_is_a_scam_with_evidence_from_the_message(
    pack: ContentPack,
) -> None:
    engine = Engine(pack.patterns, pack.engine)
    r = engine.analyze(
        "Hola mamá!! se me cayó el celular 😩 es mi número nuevo, ¿me haces un Bizum?"
    )
    assert r.level == "scam"
    assert r.best is not None and r.best.pattern_id == "family-new-number"
    assert {"Hola mamá", "se me cayó el celular", "es mi número nuevo"} <= set(r.best.evidence)
    assert r.best.via == "text"
    assert r.language == "es"


def test_without_the_required_payment_signal_a_new_number_is_not_a_match(
    pack: ContentPack,
) -> None:
    r = Engine(pack.patterns, pack.engine).analyze("Hola mamá, este es mi número nuevo, guárdalo")
    assert r.matches == ()
    assert r.level == "no_match"


def test_min_hits_keeps_a_lone_signal_from_matching(pack: ContentPack) -> None:
    r = Engine(pack.patterns, pack.engine).analyze("te hago un bizum luego por lo de la cena")
    assert all(m.pattern_id != "family-new-number" for m in r.matches)


def test_a_regex_hit_counts_with_its_weight(pack: ContentPack) -> None:
    p = _pattern(pack, regexes=[{"pattern": r"te lo devuelvo (manana|el lunes)", "weight": 0.5}])
    engine = Engine([p], pack.engine)
    r = engine.analyze("hola mamá hazme un bizum, te lo devuelvo mañana")
    assert r.best is not None
    assert any(h.kind == "regex" and h.evidence == "te lo devuelvo mañana" for h in r.best.hits)


def test_a_known_scam_domain_matches_via_link(pack: ContentPack) -> None:
    p = _pattern(pack, domains=["pago-familia.top"], min_hits=1, requires_signals=[])
    r = Engine([p], pack.engine).analyze("entra en https://www.pago-familia.top/x y paga")
    assert r.best is not None and r.best.via == "link"


def test_a_known_scam_phone_matches_via_phone_whatever_its_formatting(pack: ContentPack) -> None:
    p = _pattern(pack, phones=["+34612345678"], min_hits=1, requires_signals=[])
    r = Engine([p], pack.engine).analyze("escribe al 612 34 56 78 por whatsapp")
    assert r.best is not None and r.best.via == "phone"


def test_a_transcript_match_says_it_came_from_the_transcript(pack: ContentPack) -> None:
    text = "hola mamá soy yo se me rompió el móvil este es mi número nuevo hazme un bizum"
    r = Engine(pack.patterns, pack.engine).analyze(text, via="transcript")
    assert r.best is not None and r.best.via == "transcript"


def test_forward_signals_passed_in_are_reported(pack: ContentPack) -> None:
    old = SignalHit("old_forward", ("2019-03-01",))
    r = Engine(pack.patterns, pack.engine).analyze("hola", extra_signals=[old])
    assert [s.id for s in r.signals] == ["old_forward"]


def test_strong_signals_alone_make_a_message_suspicious_but_never_a_scam(
    pack: ContentPack,
) -> None:
    text = (
        "URGENTE: no se lo digas a nadie, instala AnyDesk y pásame el código que te llegó "
        "por SMS, entra en https://bit.ly/3abc"
    )
    r = Engine([], pack.engine).analyze(text)
    assert r.level == "suspicious"
    assert r.score < pack.engine.thresholds.scam
    assert {"urgency", "secrecy", "remote_access", "code_request", "shortener"} <= {
        s.id for s in r.signals
    }


def test_english_messages_are_detected_as_english(pack: ContentPack) -> None:
    r = Engine(pack.patterns, pack.engine).analyze("Hi mum, this is my new number, can you pay")
    assert r.language == "en"


class _BagOfWords:
    """A deterministic stand-in encoder: vectors from hashed words (tests the layer's logic)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.casefold().split():
                out[i, hash(w.strip("¿?!.,")) % 64] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def test_the_paraphrase_layer_adds_a_hit_for_a_message_close_to_an_example(
    pack: ContentPack,
) -> None:
    engine = Engine(pack.patterns, pack.engine, _BagOfWords())
    text = "Hola mamá se me rompió el móvil este es mi número nuevo me haces un Bizum"
    r = engine.analyze(text)
    assert r.best is not None
    assert any(h.kind == "paraphrase" for h in r.best.hits)


def test_leave_one_out_hides_an_example_from_vouching_for_itself(pack: ContentPack) -> None:
    engine = Engine(pack.patterns, pack.engine, _BagOfWords())
    example = pack.patterns[0].examples.match.es[0]
    assert isinstance(example, str)
    r = engine.analyze(example, leave_one_out=True)
    assert r.best is not None
    assert all(h.kind != "paraphrase" or h.weight < 0.8 for h in r.best.hits)


def test_disabled_patterns_are_not_compiled(pack: ContentPack) -> None:
    p = pack.patterns[0].model_copy(update={"status": "disabled"})
    engine = Engine([p], pack.engine)
    assert engine.pattern_count == 0
    assert engine.analyze("hola mamá es mi número nuevo hazme un bizum").matches == ()
