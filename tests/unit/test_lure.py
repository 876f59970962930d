"""Lure analysis: who a message claims to be, what it claims and asks, where its links go."""

from __future__ import annotations

import pytest

from bot.content.loader import load_pack
from bot.matching.lure import LureAnalyzer, LureReport
from bot.matching.normalize import normalize


@pytest.fixture(scope="module")
def lures() -> LureAnalyzer:
    return LureAnalyzer(load_pack().engine)


def _read(lures: LureAnalyzer, text: str) -> LureReport:
    return lures.analyze(text, normalize(text))


def test_a_bank_named_with_a_link_to_someone_elses_domain_is_a_mismatch(
    lures: LureAnalyzer,
) -> None:
    r = _read(lures, "BBVA: su cuenta ha sido bloqueada, actívela en https://mybbva-alertas.top/x")
    assert [b.brand_id for b in r.brands] == ["bbva"]
    assert "account_locked" in r.claims
    pair = r.mismatched()
    assert pair is not None and pair[1].host == "mybbva-alertas.top"
    assert pair[1].imitates == "BBVA" and pair[1].odd_tld


def test_a_link_to_the_brands_own_domain_is_official_and_no_mismatch(lures: LureAnalyzer) -> None:
    r = _read(
        lures, "Correos: tu envío llega mañana, sigue tu paquete en https://www.correos.es/seg"
    )
    assert r.links[0].official_for == "correos"
    assert r.mismatched() is None


def test_a_brand_in_the_subdomain_of_another_domain_is_flagged(lures: LureAnalyzer) -> None:
    r = _read(lures, "valide sus datos en santander.es-acceso.pw/login")
    link = r.links[0]
    assert link.registered == "es-acceso.pw"
    assert link.brand_subdomain == "Banco Santander"


def test_an_ordinary_word_that_is_also_a_brand_is_not_taken_for_the_brand(
    lures: LureAnalyzer,
) -> None:
    assert _read(lures, "Claro que sí, nos vemos a las 8").brands == ()
    assert _read(lures, "Ups! se me olvidó traer el pan").brands == ()
    assert [b.brand_id for b in _read(lures, "CLARO te informa: tu factura vence").brands]


def test_a_brand_spelt_out_letter_by_letter_is_still_found(lures: LureAnalyzer) -> None:
    r = _read(lures, "U-S-P-S: your item was not found, update at https://qz.lv/a1")
    assert [b.brand_id for b in r.brands] == ["usps"]
    assert r.links[0].random_name


def test_broken_links_from_screenshots_are_repaired_and_counted(lures: LureAnalyzer) -> None:
    r = _read(lures, "Reactive su cuenta en http // bancoestado movil.com/ hoy")
    assert r.broken_links >= 1
    assert r.links[0].host == "bancoestadomovil.com"


def test_notification_cues_are_found(lures: LureAnalyzer) -> None:
    r = _read(lures, "Tu código de WhatsApp es 123456. No lo compartas con nadie.")
    assert "otp_notice" in r.cues
    r = _read(lures, "50% en pizzas hoy! Responde BAJA para no recibir más")
    assert "opt_out" in r.cues


def test_public_body_domains_count_as_official(lures: LureAnalyzer) -> None:
    r = _read(lures, "Consulte su vida laboral en https://run.gob.es/abc")
    assert r.links[0].official_for == "gov"
