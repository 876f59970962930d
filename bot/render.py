"""Verdict -> a localised Telegram message (HTML-escaped) with buttons, or terminal text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.i18n import Messages, default_messages
from bot.matching.types import Reason
from bot.verdict import Verdict

TELEGRAM_LIMIT = 4096
EXCERPT_CHARS = 280
_TAG = re.compile(r"<[^>]+>")
FAMILY_PREFIX = "lure-"  # generic families: their reasons say more than their matched words


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: label and callback data (≤ 64 bytes) or a URL."""

    text: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to send with parse_mode=HTML."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())


def esc(text: str) -> str:
    """Escape user-provided text for Telegram HTML and drop control characters."""
    if text.replace("\n", "").replace("\t", "").isprintable():  # the usual case, at C speed
        return html.escape(text, quote=False)
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return html.escape(cleaned, quote=False)


def excerpt(transcript: str, marks: tuple[str, ...], limit: int = EXCERPT_CHARS) -> str:
    """A short escaped excerpt of a transcript around the first evidence, marks in bold."""
    low = transcript.casefold()
    first = min((i for m in marks if (i := low.find(m.casefold())) >= 0), default=0)
    start = max(0, first - limit // 3)
    piece = transcript[start : start + limit]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + limit < len(transcript) else ""
    out = esc(piece)
    for m in sorted({m for m in marks if m and len(m) < 80}, key=len, reverse=True):
        out = re.sub(
            re.escape(esc(m)), lambda x: f"<b>{x.group(0)}</b>", out, count=1, flags=re.IGNORECASE
        )
    return f"{prefix}{out}{suffix}"


def render_verdict(
    v: Verdict, lang: str, *, messages: Messages | None = None, max_tips: int = 3
) -> str:
    """The verdict as Telegram HTML, at most 4,096 characters."""
    t = (messages or default_messages()).t
    best = v.matches[0] if v.matches else None
    # A hoax is not always a fraud: call it what it is ("known hoax"), not "known scam".
    hoax = best is not None and best.category == "hoax" and v.level != "no_match"
    parts = [t(lang, f"verdict.{v.level}" + (".hoax" if hoax else ""))]
    if best:
        parts[0] += f" — {esc(best.title)}"
        if best.via == "fingerprint":
            offset = f"{best.offset_seconds or 0:.0f}"
            parts.append(t(lang, "verdict.fingerprint", title=esc(best.title), offset=offset))
        picture = next((m for m in v.matches if m.image_distance is not None), None)
        if picture is not None and v.level != "no_match":
            parts.append(t(lang, "verdict.picture", title=esc(picture.title)))
        if best.summary:
            parts.append(esc(best.summary))
    if v.level == "no_match":
        parts.append(t(lang, "verdict.no_match_note"))
    if v.reasons and v.level != "no_match":
        lines = [f"• {reason_text(t, lang, r)}" for r in v.reasons]
        parts.append(f"<b>{t(lang, 'verdict.why')}</b>\n" + "\n".join(lines))
    specific = [m for m in v.matches[:2] if not m.pattern_id.startswith(FAMILY_PREFIX)]
    evidence = [e for m in specific for e in m.evidence if not e.startswith("≈")][:5]
    if best and evidence:
        quoted = ", ".join(f"«{esc(e[:80])}»" for e in dict.fromkeys(evidence))
        via = t(lang, f"verdict.via.{best.via}")
        label = t(lang, "verdict.words") if v.reasons else t(lang, "verdict.why")
        parts.append(f"<b>{label}</b> {quoted} ({via})")
    flags = [s for s in v.signals if s.id not in ("link", "money_amount", "phone_number")]
    if flags:
        labels = [
            t(lang, f"signal.{s.id}", date=s.evidence[0] if s.evidence else "") for s in flags[:6]
        ]
        parts.append(f"<b>{t(lang, 'verdict.signals')}</b> " + "; ".join(labels))
    if v.transcript:
        marks = tuple(e for m in v.matches for e in m.evidence if not e.startswith("≈"))
        parts.append(
            f"<b>{t(lang, 'verdict.transcript')}</b> <i>{excerpt(v.transcript, marks)}</i>"
        )
    for note in v.notes:
        if note.startswith("truncated:"):
            minutes = int(float(note.split(":", 1)[1]) // 60)
            parts.append(t(lang, "verdict.truncated", minutes=minutes))
    if v.tips and v.level != "no_match":
        lines = [f"• {esc(tip.text)}" for tip in v.tips[:max_tips]]
        parts.append(f"<b>{t(lang, 'verdict.tips')}</b>\n" + "\n".join(lines))
    if v.report:
        lines = []
        for r in v.report[:4]:
            contact = " · ".join(esc(x) for x in (r.phone, r.url) if x)
            flag = "" if r.verified else f" {t(lang, 'verdict.unverified')}"
            lines.append(f"• {esc(r.name)}: {contact}{flag}")
        parts.append(f"<b>{t(lang, 'verdict.report')}</b>\n" + "\n".join(lines))
    return fit("\n\n".join(parts))


def reason_text(t: Callable[..., str], lang: str, reason: Reason) -> str:
    """One reason as an escaped sentence in `lang`."""
    params = {k: esc(v[:80]) for k, v in reason.params}
    return t(lang, f"reason.{reason.key}", **params)


def fit(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """Trim whole paragraphs so the message stays within Telegram's limit."""
    if len(text) <= limit:
        return text
    paragraphs = text.split("\n\n")
    while len(paragraphs) > 1 and len("\n\n".join(paragraphs)) > limit - 2:
        paragraphs.pop(-2 if len(paragraphs) > 2 else -1)
    out = "\n\n".join(paragraphs)
    return out if len(out) <= limit else _TAG.sub("", out)[: limit - 1] + "…"


_COLORS = {"scam": "\x1b[1;31m", "suspicious": "\x1b[1;33m", "no_match": "\x1b[1;32m"}


def render_terminal(v: Verdict, *, color: bool = False) -> str:
    """A readable plain-text verdict for `ojo check` on a terminal."""
    lang = v.language
    body = render_verdict(v, lang, max_tips=6)
    body = html.unescape(_TAG.sub("", body))
    score = f"[{v.level} {v.score:.2f} · {v.elapsed_ms:.1f} ms]"
    if color:
        score = f"{_COLORS[v.level]}{score}\x1b[0m"
    return f"{score}\n{body}\n"
