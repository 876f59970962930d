"""Render phone-like chat screenshots and QR flyers from our own messages (tests, bench)."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
]
FONT_FILES = [
    "DejaVuSans.ttf",
    "LiberationSans-Regular.ttf",
    "DejaVuSerif.ttf",
    "LiberationSerif-Regular.ttf",
    "DejaVuSansCondensed.ttf",
]

# Our own messages: (sender line, bubble texts). Scams first, then benign ones.
SCAMS = [
    (
        "+34 612 345 678",
        [
            "BANISTMO: Su cuenta ha sido bloqueada por seguridad.",
            "Verifique sus datos aquí: https://banistmo-seguro.top/acceso",
        ],
    ),
    (
        "+34 699 111 222",
        [
            "Hola mamá, se me cayó el móvil al agua. Este es mi número nuevo.",
            "¿Me puedes hacer un bizum de 380€? Mañana te lo devuelvo.",
        ],
    ),
    (
        "Correos",
        [
            "Su paquete está retenido en aduana. Pague 1,99€ de tasas:",
            "https://correos-envio.info/pago",
        ],
    ),
    (
        "+1 415 555 0134",
        [
            "Your package could not be delivered. Update your address:",
            "https://usps-redelivery.live/track",
        ],
    ),
]
BENIGN = [
    ("Lucía", ["¿Quedamos mañana a las ocho en la plaza?", "Llevo la tortilla y el vino."]),
    ("Papá", ["Ya llegué a casa, gracias por la cena.", "Mañana te llamo."]),
    ("Tom", ["Running ten minutes late, sorry!", "Grab a table by the window."]),
    ("Andrés Núñez", ["La reunión de vecinos es el jueves.", "Traed vuestras sugerencias."]),
]


@dataclass(frozen=True)
class Shot:
    """A rendered screenshot: encoded bytes and the text a perfect reader would return."""

    data: bytes
    sender: str
    bubbles: tuple[str, ...]

    @property
    def text(self) -> str:
        """The bubbles' text, one bubble a line."""
        return "\n".join(self.bubbles)


def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A TrueType font by file name, or Pillow's bundled one when the system lacks it."""
    for d in FONT_DIRS:
        if (d / name).exists():
            return ImageFont.truetype(str(d / name), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, fnt: object, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=fnt) <= width or not current:  # type: ignore[arg-type]
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def render_chat(
    sender: str,
    bubbles: list[str] | tuple[str, ...],
    *,
    font_name: str = "DejaVuSans.ttf",
    size: int = 30,
    width: int = 720,
    quality: int = 80,
    dark: bool = False,
    seed: int = 0,
) -> Shot:
    """A phone chat screenshot: status bar, header with the sender line, received bubbles."""
    rnd = random.Random(seed)
    height = int(width * 16 / 9)
    bg = (18, 18, 18) if dark else (236, 229, 221)
    fg = (235, 235, 235) if dark else (20, 20, 20)
    bubble_bg = (38, 45, 49) if dark else (255, 255, 255)
    img = Image.new("RGB", (width, height), bg)
    d = ImageDraw.Draw(img)
    bar_h = int(width * 0.06)
    small = font(font_name, max(14, bar_h // 2))
    # Status bar: time, signal, battery percentage and a battery glyph.
    d.rectangle((0, 0, width, bar_h), fill=(0, 0, 0) if dark else (7, 94, 84))
    clock = f"{rnd.randint(7, 23)}:{rnd.randint(0, 59):02d}"
    d.text((int(width * 0.04), bar_h * 0.2), clock, font=small, fill=(255, 255, 255))
    pct = f"{rnd.randint(10, 99)}%"
    bx = width - int(width * 0.12)
    d.text((bx - d.textlength(pct, font=small) - 10, bar_h * 0.2), pct, font=small, fill="white")
    d.rectangle((bx, bar_h * 0.3, bx + width * 0.07, bar_h * 0.7), outline="white", width=2)
    for k in range(4):
        x = int(width * 0.55) + k * 10
        d.rectangle((x, bar_h * (0.75 - 0.12 * k), x + 6, bar_h * 0.75), fill="white")
    # Header: back arrow, avatar circle, sender line, "en línea".
    head_h = int(width * 0.14)
    d.rectangle((0, bar_h, width, bar_h + head_h), fill=(31, 44, 52) if dark else (7, 94, 84))
    d.text((int(width * 0.02), bar_h + head_h * 0.25), "<", font=small, fill="white")
    r = head_h * 0.35
    cx, cy = width * 0.12, bar_h + head_h / 2
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(180, 190, 200))
    name_font = font(font_name, int(size * 1.05))
    d.text((width * 0.2, bar_h + head_h * 0.12), sender, font=name_font, fill="white")
    d.text((width * 0.2, bar_h + head_h * 0.58), "en línea", font=small, fill=(200, 220, 215))
    # Bubbles, received (left-aligned), with a small time stamp each.
    fnt = font(font_name, size)
    y = bar_h + head_h + int(size * 1.2)
    pad = int(size * 0.5)
    max_w = int(width * 0.75)
    line_h = int(size * 1.3)
    for text in bubbles:
        lines = _wrap(d, text, fnt, max_w - 2 * pad)
        w = max(d.textlength(line, font=fnt) for line in lines) + 2 * pad
        h = len(lines) * line_h + 2 * pad
        x0 = int(width * 0.04)
        d.rounded_rectangle((x0, y, x0 + w, y + h), radius=pad, fill=bubble_bg)
        for k, line in enumerate(lines):
            d.text((x0 + pad, y + pad + k * line_h), line, font=fnt, fill=fg)
        y += h + int(size * 0.6)
    # Input bar at the bottom (UI chrome).
    d.rounded_rectangle(
        (width * 0.03, height - width * 0.13, width * 0.82, height - width * 0.03),
        radius=30,
        fill=bubble_bg,
    )
    d.text((width * 0.08, height - width * 0.1), "Mensaje", font=small, fill=(140, 140, 140))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Shot(buf.getvalue(), sender, tuple(bubbles))


def render_qr_flyer(
    url: str, *, title: str = "¡Escanea y gana un iPhone!", size: int = 800
) -> bytes:
    """A prize flyer with a QR code for `url` under a headline, as PNG."""
    import segno

    qr = segno.make(url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=10, border=4)
    code = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    img = Image.new("RGB", (size, int(size * 1.3)), (255, 214, 0))
    d = ImageDraw.Draw(img)
    d.text((40, 40), title, font=font("DejaVuSans-Bold.ttf", 44), fill=(180, 0, 0))
    side = int(size * 0.7)
    img.paste(code.resize((side, side), Image.Resampling.NEAREST), ((size - side) // 2, 160))
    d.text((40, 180 + side), "Oferta válida hoy", font=font("DejaVuSans.ttf", 36), fill="black")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def render_flyer(
    title: str,
    lines: Sequence[str],
    *,
    seed: int = 0,
    palette: tuple[tuple[int, int, int], tuple[int, int, int]] = ((20, 60, 160), (250, 120, 30)),
    size: int = 720,
    quality: int = 88,
) -> bytes:
    """A poster-like picture (gradient, shapes, a headline, a few lines) as JPEG: a viral flyer."""
    rng = random.Random(seed)
    width, height = size, int(size * 1.25)
    top, bottom = palette
    img = Image.new("RGB", (width, height))
    d = ImageDraw.Draw(img)
    for y in range(height):
        f = y / height
        d.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * f) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(9):
        r = rng.randint(size // 14, size // 4)
        x, y = rng.randint(0, width), rng.randint(0, height)
        shade = tuple(rng.randint(0, 255) for _ in range(3))
        d.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    d.rectangle((30, 30, width - 30, 30 + size // 5), fill=(255, 255, 255))
    d.text((50, 50), title, font=font("DejaVuSans-Bold.ttf", size // 16), fill=(170, 0, 0))
    body = font("DejaVuSans.ttf", size // 24)
    y = height // 2
    for line in lines:
        d.rectangle((30, y - 8, width - 30, y + size // 20), fill=(255, 255, 240))
        d.text((45, y), line, font=body, fill=(0, 0, 0))
        y += size // 12
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()
