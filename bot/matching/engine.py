"""The matching engine: text in, explainable matches out. Pure: no I/O, no Telegram."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import re2

from bot.content.models import EngineConfig, Example, Pattern
from bot.matching.langdetect import detect_language
from bot.matching.links import find_links, find_phones, phone_digits
from bot.matching.normalize import normalize
from bot.matching.paraphrase import Encoder, ParaphraseIndex
from bot.matching.phrases import PhraseIndex, normalized_variants
from bot.matching.signals import SignalDetector
from bot.matching.types import EngineResult, Hit, Level, Match, SignalHit, Via

# Evidence from infrastructure a pattern lists (a known scam domain or phone number) is strong.
KNOWN_DOMAIN_WEIGHT = 0.7
KNOWN_PHONE_WEIGHT = 0.7
MIN_PARAPHRASE_WORDS = 4  # shorter texts embed too vaguely to compare


@dataclass
class _Compiled:
    pattern: Pattern
    phrases: list[tuple[str, float]] = field(default_factory=list)  # (phrase as written, weight)
    regexes: list[tuple[re2._Regexp, str, float]] = field(default_factory=list)
    domains: set[str] = field(default_factory=set)
    phones: list[str] = field(default_factory=list)


def _example_text(e: str | Example) -> str:
    return e if isinstance(e, str) else e.text


class Engine:
    """Matches texts against a set of patterns and reports why."""

    def __init__(
        self,
        patterns: Iterable[Pattern],
        config: EngineConfig,
        encoder: Encoder | None = None,
    ) -> None:
        self.config = config
        self.signals = SignalDetector(config)
        self._compiled: list[_Compiled] = []
        self._index: PhraseIndex[tuple[int, int]] = PhraseIndex()
        self._domains: dict[str, list[int]] = {}
        for p in patterns:
            if p.status == "active":
                self._add(p)
        self._index.build()
        # Only these need a per-pattern pass; the rest are found through the phrase index.
        self._with_regex_or_phone = [
            i for i, c in enumerate(self._compiled) if c.regexes or c.phones
        ]
        self._paraphrase: ParaphraseIndex | None = None
        if encoder is not None and config.paraphrase.enabled:
            examples = [
                (i, _example_text(e))
                for i, c in enumerate(self._compiled)
                for lang in ("es", "en")
                for e in getattr(c.pattern.examples.match, lang)
                if isinstance(e, str) or e.expect == "scam"
            ]
            self._paraphrase = ParaphraseIndex(encoder, examples)

    def _add(self, p: Pattern) -> None:
        i = len(self._compiled)
        c = _Compiled(p)
        for phrases in p.match.phrases.values():
            for phrase, weight in phrases.items():
                j = len(c.phrases)
                c.phrases.append((phrase, weight))
                for variant in normalized_variants(phrase):
                    self._index.add(variant, (i, j))
        for rule in p.match.regexes:
            c.regexes.append((re2.compile(rule.pattern), rule.pattern, rule.weight))
        for d in p.match.domains:
            c.domains.add(d.lower())
            self._domains.setdefault(d.lower(), []).append(i)
        c.phones = [phone_digits(ph)[-9:] for ph in p.match.phones]
        self._compiled.append(c)

    @property
    def pattern_count(self) -> int:
        """Number of active patterns compiled."""
        return len(self._compiled)

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        """The active patterns, in index order."""
        return tuple(c.pattern for c in self._compiled)

    @functools.cached_property
    def by_id(self) -> dict[str, Pattern]:
        """The active patterns by id (shipped and moderator ones alike)."""
        return {c.pattern.id: c.pattern for c in self._compiled}

    def analyze(
        self,
        text: str,
        *,
        via: Via = "text",
        extra_signals: Sequence[SignalHit] = (),
        lang_hint: str | None = None,
        leave_one_out: bool = False,
    ) -> EngineResult:
        """Analyse one text; `leave_one_out` hides identical examples (for validation)."""
        norm = normalize(text)
        signals = self.signals.detect(text, norm)
        for s in extra_signals:
            signals[s.id] = s
        hits: dict[int, dict[str, Hit]] = {}

        def add(i: int, hit: Hit) -> None:
            bucket = hits.setdefault(i, {})
            key = f"{hit.kind}:{hit.key}"
            if key not in bucket or bucket[key].weight < hit.weight:
                bucket[key] = hit

        for (i, j), start, end in self._index.find(norm.text):
            phrase, weight = self._compiled[i].phrases[j]
            span = norm.span(start, end)
            add(i, Hit("phrase", phrase, weight, text[span[0] : span[1]], span))
        phones: list[tuple[str, tuple[int, int]]] | None = None
        for i in self._with_regex_or_phone:
            c = self._compiled[i]
            for rx, source, weight in c.regexes:
                m = rx.search(norm.text)
                if m:
                    span = norm.span(m.start(), m.end())
                    add(i, Hit("regex", source, weight, text[span[0] : span[1]], span))
            if c.phones:
                if phones is None:
                    phones = find_phones(text)
                for phone, span in phones:
                    if phone_digits(phone)[-9:] in c.phones:
                        add(i, Hit("phone", phone, KNOWN_PHONE_WEIGHT, phone, span))
        if self._domains:
            for link in find_links(text):
                labels = link.host.split(".")
                for k in range(len(labels) - 1):
                    for i in self._domains.get(".".join(labels[k:]), []):
                        add(i, Hit("domain", link.host, KNOWN_DOMAIN_WEIGHT, link.text, link.span))
        para = self.config.paraphrase
        if self._paraphrase is not None and len(norm.text.split()) >= MIN_PARAPHRASE_WORDS:
            for near in self._paraphrase.nearest(
                text, para.min_similarity, leave_out=leave_one_out
            ):
                frac = (near.similarity - para.min_similarity) / max(1e-6, 1 - para.min_similarity)
                weight = para.weight_at_min + frac * (para.weight_at_one - para.weight_at_min)
                quoted = near.example if len(near.example) <= 80 else near.example[:77] + "…"
                evidence = f"≈ «{quoted}» ({near.similarity:.2f})"
                add(near.owner, Hit("paraphrase", "example", round(weight, 3), evidence))
        matches = [m for i, h in hits.items() if (m := self._score(i, h, signals, via))]
        matches.sort(key=lambda m: (-m.score, m.pattern_id))
        level: Level = "no_match"
        score = 0.0
        if matches:
            level, score = matches[0].level, matches[0].score
        risk = self.signals.risk(signals)
        if level == "no_match" and risk >= self.config.signals_suspicious:
            level = "suspicious"
        score = max(score, risk * self.config.thresholds.scam)  # signals alone never reach scam
        language = lang_hint or detect_language(norm.text)
        ordered = tuple(sorted(signals.values(), key=lambda s: s.id))
        return EngineResult(level, round(score, 4), language, tuple(matches), ordered)

    def _score(
        self, i: int, own: dict[str, Hit], signals: dict[str, SignalHit], via: Via
    ) -> Match | None:
        """Combine one pattern's hits into a Match, or None when its rules are not met."""
        c = self._compiled[i]
        rules = c.pattern.match
        if any(s not in signals for s in rules.requires_signals):
            return None
        if rules.requires_any_signal and not any(s in signals for s in rules.requires_any_signal):
            return None
        all_hits = list(own.values())
        for sid, weight in rules.signals.items():
            if sid in signals:
                sig = signals[sid]
                span = sig.spans[0] if sig.spans else None
                all_hits.append(Hit("signal", sid, weight, sig.evidence[0], span))
        if len(all_hits) < rules.min_hits:
            return None
        remaining = 1.0
        for h in all_hits:
            remaining *= 1.0 - h.weight
        score = 1.0 - remaining
        th = self.config.thresholds
        if score < th.suspicious:
            return None
        level: Level = "scam" if score >= th.scam else "suspicious"
        strongest = max(own.values(), key=lambda h: h.weight)
        match_via: Via = {"domain": "link", "phone": "phone"}.get(strongest.kind, via)  # type: ignore[assignment]
        ordered = tuple(sorted(all_hits, key=lambda h: -h.weight))
        p = c.pattern
        return Match(p.id, p.category, p.severity, round(score, 4), level, match_via, ordered)
