"""Pydantic models of the content packs; unknown fields are errors."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LANGS = ("es", "en")
Lang = Literal["es", "en"]
Level = Literal["scam", "suspicious", "no_match"]
Category = Literal[
    "impersonation",
    "voice_clone",
    "extortion",
    "business_fraud",
    "banking",
    "delivery",
    "government",
    "authority",
    "prize",
    "investment",
    "job",
    "romance",
    "account_takeover",
    "marketplace",
    "tech_support",
    "loan",
    "utility",
    "hoax",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
SIGNAL_IDS = (
    "urgency",
    "secrecy",
    "payment",
    "money_amount",
    "code_request",
    "new_number",
    "authority",
    "remote_access",
    "chain_forward",
    "link",
    "shortener",
    "odd_tld",
    "lookalike_domain",
    "messaging_link",
    "phone_number",
    "old_forward",
    "known_scam_source",
    "forward_hidden",
)
Weight = Annotated[float, Field(gt=0.0, le=1.0)]
Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


class Strict(BaseModel):
    """Base for content models: frozen, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    """A text in Spanish and English."""

    es: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    def get(self, lang: str) -> str:
        """Return the text in `lang`, falling back to Spanish."""
        return self.en if lang == "en" else self.es


class RegexRule(Strict):
    """An RE2 regex run on the normalised text."""

    pattern: Annotated[str, Field(min_length=1)]
    weight: Weight
    lang: Lang | None = None


LURE_CLAIMS = (
    "account_locked",
    "suspicious_activity",
    "update_data",
    "expiry",
    "transaction_alert",
    "parcel_held",
    "fee_due",
    "debt_fine",
    "refund",
    "prize",
    "job",
    "loan",
    "wrong_number",
)
LURE_ACTIONS = ("open_link", "call", "reply", "pay", "give_code")
LURE_CUES = ("otp_notice", "opt_out", "scam_warning", "personal", "politics")
BrandKind = Literal[
    "bank",
    "courier",
    "tax",
    "traffic",
    "telco",
    "utility",
    "toll",
    "streaming",
    "shopping",
    "messaging",
    "government",
    "payment",
    "crypto",
    "police",
    "social",
    "tech",
    "transport",
    "insurance",
]


class LureRule(Strict):
    """A generic scam family: recognised by what the message claims, not by a script."""

    claims: Annotated[list[str], Field(min_length=1)]
    brand_kinds: list[BrandKind] = Field(default_factory=list)

    @field_validator("claims")
    @classmethod
    def _known_claims(cls, v: list[str]) -> list[str]:
        for name in v:
            if name not in LURE_CLAIMS:
                raise ValueError(f"unknown claim {name!r} (known: {', '.join(LURE_CLAIMS)})")
        return v


class MatchRules(Strict):
    """How a pattern recognises its script."""

    phrases: dict[Lang, dict[str, Weight]] = Field(default_factory=dict)
    regexes: list[RegexRule] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    signals: dict[str, Weight] = Field(default_factory=dict)
    requires_signals: list[str] = Field(default_factory=list)
    requires_any_signal: list[str] = Field(default_factory=list)
    min_hits: Annotated[int, Field(ge=1, le=20)] = 1
    lure: LureRule | None = None

    @field_validator("signals", "requires_signals", "requires_any_signal")
    @classmethod
    def _known_signals(cls, v: object) -> object:
        names = list(v) if isinstance(v, (dict, list)) else []
        for name in names:
            if name not in SIGNAL_IDS:
                raise ValueError(f"unknown signal {name!r} (known: {', '.join(SIGNAL_IDS)})")
        return v


class Example(Strict):
    """An example with an explicit expectation."""

    text: Annotated[str, Field(min_length=1)]
    expect: Level = "scam"


ExampleItem = str | Example


class ExampleSet(Strict):
    """Examples per language."""

    es: list[ExampleItem] = Field(default_factory=list)
    en: list[ExampleItem] = Field(default_factory=list)


class Examples(Strict):
    """Examples a pattern must and must not match."""

    match: ExampleSet = Field(default_factory=ExampleSet)
    no_match: ExampleSet = Field(default_factory=ExampleSet)


class Pattern(Strict):
    """One scam script."""

    id: Id
    category: Category
    severity: Literal["low", "medium", "high"]
    status: Literal["active", "disabled"] = "active"
    title: Localized
    summary: Localized
    match: MatchRules
    tips: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)

    @model_validator(mode="after")
    def _has_rules(self) -> Pattern:
        m = self.match
        if not (m.phrases or m.regexes or m.domains or m.phones or m.signals or m.lure):
            raise ValueError(
                "a pattern needs at least one phrase, regex, domain, phone, signal or lure"
            )
        return self


class Tip(Strict):
    """A verification tip."""

    id: Id
    text: Localized
    source: str = ""


class TipsFile(Strict):
    """content/tips.yaml."""

    tips: list[Tip]


class Channel(Strict):
    """A reporting channel."""

    id: Id
    country: Annotated[str, Field(pattern=r"^([A-Z]{2}|\*)$")]
    kind: Literal["report", "advice", "emergency"]
    name: Localized
    description: Localized | None = None
    phone: str | None = None
    url: str | None = None
    categories: list[Category] = Field(default_factory=list)
    source: Annotated[str, Field(min_length=1)]
    verified: bool

    @model_validator(mode="after")
    def _has_contact(self) -> Channel:
        if not (self.phone or self.url):
            raise ValueError("a channel needs a phone or a url")
        return self


class ReportingFile(Strict):
    """content/reporting.yaml."""

    channels: list[Channel]


class CorpusMessage(Strict):
    """A legitimate message of the false-alarm corpus."""

    lang: Lang
    topic: str = ""
    text: Annotated[str, Field(min_length=1)]


class CorpusFile(Strict):
    """content/corpus/*.yaml."""

    messages: list[CorpusMessage]


class LabelledCase(Strict):
    """A case of the held-apart labelled test set."""

    lang: Lang
    style: Literal["text", "transcript"] = "text"
    expect: Level
    pattern: str | None = None
    family: str | None = None
    text: Annotated[str, Field(min_length=1)]


class LabelledFile(Strict):
    """tests/labelled/*.yaml."""

    cases: list[LabelledCase]


class Thresholds(Strict):
    """Score thresholds of the engine."""

    scam: Annotated[float, Field(gt=0, le=1)]
    suspicious: Annotated[float, Field(gt=0, le=1)]


class ParaphraseConfig(Strict):
    """The paraphrase layer: similarity to a pattern's own examples counts as a hit."""

    enabled: bool = True
    min_similarity: Annotated[float, Field(gt=0, le=1)]
    weight_at_min: Weight
    weight_at_one: Weight


class SignalLexicon(Strict):
    """Phrases per language that raise one signal."""

    es: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class LinkLists(Strict):
    """Lists the link detectors use."""

    shorteners: list[str]
    odd_tlds: list[str]
    messaging: list[str]
    brands: dict[str, list[str]]  # brand keyword -> its official domains


class EngineConfig(Strict):
    """content/engine.yaml: thresholds, risk weights of signals and signal lexicons."""

    thresholds: Thresholds
    paraphrase: ParaphraseConfig
    signal_risk: dict[str, Weight]
    signals_suspicious: Annotated[float, Field(gt=0, le=1)]
    signal_tips: dict[str, list[str]] = Field(default_factory=dict)
    lexicon: dict[str, SignalLexicon]
    links: LinkLists
    old_forward_days: Annotated[int, Field(ge=1)] = 30
    known_scam_sources: list[str] = Field(default_factory=list)
    # Loaded from their own files (lures.yaml, brands.yaml, scorer.yaml), not engine.yaml.
    lures: LureLexicon | None = None
    brands: tuple[Brand, ...] = ()
    scorer: ScorerModel | None = None

    @field_validator("signal_risk", "lexicon", "signal_tips")
    @classmethod
    def _known_signals(cls, v: dict[str, object]) -> dict[str, object]:
        for name in v:
            if name not in SIGNAL_IDS:
                raise ValueError(f"unknown signal {name!r}")
        return v


class LureLexicon(Strict):
    """content/lures.yaml: what messages claim, what they ask, and notification cues."""

    claims: dict[str, SignalLexicon]
    actions: dict[str, SignalLexicon]
    cues: dict[str, SignalLexicon]
    free_hosts: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_ids(self) -> LureLexicon:
        for field_name, known in (
            ("claims", LURE_CLAIMS),
            ("actions", LURE_ACTIONS),
            ("cues", LURE_CUES),
        ):
            for name in getattr(self, field_name):
                if name not in known:
                    raise ValueError(f"{field_name}: unknown id {name!r} (known: {known})")
        return self


class Brand(Strict):
    """A brand or institution scammers imitate, with its official domains."""

    id: Id
    name: Annotated[str, Field(min_length=1)]
    kind: BrandKind
    countries: list[Annotated[str, Field(pattern=r"^([A-Z]{2}|\*)$")]]
    names: Annotated[list[Annotated[str, Field(min_length=2)]], Field(min_length=1)]
    ambiguous: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    short_codes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ambiguous_are_names(self) -> Brand:
        unknown = [a for a in self.ambiguous if a not in self.names]
        if unknown:
            raise ValueError(f"ambiguous names not in names: {unknown}")
        return self


class BrandsFile(Strict):
    """content/brands.yaml."""

    brands: list[Brand]


class ScorerThresholds(Strict):
    """Probability thresholds of the learned scorer, chosen on held-apart folds."""

    scam: Annotated[float, Field(gt=0, lt=1)]
    suspicious: Annotated[float, Field(gt=0, lt=1)]


class ScorerModel(Strict):
    """content/scorer.yaml: the learned scorer's weights (written by `make train`)."""

    version: Annotated[str, Field(min_length=1)]
    intercept: float
    weights: dict[str, float]
    fixed: dict[str, float] = Field(default_factory=dict)  # hand-set: no labelled data has them
    thresholds: ScorerThresholds
    trained_on: dict[str, int] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)


class TrainingMessage(Strict):
    """A message the learned scorer is fitted on (content/training/): written by the team."""

    lang: Lang
    label: Literal["scam", "spam", "legit"]
    family: str = "none"
    country: str | None = None
    style: Literal["sms", "chat", "transcript", "ocr", "email", "text"] = "sms"
    text: Annotated[str, Field(min_length=1)]


class TrainingFile(Strict):
    """content/training/*.yaml."""

    messages: list[TrainingMessage]
