"""Read what people forward as pictures: screenshot text, sender line, links, QR codes, a hash.

`read_image` is synchronous and CPU-bound: callers run it in a worker thread or pool, never on the
event loop. Tesseract (tesserocr's wheel bundles libtesseract; the Spanish and English language
data come from Debian's tesseract-ocr-spa / -eng, see docs/ocr.md) reads the text.
"""

from __future__ import annotations

import io
import logging
import os
import re
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

import tesserocr
import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.analysis.images.layout import Line, analyse
from bot.analysis.images.phash import crop_hashes, image_hash
from bot.errors import (
    AnalysisTimeout,
    MediaCorrupt,
    MediaEmpty,
    MediaTooLarge,
    MediaUnsupported,
    ModelError,
)
from bot.matching.linkfix import repair_links
from bot.matching.links import find_links

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # Telegram's bot download limit
# Decoding 100 Mpx takes ~300 MB before we can shrink it: refuse larger pictures outright.
MAX_PIXELS = 100_000_000
# Phone screenshots are 1080-1440 px wide and up to ~3200 tall; beyond this we only lose time.
MAX_SIDE = 2560
# Tesseract reads best with an x-height of 20+ px: narrow thumbnails are enlarged to this width.
MIN_WIDTH = 720
TIMEOUT_S = 5.0
# Tesseract cancels recognition at its deadline but not layout analysis, which took 6.5 s on a
# 2000x2560 page packed with text (0.05 s on a phone screenshot). So OCR runs on these threads and
# the caller stops waiting at the deadline; an abandoned job ends after layout, when Tesseract
# sees its own deadline has passed. Two threads: the machines have two cores.
OCR_THREADS = 2
_POOL = ThreadPoolExecutor(max_workers=OCR_THREADS, thread_name_prefix="ocr")
LANGUAGES = "spa+eng"
# Lines Tesseract is this unsure about (0-100) are icons, avatars or noise, except links: its
# language model dislikes them, and URL lines that it read right scored 9-29 in bench_ocr.
MIN_CONFIDENCE = 30.0
_LINKISH = re.compile(r"h[tx]{2}ps?\s*[:;]?\s*/|www\s*\.|\w\.[a-z]{2,}(?:/|\b)", re.IGNORECASE)
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


@dataclass(frozen=True)
class ImageReading:
    """What one image says: bubbles' text in reading order, sender, links, QR payloads, hash."""

    text: str  # the message text: bubbles joined by newlines (status bar and chrome dropped)
    bubbles: tuple[str, ...]
    sender: str | None  # the chat header's number or name, e.g. "+34 612 345 678"
    links: tuple[str, ...]  # URLs in the text (OCR breaks repaired) and in QR codes, in order
    qr_payloads: tuple[str, ...]
    phash: str  # 64 hex digits; compare with bot.analysis.images.phash.hash_distance
    screenshot: bool  # laid out as a phone screenshot (status bar found, portrait)
    dropped: tuple[str, ...]  # status bar and UI chrome lines left out of `text`
    links_repaired: int
    width: int  # as sent
    height: int
    downscaled: bool


def tessdata_dir() -> str:
    """The directory holding spa/eng.traineddata (TESSDATA_PREFIX or Debian's paths)."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS]
    for d in candidates:
        if d and all((Path(d) / f"{lang}.traineddata").exists() for lang in LANGUAGES.split("+")):
            return d
    raise ModelError("tesseract language data missing: install tesseract-ocr-spa (make ocr-deps)")


_local = threading.local()


def _api() -> tesserocr.PyTessBaseAPI:
    """One Tesseract instance per thread (an instance is not thread-safe; start-up ~0.2 s)."""
    api = getattr(_local, "api", None)
    if api is None:
        api = tesserocr.PyTessBaseAPI(
            path=tessdata_dir(),
            lang=LANGUAGES,
            psm=tesserocr.PSM.AUTO,
            oem=tesserocr.OEM.LSTM_ONLY,
        )
        _local.api = api
    return api


def decode(data: bytes, *, max_side: int = MAX_SIDE) -> tuple[Image.Image, tuple[int, int], bool]:
    """Decode to RGB within `max_side`; return the image, its size as sent, and if it shrank."""
    if not data:
        raise MediaEmpty("no bytes")
    if len(data) > MAX_BYTES:
        raise MediaTooLarge(f"{len(data)} bytes", limit_mb=MAX_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            encoded = Image.open(io.BytesIO(data))
            size = encoded.size
            if size[0] * size[1] > MAX_PIXELS:
                raise MediaTooLarge(f"{size[0]}x{size[1]} px", limit_mb=MAX_BYTES // 2**20)
            # JPEG can decode straight at 1/2, 1/4, 1/8 scale: cheap for huge photos.
            encoded.draft("RGB", (max_side, max_side))
            image = ImageOps.exif_transpose(encoded.convert("RGB"))
    except UnidentifiedImageError as exc:
        raise MediaUnsupported("not an image") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge("too many pixels") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaCorrupt(type(exc).__name__) from exc
    downscaled = max(image.size) > max_side or image.size != size
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image, size, downscaled


def _qr_payloads(image: Image.Image) -> tuple[str, ...]:
    formats = zxingcpp.BarcodeFormats(
        (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode)
    )
    found = zxingcpp.read_barcodes(image, formats=formats)
    return tuple(dict.fromkeys(b.text for b in found if b.valid and b.text))


def _ocr_lines(image: Image.Image, deadline: float) -> list[Line]:
    scale = 1.0
    if image.width < MIN_WIDTH:
        scale = MIN_WIDTH / image.width
        image = image.resize((MIN_WIDTH, round(image.height * scale)), Image.Resampling.LANCZOS)
    remaining_ms = int((deadline - time.monotonic()) * 1000)
    if remaining_ms <= 0:
        raise AnalysisTimeout("before OCR")
    api = _api()
    api.SetImage(image.convert("L"))
    if not api.Recognize(timeout=remaining_ms):
        api.Clear()
        raise AnalysisTimeout(f"OCR over {remaining_ms} ms")
    lines: list[Line] = []
    level = tesserocr.RIL.TEXTLINE
    iterator = api.GetIterator()
    for item in tesserocr.iterate_level(iterator, level):
        text = " ".join((item.GetUTF8Text(level) or "").split())
        box = item.BoundingBox(level)
        if not text or box is None:
            continue
        conf = float(item.Confidence(level))
        if conf < MIN_CONFIDENCE and not _LINKISH.search(text):
            continue
        x0, y0, x1, y1 = (round(v / scale) for v in box)
        lines.append(Line(text, x0, y0, x1, y1, conf))
    api.Clear()
    return lines


def read_image(
    data: bytes, *, max_side: int = MAX_SIDE, timeout_s: float = TIMEOUT_S
) -> ImageReading:
    """Read an encoded image (JPEG, PNG, WebP, GIF...) into text, sender, links, QR and hash.

    Raises MediaEmpty, MediaTooLarge (over 20 MB or 100 Mpx, checked before decoding pixels),
    MediaUnsupported (not an image), MediaCorrupt, AnalysisTimeout, ModelError (no tessdata).
    """
    deadline = time.monotonic() + timeout_s
    image, (width, height), downscaled = decode(data, max_side=max_side)
    qr = _qr_payloads(image)
    job = _POOL.submit(_ocr_lines, image, deadline)
    try:
        lines = job.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout as exc:
        job.cancel()
        raise AnalysisTimeout(f"OCR over {timeout_s} s") from exc
    layout = analyse(lines, image.width, image.height)
    repaired = 0
    bubbles = []
    for bubble in layout.bubbles:
        fixed, n = repair_links(bubble)
        bubbles.append(fixed)
        repaired += n
    text = "\n".join(bubbles)
    links = [link.text for link in find_links(text)]
    links += [p for p in qr if find_links(p)]
    logger.debug(
        "image %dx%d: %d bubbles, %d links, %d QR",
        width,
        height,
        len(bubbles),
        len(links),
        len(qr),
    )
    return ImageReading(
        text=text,
        bubbles=tuple(bubbles),
        sender=layout.sender,
        links=tuple(dict.fromkeys(links)),
        qr_payloads=qr,
        phash=image_hash(image),
        screenshot=layout.screenshot,
        dropped=layout.dropped,
        links_repaired=repaired,
        width=width,
        height=height,
        downscaled=downscaled,
    )


def picture_hashes(data: bytes, *, max_side: int = MAX_SIDE) -> list[str]:
    """What a known image stores: the hashes of the picture and of its crops (no pixels)."""
    image, _size, _downscaled = decode(data, max_side=max_side)
    return crop_hashes(image)
