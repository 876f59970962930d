"""Find links, phone numbers and money amounts in raw text; judge domains."""

from __future__ import annotations

import re
from dataclasses import dataclass

TLDS = (
    "com|net|org|info|biz|io|co|es|mx|ar|cl|pe|pa|uk|us|eu|de|fr|it|pt|br|ve|ec|bo|py|uy|cr|gt|"
    "hn|sv|ni|do|cu|ca|au|in|cn|ru|xyz|top|icu|cloud|online|click|live|shop|site|store|app|dev|"
    "me|ly|gd|cc|tk|ml|ga|cf|gq|link|to|be|gl|vip|win|bid|loan|work|buzz|rest|monster|cyou|sbs|"
    "lat|support|help|services|digital|today|world|life|club|fun|space|website|pw|su|ws|tv|gov|"
    "edu|mobi|pro|page|ink|one|xin|cam|fit|quest|cfd|mom|bond|asia|id|ng|za|tr|pk|ph|vn|th"
)
_URL = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"'()]+"
    r"|(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:" + TLDS + r")(?![\w-])"
    r"(?:/[^\s<>\"']*)?)",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \t().-]{6,18}\d(?!\w)")
_MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d.,]*(?:\s?(?:mil|k|millones))?"
    r"|\b\d[\d.,]*\s?(?:€|\$|£|k\b|mil\b|euros?\b|eur\b|usd\b|d[oó]lares\b|dollars?\b|bucks\b|"
    r"pesos\b|soles\b|cop\b|mxn\b|ars\b|clp\b|pen\b|libras\b|pounds?\b|quid\b|usdt\b|btc\b|"
    r"balboas?\b|bolivares\b))",
    re.IGNORECASE,
)
# Transcripts spell amounts out ("two thousand dollars", "trescientos euros").
_NUMBER_WORDS = (
    r"(?:\w+\s+)?(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|"
    r"hundred|thousand|grand|million|un|una|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|"
    r"veinte|treinta|cincuenta|cien|ciento|cientos|doscientos|trescientos|cuatrocientos|"
    r"quinientos|seiscientos|setecientos|ochocientos|novecientos|mil|millones|lucas|palos)"
)
_SPELLED_MONEY = re.compile(
    r"\b" + _NUMBER_WORDS + r"\s+(?:de\s+)?(?:d[oó]lares|dollars?|euros?|pesos|soles|libras|"
    r"pounds?|bucks|quid|balboas?|bolivianos|lempiras|quetzales)\b",
    re.IGNORECASE,
)
_SECOND_LEVEL = {
    "com",
    "co",
    "gob",
    "gov",
    "org",
    "net",
    "edu",
    "ac",
    "mil",
    "nom",
    "int",
    "gv",
    "or",
}


@dataclass(frozen=True, slots=True)
class Link:
    """A URL or bare domain found in a message."""

    text: str
    host: str
    registered: str  # e.g. "bancolombia.com.co" for "www.bancolombia.com.co"
    span: tuple[int, int]


def registered_domain(host: str) -> str:
    """The registrable part of a host name (handles com.co, gob.mx, co.uk, ...)."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def find_links(text: str) -> list[Link]:
    """Every URL or bare domain in `text`."""
    links = []
    for m in _URL.finditer(text):
        raw = m.group("url").rstrip(".,;:!?)»”")
        host = re.sub(r"^(?:https?://)?", "", raw, flags=re.IGNORECASE).split("/")[0]
        host = host.split("?")[0].split("#")[0].split(":")[0].lower().rstrip(".")
        if host.startswith("www."):
            host = host[4:]
        if "." not in host:
            continue
        links.append(Link(raw, host, registered_domain(host), (m.start(), m.start() + len(raw))))
    return links


def find_phones(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Phone-number-like digit runs (8 to 15 digits) with their spans."""
    out = []
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        # Amounts like 1.500.000 and dates are not phones: require 8+ digits and no thousands dots.
        if 8 <= len(digits) <= 15 and not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", m.group()):
            out.append((m.group().strip(), (m.start(), m.end())))
    return out


def find_amounts(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Money amounts with a currency, with their spans."""
    out = []
    for m in _MONEY.finditer(text):
        raw = m.group().rstrip(".,")
        out.append((raw.strip(), (m.start(), m.start() + len(raw))))
    out.extend((m.group(), (m.start(), m.end())) for m in _SPELLED_MONEY.finditer(text))
    return out


def phone_digits(phone: str) -> str:
    """Digits of a phone number, for comparison by suffix."""
    return re.sub(r"\D", "", phone)


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def is_lookalike(host: str, brands: dict[str, list[str]]) -> str | None:
    """Return the brand a host imitates (brand words or a near-miss spelling), if any."""
    if any(host == d or host.endswith("." + d) for ds in brands.values() for d in ds):
        return None
    labels = registered_domain(host).split(".")[0]
    tokens = set(re.split(r"[-.]", host)) | {labels}
    folded = host.replace("0", "o").replace("1", "l").replace("rn", "m")
    for brand in brands:
        if len(brand) >= 4 and (brand in host or brand in folded):
            return brand
        limit = 1 if len(brand) < 9 else 2
        if len(brand) >= 6 and any(
            0 < edit_distance(t, brand, limit) <= limit for t in tokens if len(t) >= 5
        ):
            return brand
    return None
