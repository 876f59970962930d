"""Repair what speech recognition does to the words scams depend on.

"se me rompió el molí ... me haya sumbizum" -> "se me rompio el movil ... me haya sum bizum".
Words are compared by a sound-alike key (Spanish and English spellings of the same sound fold
together: v/b, z/c/s, ll/y, silent h, qu/k, ph/f) and corrected towards the engine's own
vocabulary only when one known word is within one or two edits, so ordinary speech is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from bot.matching.phrases import normalized_variants

MIN_WORD = 4  # shorter words are too ambiguous to correct
MIN_SUFFIX = 5  # "sumbizum" -> "sum bizum" only for vocabulary words this long
_RULES = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"qu"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"ch"), "X"),
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"w"), "u"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"(?<![sX])h"), ""),
    (re.compile(r"x"), "ks"),
    (re.compile(r"y$"), "i"),
    (re.compile(r"(.)\1+"), r"\1"),
)


def sound_key(word: str) -> str:
    """A sound-alike key for a normalised (lower-case ASCII) word."""
    key = word
    for rx, repl in _RULES:
        key = rx.sub(repl, key)
    return key


def vocabulary(phrases: Iterable[str]) -> set[str]:
    """Words worth repairing in transcripts: every word of the engine's phrase templates."""
    words: set[str] = set()
    for phrase in phrases:
        for variant in normalized_variants(phrase)[:64]:
            words.update(variant.split())
    return words


class AsrRepair:
    """Corrects mis-heard words of a transcript towards a vocabulary of scam-relevant words."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        words = {w for w in vocabulary if len(w) >= MIN_WORD and w.isalpha()}
        self._known = frozenset(words)
        by_key: dict[str, str] = {}
        for w in sorted(words):
            by_key.setdefault(sound_key(w), w)
        self._by_key = by_key
        self._keys = sorted(by_key)
        self._suffixes = sorted(
            (k for k in by_key if len(k) >= MIN_SUFFIX), key=lambda k: (-len(k), k)
        )

    def __len__(self) -> int:
        return len(self._by_key)

    def repair(self, normalized_text: str) -> str:
        """Return the text with mis-heard vocabulary words corrected (or the text unchanged)."""
        tokens = normalized_text.split()
        out: list[str] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            # "trans ferencia": two pieces that make one known word.
            if i + 1 < len(tokens) and tok not in self._known:
                joined = tok + tokens[i + 1]
                hit = self._by_key.get(sound_key(joined))
                if hit and tokens[i + 1] not in self._known:
                    out.append(hit)
                    i += 2
                    continue
            out.extend(self._fix(tok))
            i += 1
        return " ".join(out)

    def _fix(self, tok: str) -> list[str]:
        if len(tok) < MIN_WORD or tok in self._known or not tok.isalpha():
            return [tok]
        key = sound_key(tok)
        exact = self._by_key.get(key)
        if exact:
            return [exact]
        limit = 1 if len(key) < 8 else 2
        best = extractOne(key, self._keys, scorer=Levenshtein.distance, score_cutoff=limit)
        if best is not None and best[0][0] == key[0]:
            return [self._by_key[best[0]]]
        # "sumbizum": a known word glued to what came before it.
        for suffix in self._suffixes:
            if len(key) > len(suffix) + 1 and key.endswith(suffix):
                return [tok[: len(tok) - len(suffix)], self._by_key[suffix]]
        return [tok]
