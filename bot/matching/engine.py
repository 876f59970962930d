"""The matching engine: text in, explainable matches out. Pure: no I/O, no Telegram."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import re2

from bot.content.models import EngineConfig, Example, Pattern
from bot.matching.asr import AsrRepair, vocabulary
from bot.matching.decide import Decision, noisy_or
from bot.matching.features import PatternFacts, extract
from bot.matching.langdetect import detect_language
from bot.matching.links import find_links, find_phones, phone_digits
from bot.matching.lure import LureAnalyzer, LureReport
from bot.matching.normalize import Normalized, normalize
from bot.matching.paraphrase import Encoder, Nearest, ParaphraseIndex
from bot.matching.phrases import PhraseIndex, normalized_variants
from bot.matching.scorer import Scorer
from bot.matching.signals import SignalDetector
from bot.matching.types import EngineResult, Hit, Level, Match, SignalHit, Via
from bot.matching.windows import windows

# Evidence from infrastructure a pattern lists (a known scam domain or phone number) is strong.
KNOWN_DOMAIN_WEIGHT = 0.7
KNOWN_PHONE_WEIGHT = 0.7
MIN_PARAPHRASE_WORDS = 4  # shorter texts embed too vaguely to compare
PARA_FLOOR = 0.5  # similarities below this say nothing; para_max maps [0.5, 1] to [0, 1]
PARAPHRASE_WINDOWS = 3  # windows of a long text that get a sentence embedding


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
        self.lures = LureAnalyzer(config)
        self.scorer = Scorer(config.scorer) if config.scorer else None
        self._compiled: list[_Compiled] = []
        self._index: PhraseIndex[tuple[int, int]] = PhraseIndex()
        self._domains: dict[str, list[int]] = {}
        self._families: list[Pattern] = []
        for p in patterns:
            if p.status != "active":
                continue
            if p.match.lure is not None:
                self._families.append(p)
            self._add(p)
        self._index.build()
        lexicon = [p for lex in config.lexicon.values() for p in [*lex.es, *lex.en]]
        phrases = [phrase for c in self._compiled for phrase, _ in c.phrases]
        self._asr = AsrRepair(vocabulary([*lexicon, *phrases]))
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

    def attach_encoder(self, encoder: Encoder) -> None:
        """Give an engine loaded from the build cache its sentence encoder back."""
        if self._paraphrase is not None:
            self._paraphrase.attach(encoder)

    @property
    def has_paraphrase(self) -> bool:
        """Whether the paraphrase layer is built (an encoder was given and it is enabled)."""
        return self._paraphrase is not None

    def nearest_examples(self, text: str) -> list[Nearest]:
        """The paraphrase layer's nearest example per pattern (empty without the layer)."""
        if self._paraphrase is None:
            return []
        return self._paraphrase.nearest(text, PARA_FLOOR)

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
        """Analyse one text; `leave_one_out` hides identical examples (for validation).

        Long texts are also read in windows, and transcripts once more with mis-heard words
        repaired, so that padding or recognition errors cannot dilute a scam: the most
        alarming reading wins.
        """
        args = (via, extra_signals, lang_hint, leave_one_out)
        best = self._analyze_one(text, *args, paraphrase=True)
        parts = windows(text)
        if parts:
            # Every window without the (costly) sentence embedding, then the most alarming few
            # again with it.
            quick = [
                (self._analyze_one(w, *args, paraphrase=False, offset=o), o, w) for o, w in parts
            ]
            quick.sort(key=lambda t: -t[0].score)
            for r, offset, part in quick[:PARAPHRASE_WINDOWS]:
                best = _worse(best, r)
                if self._paraphrase is not None:
                    again = self._analyze_one(part, *args, paraphrase=True, offset=offset)
                    best = _worse(best, again)
        if via == "transcript":
            repaired = self._asr.repair(normalize(text).text)
            if repaired != normalize(text).text:
                best = _worse(
                    best, self._analyze_one(repaired, *args, paraphrase=True, spans=False)
                )
        return best

    def features(
        self, text: str, *, via: Via = "text", leave_one_out: bool = False
    ) -> dict[str, float]:
        """The learned scorer's inputs for one text read whole (training and evaluation)."""
        r = self._read(text, via, (), leave_one_out, paraphrase=True, offset=0, spans=True)
        facts = self._facts(r.scored)[1]
        facts = PatternFacts(facts.rule_max, facts.rule_hits, r.para_max)
        return extract(r.signals, r.lure, facts, via=via, words=r.words)

    def _analyze_one(
        self,
        text: str,
        via: Via,
        extra_signals: Sequence[SignalHit],
        lang_hint: str | None,
        leave_one_out: bool,
        *,
        paraphrase: bool,
        offset: int = 0,
        spans: bool = True,
    ) -> EngineResult:
        r = self._read(text, via, extra_signals, leave_one_out, paraphrase, offset, spans)
        language = lang_hint or detect_language(r.norm_text)
        ordered = tuple(sorted(r.signals.values(), key=lambda s: s.id))
        if self.scorer is None:
            th = self.config.thresholds
            matches = [
                self._match(i, score, "scam" if score >= th.scam else "suspicious", h, via)
                for i, (score, h) in r.scored
                if score >= th.suspicious
            ]
            risk = self.signals.risk(r.signals)
            return noisy_or(matches, risk, self.config, language, ordered)
        specific, facts = self._facts(r.scored)
        named = [(self._match(i, score, "suspicious", h, via), score) for i, score, h in specific]
        decision = Decision(self.scorer, self._families, self.config.thresholds.suspicious)
        facts = PatternFacts(facts.rule_max, facts.rule_hits, r.para_max)
        return decision.decide(r.signals, r.lure, facts, named, via, r.words, language, ordered)

    def _read(
        self,
        text: str,
        via: Via,
        extra_signals: Sequence[SignalHit],
        leave_one_out: bool,
        paraphrase: bool,
        offset: int,
        spans: bool,
    ) -> _Reading:
        """Everything the patterns, signals and lure analysis find in one text."""
        norm = normalize(text)
        signals = self.signals.detect(text, norm)
        for s in extra_signals:
            signals[s.id] = s
        hits: dict[int, dict[str, Hit]] = {}

        def add(i: int, hit: Hit) -> None:
            if hit.span is not None:
                span = (hit.span[0] + offset, hit.span[1] + offset) if spans else None
                hit = Hit(hit.kind, hit.key, hit.weight, hit.evidence, span)
            bucket = hits.setdefault(i, {})
            key = f"{hit.kind}:{hit.key}"
            if key not in bucket or bucket[key].weight < hit.weight:
                bucket[key] = hit

        for (i, j), start, end in self._index.find(norm.text):
            phrase, weight = self._compiled[i].phrases[j]
            span = norm.span(start, end)
            add(i, Hit("phrase", phrase, weight, text[span[0] : span[1]], span))
        self._rules_and_links(text, norm, add)
        para_max = 0.0
        para = self.config.paraphrase
        words = len(norm.text.split())
        if paraphrase and self._paraphrase is not None and words >= MIN_PARAPHRASE_WORDS:
            for near in self._paraphrase.nearest(text, PARA_FLOOR, leave_out=leave_one_out):
                para_max = max(para_max, (near.similarity - PARA_FLOOR) / (1 - PARA_FLOOR))
                if near.similarity < para.min_similarity:
                    continue
                frac = (near.similarity - para.min_similarity) / max(1e-6, 1 - para.min_similarity)
                weight = para.weight_at_min + frac * (para.weight_at_one - para.weight_at_min)
                quoted = near.example if len(near.example) <= 80 else near.example[:77] + "…"
                evidence = f"≈ «{quoted}» ({near.similarity:.2f})"
                add(near.owner, Hit("paraphrase", "example", round(weight, 3), evidence))
        scored = [(i, r) for i, h in hits.items() if (r := self._rule_score(i, h, signals))]
        lure = self.lures.analyze(text, norm)
        return _Reading(norm.text, signals, scored, lure, min(1.0, para_max), words)

    def _facts(
        self, scored: Sequence[tuple[int, tuple[float, tuple[Hit, ...]]]]
    ) -> tuple[list[tuple[int, float, tuple[Hit, ...]]], PatternFacts]:
        """Specific (non-family) pattern scores, best first, and the scorer's pattern facts."""
        specific = sorted(
            ((i, s, h) for i, (s, h) in scored if self._compiled[i].pattern.match.lure is None),
            key=lambda t: (-t[1], self._compiled[t[0]].pattern.id),
        )
        top = specific[0] if specific else None
        return specific, PatternFacts(
            rule_max=top[1] if top else 0.0,
            rule_hits=sum(1 for h in top[2] if h.kind != "signal") if top else 0,
        )

    def _rules_and_links(
        self, text: str, norm: Normalized, add: Callable[[int, Hit], None]
    ) -> None:
        """Hits from regexes, known phones and known domains (per pattern)."""
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

    def _rule_score(
        self, i: int, own: dict[str, Hit], signals: dict[str, SignalHit]
    ) -> tuple[float, tuple[Hit, ...]] | None:
        """A pattern's noisy-OR score and hits, or None when its rules are not met."""
        rules = self._compiled[i].pattern.match
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
        return 1.0 - remaining, tuple(sorted(all_hits, key=lambda h: -h.weight))

    def _match(self, i: int, score: float, level: Level, hits: tuple[Hit, ...], via: Via) -> Match:
        p = self._compiled[i].pattern
        strongest = max((h for h in hits if h.kind != "signal"), key=lambda h: h.weight)
        match_via: Via = {"domain": "link", "phone": "phone"}.get(strongest.kind, via)  # type: ignore[assignment]
        return Match(p.id, p.category, p.severity, round(score, 4), level, match_via, hits)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What one pass over one text found, before any decision."""

    norm_text: str
    signals: dict[str, SignalHit]
    scored: list[tuple[int, tuple[float, tuple[Hit, ...]]]]
    lure: LureReport
    para_max: float
    words: int


def _worse(a: EngineResult, b: EngineResult) -> EngineResult:
    """The more alarming of two readings of the same message."""
    order = {"no_match": 0, "suspicious": 1, "scam": 2}
    return b if (order[b.level], b.score) > (order[a.level], a.score) else a
