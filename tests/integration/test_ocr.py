"""Reading screenshots and flyers with the real Tesseract and zxing-cpp (needs `make ocr-deps`)."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from bench.screenshots import font, render_chat
from bot.analysis import ocr
from bot.analysis.images.phash import ImageHashIndex
from bot.errors import (
    AnalysisTimeout,
    MediaCorrupt,
    MediaEmpty,
    MediaTooLarge,
    MediaUnsupported,
    ModelError,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "images"

try:
    ocr.tessdata_dir()
except ModelError:  # pragma: no cover - only on machines without root to run `make ocr-deps`
    pytest.skip("tesseract language data missing (make ocr-deps)", allow_module_level=True)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def dense_page(width: int = 2000, height: int = 2560) -> Image.Image:
    """A page packed with text: Tesseract needs well over a second for it."""
    img = Image.new("L", (width, height), 255)
    d = ImageDraw.Draw(img)
    fnt = font("DejaVuSans.ttf", 22)
    line = "Su cuenta ha sido bloqueada, verifique sus datos en el enlace de abajo. " * 3
    for y in range(10, height - 30, 30):
        d.text((10, y), line, font=fnt, fill=0)
    return img


def test_a_spanish_scam_screenshot_is_read_with_its_accents_and_link() -> None:
    reading = ocr.read_image(fixture("scam_banistmo.jpg"))
    assert reading.screenshot
    assert "BANISTMO: Su cuenta ha sido bloqueada por seguridad." in reading.text
    assert "aquí" in reading.text
    assert reading.links == ("https://banistmo-seguro.top/acceso",)


def test_a_benign_screenshot_keeps_its_accents_in_reading_order() -> None:
    reading = ocr.read_image(fixture("benign_es.jpg"))
    assert reading.bubbles == (
        "¿Quedamos mañana a las ocho en la plaza?",
        "Llevo la tortilla y el vino.",
    )
    assert reading.links == ()


def test_the_status_bar_and_chat_chrome_are_left_out_of_the_text() -> None:
    reading = ocr.read_image(fixture("scam_banistmo.jpg"))
    assert "%" not in reading.text
    assert "en línea" not in reading.text
    assert "Mensaje" not in reading.text
    assert any("%" in line or ":" in line for line in reading.dropped)  # the clock or battery


def test_the_sender_line_is_kept_apart_from_the_message() -> None:
    assert ocr.read_image(fixture("scam_banistmo.jpg")).sender == "+34 612 345 678"
    named = ocr.read_image(fixture("scam_broken_link.jpg"))
    assert named.sender == "Banco Nacional"
    assert "Banco Nacional" not in named.text


def test_a_link_broken_by_spaces_is_repaired() -> None:
    reading = ocr.read_image(fixture("scam_broken_link.jpg"))
    assert "https://banistmo-seguro.top/acceso" in reading.links
    assert reading.links_repaired >= 1
    assert "Último aviso" in reading.text


def test_a_qr_code_url_on_a_flyer_is_decoded_and_listed_as_a_link() -> None:
    reading = ocr.read_image(fixture("qr_flyer.png"))
    assert reading.qr_payloads == ("https://premio-iphone.win/claim?id=7",)
    assert "https://premio-iphone.win/claim?id=7" in reading.links
    assert not reading.screenshot
    assert reading.sender is None


def test_an_english_screenshot_is_read_too() -> None:
    shot = render_chat(
        "+1 415 555 0134",
        ["Your package could not be delivered.", "Update your address: https://usps-fix.live/t"],
        font_name="LiberationSans-Regular.ttf",
        quality=70,
        seed=5,
    )
    reading = ocr.read_image(shot.data)
    assert reading.sender == "+1 415 555 0134"
    assert "Your package could not be delivered." in reading.text
    assert reading.links == ("https://usps-fix.live/t",)


def test_a_recompressed_resized_copy_of_a_known_flyer_matches_and_a_screenshot_does_not() -> None:
    index = ImageHashIndex()
    index.add("flyer", Image.open(io.BytesIO(fixture("qr_flyer.png"))).convert("RGB"))
    flyer = Image.open(io.BytesIO(fixture("qr_flyer.png"))).convert("RGB")
    buf = io.BytesIO()
    flyer.resize((400, 520)).save(buf, "JPEG", quality=50)
    copy = ocr.read_image(buf.getvalue())
    match = index.nearest(copy.phash)
    assert match is not None
    assert match.key == "flyer"
    assert index.nearest(ocr.read_image(fixture("benign_es.jpg")).phash) is None


def test_empty_bytes_are_refused_as_empty() -> None:
    with pytest.raises(MediaEmpty):
        ocr.read_image(b"")


def test_bytes_that_are_no_image_are_refused_as_unsupported() -> None:
    with pytest.raises(MediaUnsupported):
        ocr.read_image(b"%PDF-1.7\n" + b"x" * 500)


def test_a_truncated_jpeg_is_refused_as_corrupt() -> None:
    data = fixture("benign_es.jpg")
    with pytest.raises(MediaCorrupt):
        ocr.read_image(data[: len(data) // 3])


def test_a_file_over_20_mb_is_refused_before_it_is_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*_args: object) -> None:
        raise AssertionError("decoded")

    monkeypatch.setattr(Image, "open", never)
    with pytest.raises(MediaTooLarge):
        ocr.read_image(b"\xff\xd8\xff" + bytes(20 * 1024 * 1024))


def test_a_picture_claiming_huge_dimensions_is_refused_from_its_header() -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    with pytest.raises(MediaTooLarge):
        ocr.read_image(png)


def test_a_huge_photo_is_downscaled_and_still_read() -> None:
    img = Image.new("RGB", (7000, 5000), "white")
    ImageDraw.Draw(img).text(
        (300, 2000),
        "Premio seguro: www.gana-ya.top",
        font=font("DejaVuSans.ttf", 260),
        fill="black",
    )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    reading = ocr.read_image(buf.getvalue(), max_side=2000)
    assert reading.downscaled
    assert (reading.width, reading.height) == (7000, 5000)
    assert "www.gana-ya.top" in reading.links


def test_ocr_stops_at_its_deadline_and_the_reader_recovers() -> None:
    buf = io.BytesIO()
    dense_page().save(buf, "PNG")
    started = time.monotonic()
    with pytest.raises(AnalysisTimeout):
        ocr.read_image(buf.getvalue(), timeout_s=0.5)
    # Reading this page takes over 6 s here (layout analysis alone); the caller got its answer
    # at the bound plus decoding.
    assert time.monotonic() - started < 2.0
    assert ocr.read_image(fixture("benign_es.jpg")).bubbles  # the other OCR thread still works


def test_tesseract_gives_up_recognising_when_its_deadline_has_passed() -> None:
    shot = render_chat("Ana", ["Hola, ¿qué tal?"], seed=9)
    image = Image.open(io.BytesIO(shot.data)).convert("RGB")
    with pytest.raises(AnalysisTimeout):
        ocr._ocr_lines(image, deadline=time.monotonic() + 0.002)
    assert ocr._ocr_lines(image, deadline=time.monotonic() + 30)


def test_read_image_raises_a_timeout_when_the_bound_is_too_short() -> None:
    with pytest.raises(AnalysisTimeout):
        ocr.read_image(fixture("scam_banistmo.jpg"), timeout_s=0.001)
