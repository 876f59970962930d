"""Text normalisation: casefold, strip accents, fold homoglyphs and leetspeak, keep offsets."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Latin look-alikes from Cyrillic, Greek and fullwidth blocks that scammers use to dodge filters.
_HOMOGLYPHS = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "ɡ": "g",
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
}
# Digits and symbols read as letters, folded only inside words ("B1zum", "c0digo", "p@go").
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text (lower-case ASCII-ish words separated by single spaces) with offsets."""

    text: str
    offsets: tuple[int, ...]  # offsets[i] = index in the original text of normalised char i

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back to the original text."""
        return self.offsets[start], self.offsets[end - 1] + 1


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """Fold one character to zero or more lower-case base characters (or a space)."""
    if ch in _HOMOGLYPHS:
        return _HOMOGLYPHS[ch]
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me"):  # zero-width joiners, BOM, bidi marks, combining marks
        return ""
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if unicodedata.category(c) == "Mn":
            continue
        c = c.casefold()
        out.append(_HOMOGLYPHS.get(c, c))
    folded = "".join(out)
    if folded.isalnum() or folded in _LEET:
        return folded
    return " "


def _is_letter(s: str) -> bool:
    return bool(s) and s.isalpha()


def normalize(text: str) -> Normalized:
    """Normalise `text` for matching, remembering where each character came from."""
    chars: list[str] = []
    offs: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            chars.append(c)
            offs.append(i)
    # Leetspeak: a digit or symbol between two letters is a letter in disguise ("m0vil").
    n = len(chars)
    for i, c in enumerate(chars):
        if c in _LEET:
            prev = chars[i - 1] if i > 0 else ""
            nxt = chars[i + 1] if i + 1 < n else ""
            symbol_starts_word = c in "@$" and _is_letter(nxt) and prev in ("", " ")
            if symbol_starts_word or (_is_letter(prev) and _is_letter(nxt)):
                chars[i] = _LEET[c]
            elif c in "@$":
                chars[i] = " "
    # Collapse runs of spaces and trim, keeping offsets aligned.
    out: list[str] = []
    out_offs: list[int] = []
    for c, o in zip(chars, offs, strict=True):
        if c == " " and (not out or out[-1] == " "):
            continue
        out.append(c)
        out_offs.append(o)
    if out and out[-1] == " ":
        out.pop()
        out_offs.pop()
    return Normalized("".join(out), tuple(out_offs))


def normalize_phrase(phrase: str) -> str:
    """Normalise a phrase from a content pack (no offsets needed)."""
    return normalize(phrase).text


_BRACES = frozenset("{|}")
_NEEDS_FULL = frozenset("0123456789@$")


def normalize_template(template: str) -> str:
    """Fold a phrase template character by character, keeping its `{a|b}` structure.

    Expanding first and normalising every variant cost ~90,000 normalisations at start-up for
    the shipped patterns; folding the template once is equivalent except for leetspeak, which
    depends on neighbours: variants with digits or @/$ are normalised in full afterwards.
    """
    return "".join(ch if ch in _BRACES else _fold_char(ch) for ch in template)


def needs_full_normalize(variant: str) -> bool:
    """Whether a variant expanded from a folded template may still hold leetspeak."""
    return not _NEEDS_FULL.isdisjoint(variant)
