"""A compiled multi-phrase index (Aho-Corasick) that matches whole words only."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import ahocorasick

from bot.matching.normalize import needs_full_normalize, normalize_phrase, normalize_template

T = TypeVar("T")
MAX_VARIANTS = 4096


def _parse(phrase: str, pos: int, depth: int) -> tuple[list[str], int]:
    """Expand phrase[pos:] up to the closing brace of this depth; return variants and end."""
    variants = [""]
    options: list[str] = []
    while pos < len(phrase):
        ch = phrase[pos]
        if ch == "{":
            inner, pos = _parse(phrase, pos + 1, depth + 1)
            variants = [v + i for v in variants for i in inner]
        elif ch == "|" and depth > 0:
            options.extend(variants)
            variants = [""]
            pos += 1
        elif ch == "}" and depth > 0:
            return options + variants, pos + 1
        elif ch in "|}":
            raise ValueError(f"unexpected {ch!r} outside a {{…}} group")
        else:
            variants = [v + ch for v in variants]
            pos += 1
        if len(variants) + len(options) > MAX_VARIANTS:
            raise ValueError(f"more than {MAX_VARIANTS} variants")
    if depth > 0:
        raise ValueError("unbalanced {…} group")
    return variants, pos


@functools.lru_cache(maxsize=8192)
def normalized_variants(phrase: str) -> tuple[str, ...]:
    """Every variant of a phrase template, normalised (shared by the loader and the engine)."""
    out: dict[str, None] = {}
    for variant in expand_alternatives(normalize_template(phrase)):
        text = normalize_phrase(variant) if needs_full_normalize(variant) else variant
        if text:
            out.setdefault(text, None)
    return tuple(out)


def expand_alternatives(phrase: str) -> list[str]:
    """Expand `{a|b}` groups (nesting allowed) into every variant of the phrase."""
    variants, _ = _parse(phrase, 0, 0)
    return list(dict.fromkeys(" ".join(v.split()) for v in variants))


class PhraseIndex(Generic[T]):
    """Whole-word phrase search over normalised text; each phrase carries references."""

    def __init__(self) -> None:
        self._auto = ahocorasick.Automaton()
        self._refs: dict[str, list[T]] | None = {}
        self._size = 0
        self._built = False

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the build cache) without the key list: the automaton holds it too."""
        if not self._built:
            return dict(self.__dict__)
        return {**self.__dict__, "_refs": None}

    def _references(self) -> dict[str, list[T]]:
        if self._refs is None:  # loaded from the build cache: read the keys back
            self._refs = {key: list(refs) for key, (_, refs) in self._auto.items()}
        return self._refs

    def add(self, normalized_phrase: str, ref: T) -> None:
        """Register a normalised phrase; several references may share one phrase."""
        if not normalized_phrase:
            return
        # Padding with spaces makes every key a whole-word match on space-separated text:
        # "perdi" cannot match inside "perdiamos", "mama" matches "hola mama".
        key = f" {normalized_phrase} "
        refs = self._references()
        refs.setdefault(key, []).append(ref)
        self._size = len(refs)
        self._built = False

    def build(self) -> None:
        """Compile the automaton (call after the last add)."""
        self._auto = ahocorasick.Automaton()
        refs = self._references()
        for key, key_refs in refs.items():
            self._auto.add_word(key, (len(key), tuple(key_refs)))
        if refs:
            self._auto.make_automaton()
        self._built = True

    def __len__(self) -> int:
        return self._size

    def find(self, normalized_text: str) -> Iterator[tuple[T, int, int]]:
        """Yield (ref, start, end) for every whole-word occurrence in the normalised text."""
        if not self._size:
            return
        if not self._built:
            self.build()
        padded = f" {normalized_text} "
        for end, (length, refs) in self._auto.iter(padded):
            start = end - length + 1  # == start of the phrase in unpadded text
            for ref in refs:
                yield ref, start, end - 1
