"""Links, phones and amounts are found in raw text; look-alike domains are recognised."""

from __future__ import annotations

import pytest

from bot.matching.links import find_amounts, find_links, find_phones, is_lookalike

BRANDS = {"bancolombia": ["bancolombia.com"], "correos": ["correos.es"], "santander": []}


def test_urls_and_bare_domains_are_found_with_their_registered_domain() -> None:
    links = find_links("Pague aquí: https://correos-aduana.top/pago?id=1 o en bit.ly/3xYz.")
    assert [(link.host, link.registered) for link in links] == [
        ("correos-aduana.top", "correos-aduana.top"),
        ("bit.ly", "bit.ly"),
    ]


def test_second_level_country_domains_keep_three_labels() -> None:
    assert find_links("www.dian.gov.co/x")[0].registered == "dian.gov.co"


def test_words_joined_by_a_dot_are_not_links() -> None:
    assert find_links("llego a las 9.30.nos vemos") == []


@pytest.mark.parametrize(
    ("host", "brand"),
    [
        ("bancoiombia.com", "bancolombia"),
        ("correos-pago-aduana.com", "correos"),
        ("santander.seguridad-clientes.com", "santander"),
        ("correos.es", None),
        ("www.bancolombia.com", None),
        ("elpais.com", None),
    ],
)
def test_brand_look_alikes_are_recognised_and_official_domains_are_not(
    host: str, brand: str | None
) -> None:
    assert is_lookalike(host, BRANDS) == brand


def test_phone_numbers_are_found_but_amounts_and_codes_are_not() -> None:
    text = "Llama al +34 612 345 678, código 482913, te debo 1.500.000 pesos"
    assert [p for p, _ in find_phones(text)] == ["+34 612 345 678"]


def test_amounts_with_a_currency_are_found() -> None:
    found = [a for a, _ in find_amounts("me pasas 380€? o $1.99, 50.000 pesos, 200 USDT")]
    assert found == ["380€", "$1.99", "50.000 pesos", "200 USDT"]


def test_amounts_spelled_out_in_transcripts_are_found() -> None:
    text = "necesito cinco mil pesos y I need two thousand dollars for bail"
    found = [a for a, _ in find_amounts(text)]
    assert "cinco mil pesos" in found
    assert "two thousand dollars" in found
