"""Screenshot layout on recognised lines alone: status bar, chrome, sender line, bubbles."""

from __future__ import annotations

from bot.analysis.images.layout import Line, analyse

W, H = 1080, 2340  # a 19.5:9 phone screenshot


def line(text: str, y: int, x: int = 40, height: int = 40) -> Line:
    return Line(text, x, y, x + 20 * len(text), y + height, 90.0)


def test_the_status_bar_chrome_and_sender_line_are_separated_from_the_bubbles() -> None:
    layout = analyse(
        [
            line("19:48 | 63% LI", 12, height=30),
            line("< +34 612 345 678", 110),
            line("en línea", 170, height=30),
            line("BANISTMO: Su cuenta ha sido", 400),
            line("bloqueada por seguridad.", 450),
            line("Verifique aquí: https://banistmo-", 560),
            line("seguro.top/acceso 10:42", 610),
            line("Mensaje", 2200),
        ],
        W,
        H,
    )
    assert layout.screenshot
    assert layout.sender == "+34 612 345 678"
    assert layout.bubbles == (
        "BANISTMO: Su cuenta ha sido bloqueada por seguridad.",
        "Verifique aquí: https://banistmo-seguro.top/acceso",
    )
    assert layout.dropped == ("19:48 | 63% LI", "en línea", "Mensaje")


def test_lines_come_out_in_reading_order_whatever_order_they_arrive_in() -> None:
    layout = analyse(
        [line("Segundo mensaje.", 700), line("12:01 85%", 10), line("Primero.", 400)], W, H
    )
    assert layout.bubbles == ("Primero.", "Segundo mensaje.")


def test_a_name_with_its_presence_on_one_line_is_the_sender() -> None:
    layout = analyse(
        [line("9:31 43%", 10), line("e Correos on línea", 120), line("Hola", 500)], W, H
    )
    assert layout.sender == "Correos"
    assert layout.bubbles == ("Hola",)


def test_a_flyer_keeps_every_line_and_has_no_sender() -> None:
    layout = analyse([line("12:00 a 14:00", 10), line("¡Escanea y gana!", 100)], 800, 1040)
    assert not layout.screenshot
    assert layout.sender is None
    assert layout.bubbles == ("12:00 a 14:00", "¡Escanea y gana!")


def test_a_clock_inside_a_message_is_not_taken_for_the_status_bar() -> None:
    layout = analyse(
        [line("10:05 90%", 10), line("Lucía", 120), line("Te veo a las 18:30 en la plaza", 600)],
        W,
        H,
    )
    assert layout.bubbles == ("Te veo a las 18:30 en la plaza",)
