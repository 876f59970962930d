"""Screenshot awareness: split OCR lines into status bar, UI chrome, sender line and bubbles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.matching.links import find_phones


@dataclass(frozen=True)
class Line:
    """One recognised text line with its box in image pixels and Tesseract's confidence."""

    text: str
    x0: int
    y0: int
    x1: int
    y1: int
    conf: float

    @property
    def height(self) -> int:
        """Box height in pixels."""
        return max(1, self.y1 - self.y0)


@dataclass(frozen=True)
class Layout:
    """What a screenshot's lines are: the bubbles' text, the sender line, what was dropped."""

    bubbles: tuple[str, ...]
    sender: str | None
    dropped: tuple[str, ...]
    screenshot: bool


# Phone status bars: a clock, a battery percentage, network names. Android and iOS both keep the
# bar within the top ~4 % of a portrait screenshot (24-48 px of 1080x2340); we look at the top 7 %
# so a header row that starts right under it is not mistaken for the bar.
STATUS_BAND = 0.07
# The chat header (back arrow, avatar, name or number, "en línea") sits under the bar, ending at
# ~10-12 % of a portrait screenshot; at 20 % the first bubble was taken for the sender.
HEADER_BAND = 0.13
# The input bar ("Mensaje", "Message") sits in the bottom ~10 %.
FOOTER_BAND = 0.9
# Portrait phone screens are 16:9 to 20:9; flyers and photos are rarely this tall.
MIN_SCREENSHOT_ASPECT = 1.5
# A gap of more than this many line heights between lines starts a new bubble.
BUBBLE_GAP = 0.9

_STATUS = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\d{1,3}\s?%|\b(?:LTE|4G|5G|3G|H\+|VoLTE|WiFi|Wi-Fi)\b", re.IGNORECASE
)
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_PERCENT = re.compile(r"\d{1,3}\s?%")
_INPUT_BAR = re.compile(
    r"^(?:mensaje|message|escribe un mensaje|type a message|text message|imessage)$", re.IGNORECASE
)
_CHROME = re.compile(
    r"^(?:[eo]n l[ií]nea|online|escribiendo\.*|typing\.*|[uú]lt\.? vez.*|last seen.*|visto.*"
    r"|mensaje|message|escribe un mensaje|type a message|text message|imessage|sms|mms"
    r"|hoy|today|ayer|yesterday|entregado|delivered|le[ií]do|read|editado|edited"
    r"|cifrado de extremo a extremo.*|.*end-to-end encrypted.*)$",
    re.IGNORECASE,
)
# Tesseract may read the header's name and its "en línea" under it as one line.
_PRESENCE_SUFFIX = re.compile(
    r"\s+(?:[eo]n l[ií]nea|online|escribiendo\.*|typing\.*|[uú]lt\.? vez.*|last seen.*)$",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s?[ap]\.?\s?m\.?)?\W*$", re.IGNORECASE)
_TRAILING_TIME = re.compile(
    r"\s+\d{1,2}:\d{2}(?:\s?[ap]\.?\s?m\.?)?\s*[✓√v/]{0,2}$", re.IGNORECASE
)
_LEADING_JUNK = re.compile(r"^[^\w+¿¡(\"'«]+")


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _is_status(line: Line, height: int) -> bool:
    if (line.y0 + line.y1) / 2 > STATUS_BAND * height:
        return False
    if _CLOCK.search(line.text) and _PERCENT.search(line.text):
        return True  # a clock and a battery level: nothing else looks like that
    # Whatever is left once clock, percentage and network names go is icons read as letters.
    rest = _STATUS.sub("", line.text)
    return bool(_STATUS.search(line.text)) and _alnum(rest) <= 4


def _is_chrome(text: str) -> bool:
    bare = text.strip(" .·•:<>|[]()")
    return bool(_CHROME.match(bare) or _TIMESTAMP.match(bare)) or _alnum(bare) < 2


def _sender_of(text: str) -> str | None:
    """The sender in a header line: a phone number if there is one, else a short name."""
    phones = find_phones(text)
    if phones:
        return " ".join(phones[0][0].split())
    name = _LEADING_JUNK.sub("", text).strip()
    # The avatar circle (or its initial) left of the name reads as one stray letter.
    name = re.sub(r"^(?:[^\W\d]|[a-z]{2})\s+(?=\w{2})", "", name)
    # A name or a short code: a few words, no sentence punctuation.
    if 0 < len(name) <= 40 and len(name.split()) <= 5 and not re.search(r"[.?!:,]$", name):
        return name
    return None


def _join(lines: list[Line]) -> str:
    out = ""
    for line in lines:
        text = line.text
        if not out:
            out = text
        elif out.endswith(("-", "/")) and not out.endswith((" -", " /")):
            out += text  # a hyphenated word or a URL wrapped at the bubble's edge
        else:
            out += " " + text
    return out


def analyse(lines: list[Line], width: int, height: int) -> Layout:
    """Classify lines of one image; only tall images with a status bar count as screenshots."""
    lines = sorted(lines, key=lambda ln: (ln.y0, ln.x0))
    status = [ln for ln in lines if _is_status(ln, height)]
    header = [ln for ln in lines if ln.y1 <= HEADER_BAND * height]
    presence = any(_PRESENCE_SUFFIX.search(" " + ln.text) for ln in header)
    input_bar = any(
        ln.y0 >= FOOTER_BAND * height and _INPUT_BAR.match(ln.text.strip(" .|")) for ln in lines
    )
    # Tall, with a status bar, a header's presence line or an input bar: a phone screenshot.
    tall = height / max(1, width) >= MIN_SCREENSHOT_ASPECT
    screenshot = tall and (bool(status) or presence or input_bar)
    dropped: list[str] = []
    sender: str | None = None
    body: list[Line] = []
    for ln in lines:
        if screenshot and ln in status:
            dropped.append(ln.text)
            continue
        # A bubble's own time stamp ends its last line; elsewhere a time is part of the text.
        text = _TRAILING_TIME.sub("", ln.text).strip() if screenshot else ln.text
        if screenshot and ln.y1 <= HEADER_BAND * height:
            text = _PRESENCE_SUFFIX.sub("", text)
        if screenshot and _is_chrome(text):
            dropped.append(ln.text)
            continue
        if screenshot and sender is None and ln.y1 <= HEADER_BAND * height and not body:
            sender = _sender_of(text)
            if sender is not None:
                continue
        if screenshot and ln.y1 <= HEADER_BAND * height and _alnum(text) <= 3:
            dropped.append(ln.text)  # avatar initials, icons read as letters
            continue
        body.append(Line(text, ln.x0, ln.y0, ln.x1, ln.y1, ln.conf))
    bubbles: list[list[Line]] = []
    for ln in body:
        prev = bubbles[-1][-1] if bubbles else None
        if prev is None or ln.y0 - prev.y1 > BUBBLE_GAP * prev.height:
            bubbles.append([ln])
        else:
            bubbles[-1].append(ln)
    return Layout(tuple(_join(b) for b in bubbles), sender, tuple(dropped), screenshot)
