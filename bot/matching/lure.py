"""Impersonation and lure analysis: who a message claims to be, what it claims, what it asks.

Pure: text in, a frozen LureReport out. The learned scorer weighs these facts; the verdict
explains them ("dice ser BBVA pero el enlace lleva a bbva-alertas.top, que no es de BBVA").
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from bot.content.models import Brand, EngineConfig, SignalLexicon
from bot.matching.linkfix import repair_links
from bot.matching.links import find_links, find_phones, registered_domain
from bot.matching.normalize import Normalized
from bot.matching.phrases import PhraseIndex, normalized_variants

MIN_NAME_KEY = 4  # brand names shorter than this are not searched inside link hosts ("bbva" is)
MIN_HOST_KEY = 5  # nor are official domains' labels shorter than this
FIRST_WORDS = 3  # an ambiguous brand name counts when it is among the first words


@dataclass(frozen=True, slots=True)
class BrandHit:
    """A brand the message names."""

    brand_id: str
    name: str
    kind: str
    evidence: str


@dataclass(frozen=True, slots=True)
class LinkFact:
    """What is known about one link of the message."""

    text: str
    host: str
    registered: str
    official_for: str | None  # brand id whose official domain this is ("gov" for public bodies)
    imitates: str | None  # brand (name) that sits inside someone else's registered domain
    brand_subdomain: str | None  # brand (name) used as a subdomain of someone else's domain
    random_name: bool  # a registered name that looks generated ("h39.ltd", "tgogtp.com")
    free_host: bool
    shortener: bool
    odd_tld: bool
    raw_ip: bool
    punycode: bool
    messaging: bool

    @property
    def official(self) -> bool:
        """Whether the link belongs to a known brand's official domain."""
        return self.official_for is not None


@dataclass(frozen=True, slots=True)
class LureReport:
    """Who the message claims to be, what it claims and asks, and where its links go."""

    brands: tuple[BrandHit, ...]
    claims: dict[str, tuple[str, ...]]  # claim id -> evidence words
    actions: dict[str, tuple[str, ...]]
    cues: dict[str, tuple[str, ...]]
    links: tuple[LinkFact, ...]
    broken_links: int
    phones: int

    @property
    def brand_ids(self) -> frozenset[str]:
        """Ids of the brands named in the text."""
        return frozenset(b.brand_id for b in self.brands)

    def mismatched(self) -> tuple[BrandHit, LinkFact] | None:
        """A named brand and a link to a real domain that belongs to no known brand.

        Shorteners are their own fact (brands use them for marketing too), and a link to any
        brand's official domain is not a mismatch (a bank linking to gov.uk, Gmail to goo.gl).
        """
        if not self.brands:
            return None
        for link in self.links:
            if link.official or link.shortener:
                continue
            return self.brands[0], link
        return None


def _index(lexicons: dict[str, SignalLexicon]) -> PhraseIndex[str]:
    idx: PhraseIndex[str] = PhraseIndex()
    for key, lex in lexicons.items():
        for phrase in [*lex.es, *lex.en]:
            for variant in normalized_variants(phrase):
                idx.add(variant, key)
    idx.build()
    return idx


class LureAnalyzer:
    """Finds brands, claims, actions, notification cues and link facts in a message."""

    def __init__(self, config: EngineConfig) -> None:
        lures = config.lures
        self._claims = _index(lures.claims if lures else {})
        self._actions = _index(lures.actions if lures else {})
        self._cues = _index(lures.cues if lures else {})
        self._free_hosts = frozenset(h.lower() for h in (lures.free_hosts if lures else []))
        self._shorteners = frozenset(s.lower() for s in config.links.shorteners)
        self._odd_tlds = frozenset(t.lower().lstrip(".") for t in config.links.odd_tlds)
        self._messaging = frozenset(m.lower() for m in config.links.messaging)
        self._brands: dict[str, Brand] = {b.id: b for b in config.brands}
        self._names: PhraseIndex[tuple[str, bool]] = PhraseIndex()
        self._official: dict[str, str] = {}
        self._host_keys: list[tuple[str, str]] = []
        for b in config.brands:
            ambiguous = set(b.ambiguous)
            for name in b.names:
                for variant in normalized_variants(name):
                    self._names.add(variant, (b.id, name in ambiguous))
            for d in b.domains:
                self._official.setdefault(d.lower(), b.id)
            keys = {n.replace(" ", "").lower() for n in b.names if n not in ambiguous}
            keys = {k for k in keys if len(k) >= MIN_NAME_KEY}
            if not ambiguous:
                # A domain's label is a key only for brands whose names are never ordinary
                # words ("live" of live.com would find Microsoft in "fastdelivery.live").
                keys |= {
                    label
                    for d in b.domains
                    if len(label := d.split(".")[0].lower()) >= MIN_HOST_KEY
                }
            self._host_keys.extend((k, b.name) for k in sorted(keys))
        self._names.build()

    @property
    def brands(self) -> dict[str, Brand]:
        """The gazetteer by id."""
        return self._brands

    def analyze(self, text: str, norm: Normalized) -> LureReport:
        """Analyse one message (its raw text and its normalised form)."""
        return LureReport(
            brands=self._find_brands(text, norm),
            claims=self._find(self._claims, text, norm),
            actions=self._find(self._actions, text, norm),
            cues=self._find(self._cues, text, norm),
            links=tuple(self._links(text)),
            broken_links=repair_links(text)[1],
            phones=len(find_phones(text)),
        )

    @staticmethod
    def _find(idx: PhraseIndex[str], text: str, norm: Normalized) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for key, start, end in idx.find(norm.text):
            a, b = norm.span(start, end)
            words = found.setdefault(key, [])
            if text[a:b] not in words and len(words) < 4:
                words.append(text[a:b])
        return {k: tuple(v) for k, v in found.items()}

    def _find_brands(self, text: str, norm: Normalized) -> tuple[BrandHit, ...]:
        hits: dict[str, BrandHit] = {}
        first_words = " ".join(norm.text.split()[:FIRST_WORDS])
        for (brand_id, ambiguous), start, end in self._names.find(norm.text):
            a, b = norm.span(start, end)
            written = text[a:b]
            # "claro", "orange", "ing": only a brand when written like one (caps, or first and
            # capitalised and followed by a capitalised word or a colon: "Claro Panamá:").
            if ambiguous and not (
                (written.isupper() and len(written) > 1)
                or (
                    end <= len(first_words) and written[:1].isupper() and _brandlike_after(text, b)
                )
            ):
                continue
            brand = self._brands[brand_id]
            hits.setdefault(brand_id, BrandHit(brand_id, brand.name, brand.kind, written))
        # "U-S-P-S", "D.H.L", "B B V A": a brand spelt out letter by letter to dodge filters.
        for m in _SPELT.finditer(text):
            joined = re.sub(r"[^A-Za-z]", "", m.group()).lower()
            for (brand_id, _), _s, _e in self._names.find(joined):
                brand = self._brands[brand_id]
                hits.setdefault(brand_id, BrandHit(brand_id, brand.name, brand.kind, m.group()))
        return tuple(hits.values())

    def _official_for(self, host: str, registered: str) -> str | None:
        if _GOV.search(host):
            return "gov"
        if registered in self._official:
            return self._official[registered]
        labels = host.split(".")
        for k in range(len(labels) - 1):
            owner = self._official.get(".".join(labels[k:]))
            if owner:
                return owner
        return None

    def _links(self, text: str) -> list[LinkFact]:
        repaired, _ = repair_links(text)
        out = []
        seen: set[str] = set()
        for link in find_links(repaired):
            host = link.host
            if host in seen:
                continue
            seen.add(host)
            registered = registered_domain(host)
            official = self._official_for(host, registered)
            label = registered.split(".")[0].replace("-", "")
            sub = host[: -len(registered)].replace("-", "").replace(".", "")
            imitates = subdomain = None
            if official is None:
                imitates = next((bid for key, bid in self._host_keys if key in label), None)
                subdomain = next((bid for key, bid in self._host_keys if key in sub), None)
            out.append(
                LinkFact(
                    text=link.text,
                    host=host,
                    registered=registered,
                    official_for=official,
                    imitates=imitates,
                    brand_subdomain=subdomain,
                    random_name=official is None and _random_name(registered.split(".")[0]),
                    free_host=registered in self._free_hosts or host in self._free_hosts,
                    shortener=host in self._shorteners or registered in self._shorteners,
                    odd_tld=host.rsplit(".", 1)[-1] in self._odd_tlds,
                    raw_ip=_is_ip(host),
                    punycode="xn--" in host,
                    messaging=any(host == m or host.endswith("." + m) for m in self._messaging),
                )
            )
        return out


_GOV = re.compile(r"\.(?:gob|gov|gouv|gv)(?:\.[a-z]{2})?$|\.gov$")
_VOWELS = frozenset("aeiou")
_SPELT = re.compile(r"\b(?:[A-Za-z][ .\-]){2,5}[A-Za-z]\b")


def _brandlike_after(text: str, end: int) -> bool:
    """Whether an ambiguous first word is followed like a sender name is ("Claro Panamá:")."""
    rest = text[end:].lstrip()
    return text[end : end + 1] in (":", "-", "|") or rest[:1].isupper() or rest[:1].isdigit()


def _random_name(label: str) -> bool:
    """A registered name that looks machine-made: very short, digits, or hardly a vowel."""
    letters = [c for c in label if c.isalpha()]
    if not letters or len(label) <= 3:
        return True
    if any(c.isdigit() for c in label) and len(label) <= 8:
        return True
    vowels = sum(c in _VOWELS for c in letters)
    return len(letters) >= 4 and vowels / len(letters) < 0.25


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
