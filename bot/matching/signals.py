"""Red-flag signals found in the text itself: urgency, secrecy, payment, codes, links, ..."""

from __future__ import annotations

from collections.abc import Iterable

from bot.content.models import EngineConfig
from bot.matching.links import find_amounts, find_links, find_phones, is_lookalike
from bot.matching.normalize import Normalized
from bot.matching.phrases import PhraseIndex, normalized_variants
from bot.matching.types import SignalHit


class SignalDetector:
    """Detects the text signals described in content/engine.yaml."""

    def __init__(self, config: EngineConfig) -> None:
        self._config = config
        self._index: PhraseIndex[str] = PhraseIndex()
        for signal_id, lexicon in config.lexicon.items():
            for phrase in [*lexicon.es, *lexicon.en]:
                for variant in normalized_variants(phrase):
                    self._index.add(variant, signal_id)
        self._index.build()
        self._shorteners = {s.lower() for s in config.links.shorteners}
        self._odd_tlds = {t.lower().lstrip(".") for t in config.links.odd_tlds}
        self._messaging = {m.lower() for m in config.links.messaging}

    def detect(self, text: str, norm: Normalized) -> dict[str, SignalHit]:
        """Return the signals present in `text`, keyed by id, with evidence from the text."""
        found: dict[str, list[tuple[str, tuple[int, int]]]] = {}

        def add(signal_id: str, evidence: str, span: tuple[int, int]) -> None:
            items = found.setdefault(signal_id, [])
            if all(e != evidence for e, _ in items) and len(items) < 5:
                items.append((evidence, span))

        for signal_id, start, end in self._index.find(norm.text):
            span = norm.span(start, end)
            add(signal_id, text[span[0] : span[1]], span)
        for link in find_links(text):
            add("link", link.text, link.span)
            host = link.host
            if host in self._shorteners or link.registered in self._shorteners:
                add("shortener", link.text, link.span)
            if host.rsplit(".", 1)[-1] in self._odd_tlds:
                add("odd_tld", link.text, link.span)
            if any(host == m or host.endswith("." + m) for m in self._messaging):
                add("messaging_link", link.text, link.span)
            if is_lookalike(host, self._config.links.brands):
                add("lookalike_domain", link.text, link.span)
        for phone, span in find_phones(text):
            add("phone_number", phone, span)
        for amount, span in find_amounts(text):
            add("money_amount", amount, span)
        return {
            sid: SignalHit(sid, tuple(e for e, _ in items), tuple(s for _, s in items))
            for sid, items in found.items()
        }

    def risk(self, signal_ids: Iterable[str]) -> float:
        """Noisy-OR of the risk weights of these signals."""
        remaining = 1.0
        for sid in signal_ids:
            remaining *= 1.0 - self._config.signal_risk.get(sid, 0.0)
        return 1.0 - remaining
