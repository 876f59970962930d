"""Phrase proposals for a new pattern: distinctive 2-4-word n-grams absent from the corpus."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.matching.normalize import normalize

MIN_N, MAX_N = 2, 4
CLAUSE_BREAK = re.compile(r"[.,;:!?¿¡…\n]+")
DEFAULT_LIMIT = 5
# Weights: a phrase whose content words never occur in the corpus is strong evidence; one made of
# everyday words is weaker. Three weak hits (1 - 0.55**3 = 0.83) or two strong ones (0.84) reach
# the default scam threshold of 0.8, so one stray hit alone never flags a message.
STRONG, MEDIUM, WEAK = 0.6, 0.5, 0.45
MIN_HITS = 2
# Function words that make poor phrase edges ("de la", "that the"): a phrase must start and end
# with a content word so it stays meaningful when transcripts drop small words.
STOPWORDS = frozenset(
    """
    a al algo alguien ante antes asi aun cada como con contra cual cuando de del desde donde dos e
    el ella ellas ello ellos en entre era eres es esa ese eso esta estas este esto estos esta estoy
    fue ha han has hay he la las le les lo los mas me mi mis muy nada ni no nos o os otra otro para
    pero poco por porque que quien se sea ser si sin sobre solo son soy su sus tambien tan te tengo
    ti tu tus un una uno unos unas usted ustedes va vas y ya yo
    about after all also am an and any are as at be been but by can could did do does for from
    get got had has have he her him his how i if in into is it its just me my no not of on or our
    out so than that the their them then there they this to too up us was we were what when which
    who will with would you your
    """.split()
)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed phrase (normalised words, as the engine matches them) and its weight."""

    phrase: str
    weight: float


class CorpusIndex:
    """The false-alarm corpus as normalised n-grams and word document frequencies."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.ngrams: set[str] = set()
        self.df: Counter[str] = Counter()
        self.size = 0
        for text in texts:
            words = normalize(text).text.split()
            self.size += 1
            self.df.update(set(words))
            for n in range(MIN_N, MAX_N + 1):
                for i in range(len(words) - n + 1):
                    self.ngrams.add(" ".join(words[i : i + n]))

    def occurs(self, phrase: str) -> bool:
        """Whether the phrase (normalised, space-separated) occurs in some corpus message."""
        return phrase in self.ngrams

    def idf(self, word: str) -> float:
        """Inverse document frequency of a word (rare words are distinctive)."""
        return math.log((self.size + 1) / (self.df[word] + 1)) + 1.0


def propose_phrases(
    text: str,
    corpus: CorpusIndex,
    *,
    taken: Iterable[str] = (),
    limit: int = DEFAULT_LIMIT,
) -> tuple[Proposal, ...]:
    """Up to `limit` distinctive, non-overlapping n-grams of `text` that the corpus lacks."""
    skip = {normalize(t).text for t in taken}
    candidates: list[tuple[float, int, int, str]] = []
    seen: set[str] = set()
    for i, n, gram in _grams(text):
        phrase = " ".join(gram)
        if phrase in seen or phrase in skip or not _eligible(gram) or corpus.occurs(phrase):
            continue
        seen.add(phrase)
        content = [w for w in gram if _is_content(w)]
        # Rare words score high; dividing by sqrt(n) keeps short phrases competitive, and short
        # phrases survive a transcript that mishears one word nearby.
        score = sum(corpus.idf(w) for w in content) / math.sqrt(n)
        candidates.append((score, i, n, phrase))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    used: set[int] = set()
    chosen: list[tuple[int, Proposal]] = []
    for _score, i, n, phrase in candidates:
        span = set(range(i, i + n))
        if span & used:
            continue
        used |= span
        chosen.append((i, Proposal(phrase, _weight(phrase.split(), corpus))))
        if len(chosen) == limit:
            break
    chosen.sort(key=lambda c: c[0])  # in reading order: easier for a moderator to check
    return tuple(p for _, p in chosen)


def _grams(text: str) -> Iterator[tuple[int, int, list[str]]]:
    """(position, length, words) of every n-gram inside one clause (never across punctuation)."""
    position = 0
    for clause in CLAUSE_BREAK.split(text):
        words = normalize(clause).text.split()
        for n in range(MIN_N, MAX_N + 1):
            for i in range(len(words) - n + 1):
                yield position + i, n, words[i : i + n]
        position += len(words) + MAX_N  # a gap, so n-grams of two clauses never "overlap"


def _is_content(word: str) -> bool:
    return len(word) >= 3 and word not in STOPWORDS and not word.isdigit()


def _eligible(gram: Sequence[str]) -> bool:
    if not (_is_content(gram[0]) and _is_content(gram[-1])):
        return False
    return sum(_is_content(w) for w in gram) >= 2


def _weight(gram: Sequence[str], corpus: CorpusIndex) -> float:
    content = [w for w in gram if _is_content(w)]
    unseen = sum(corpus.df[w] == 0 for w in content)
    if unseen == len(content):
        return STRONG
    if unseen:
        return MEDIUM
    return WEAK
