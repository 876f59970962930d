"""Repair links broken by OCR or by filter-dodging scammers: `http //bit.ly/x`, `a movil.com`."""

from __future__ import annotations

import re

from bot.matching.links import TLDS

# "http //", "http:// ", "https: //", "hxxp://": a scheme with spaces or a missing colon.
_SCHEME = re.compile(r"\b(h[tx]{2}ps?)\s*[:;]?\s*/\s*/\s*", re.IGNORECASE)
_WWW = re.compile(r"\bwww\s*\.\s*", re.IGNORECASE)
_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)
_TLD_SET = frozenset(TLDS.split("|"))
MAX_PIECES = 4  # a host broken into more pieces than this is not worth guessing


def _host_part(token: str) -> str:
    """The host-looking start of a token ("movil.com/x" -> "movil.com")."""
    return re.split(r"[/?#:]", token, maxsplit=1)[0].rstrip(".,;")


def _is_host(candidate: str) -> bool:
    if not _HOST.match(candidate):
        return False
    return candidate.rsplit(".", 1)[-1].lower() in _TLD_SET


def repair_links(text: str) -> tuple[str, int]:
    """Return the text with broken links rejoined, and how many were repaired."""
    repairs = 0

    def scheme(m: re.Match[str]) -> str:
        nonlocal repairs
        scheme_text = m.group(1).lower().replace("x", "t")
        if m.group(0) != f"{m.group(1)}://":
            repairs += 1
        return f"{scheme_text}://"

    text = _SCHEME.sub(scheme, text)
    www_fixed = _WWW.sub("www.", text)
    if www_fixed != text and re.search(r"www\s+\.|www\.\s+", text, re.IGNORECASE):
        repairs += 1
    text = www_fixed
    out: list[str] = []
    pos = 0
    for m in re.finditer(r"(?:https?://|www\.)", text, re.IGNORECASE):
        if m.start() < pos:
            continue
        tail = text[m.end() :]
        pieces = re.split(r"(\s+)", tail, maxsplit=2 * MAX_PIECES)
        tokens = pieces[0::2]
        if not tokens or _is_host(_host_part(tokens[0])) or not tokens[0]:
            continue
        joined = ""
        for k, token in enumerate(tokens[:MAX_PIECES], 1):
            joined += token
            if k > 1 and _is_host(_host_part(joined)):
                consumed = sum(len(p) for p in pieces[: 2 * k - 1])
                out.append(text[pos : m.end()])
                out.append(joined)
                pos = m.end() + consumed
                repairs += 1
                break
    out.append(text[pos:])
    text = "".join(out)
    # "bancoestado .com", "2vly .com": a bare label, spaces, then a dot and a TLD.
    text, n = re.subn(r"(?<=[a-z0-9-])\s+\.(" + TLDS + r")\b", r".\1", text, flags=re.IGNORECASE)
    return text, repairs + n
