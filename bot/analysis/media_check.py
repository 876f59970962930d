"""Media analysis: decode -> fingerprint -> (known audio? done) -> transcribe -> text engine."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.analysis.fingerprint import FingerprintHit, Landmarks, MemoryFingerprintIndex, landmarks
from bot.analysis.media import DecodedAudio, decode_audio
from bot.analysis.pipeline import Analyzer
from bot.analysis.speech import Transcriber, WhisperTranscriber
from bot.analysis.submission import ForwardInfo
from bot.matching.types import Level
from bot.verdict import Verdict, VerdictMatch

if TYPE_CHECKING:
    from bot.settings import Settings

logger = logging.getLogger(__name__)
AUDIO_DIR = Path(__file__).resolve().parents[2] / "content" / "audio"


@dataclass(frozen=True, slots=True)
class KnownAudio:
    """A known hoax / scam audio item a fingerprint can point at."""

    id: str
    title: str
    pattern_id: str | None
    category: str
    verdict: str  # "scam" | "suspicious" | "no_match" (a previously seen, unknown note)
    origin: str


@dataclass(frozen=True, slots=True)
class MediaAnalysis:
    """The expensive part of a media check: what it is, what was said, what it matched."""

    duration: float
    truncated: bool
    transcript: str | None = None
    language: str | None = None
    fingerprint_item: str | None = None
    fingerprint_offset: float | None = None
    fingerprint_confidence: float | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self, *, keep_transcript: bool) -> str:
        """Serialise for the verdict cache; the transcript only when asked (privacy)."""
        data = asdict(self)
        if not keep_transcript:
            data["transcript"] = None
        data.pop("timings")
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> MediaAnalysis:
        """Load from the verdict cache."""
        data: dict[str, Any] = json.loads(raw)
        return cls(**data)


class FingerprintLookup(Protocol):
    """Finds known audio by landmarks (memory index for the CLI, the database for the bot)."""

    def query(self, lm: Landmarks) -> list[FingerprintHit]:
        """Hits, best first."""
        ...


def fingerprint_match(item: KnownAudio, offset: float, confidence: float) -> VerdictMatch:
    """A known audio item as a verdict match (`via: fingerprint`)."""
    level: Level = "scam" if item.verdict == "scam" else "suspicious"
    return VerdictMatch(
        pattern_id=item.pattern_id or item.id,
        title=item.title,
        category=item.category,
        score=round(max(confidence, 0.5), 3),
        level=level,
        evidence=(f"{item.title} @ {offset:.0f} s",),
        via="fingerprint",
        offset_seconds=offset,
    )


class MediaChecker:
    """The blocking media pipeline shared by the bot's workers and `ojo check FILE`."""

    def __init__(
        self,
        analyzer: Analyzer,
        transcriber: Transcriber,
        *,
        max_seconds: float = 600.0,
        index: FingerprintLookup | None = None,
        items: dict[str, KnownAudio] | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.transcriber = transcriber
        self.max_seconds = max_seconds
        self.index = index
        self.items: dict[str, KnownAudio] = items or {}

    @classmethod
    def for_bot(cls, settings: Settings, analyzer: Analyzer) -> MediaChecker:
        """A checker for the bot: fingerprints are looked up in the database by the runner."""
        return cls(analyzer, _transcriber(settings), max_seconds=settings.max_media_seconds)

    @classmethod
    def create(cls, settings: Settings, analyzer: Analyzer) -> MediaChecker:
        """A checker with the configured speech model and the shipped audio fingerprints."""
        transcriber = _transcriber(settings)
        index = MemoryFingerprintIndex()
        items: dict[str, KnownAudio] = {}
        for item, lm in load_known_audio(AUDIO_DIR):
            index.add(item.id, lm)
            items[item.id] = item
        return cls(
            analyzer, transcriber, max_seconds=settings.max_media_seconds, index=index, items=items
        )

    def decode(self, data: bytes) -> tuple[DecodedAudio, Landmarks, dict[str, float]]:
        """Decode to 16 kHz mono and fingerprint it (blocking)."""
        t0 = time.perf_counter()
        audio = decode_audio(data, max_seconds=self.max_seconds)
        t1 = time.perf_counter()
        lm = landmarks(audio.samples)
        t2 = time.perf_counter()
        return audio, lm, {"decode_ms": (t1 - t0) * 1000, "fingerprint_ms": (t2 - t1) * 1000}

    def transcribe(self, audio: DecodedAudio, timings: dict[str, float]) -> MediaAnalysis:
        """Transcribe decoded audio (blocking; the slow step)."""
        t0 = time.perf_counter()
        tr = self.transcriber.transcribe(audio.samples)
        timings["transcribe_ms"] = (time.perf_counter() - t0) * 1000
        return MediaAnalysis(
            audio.duration, audio.truncated, tr.text, tr.language, timings=timings
        )

    def verdict(
        self,
        analysis: MediaAnalysis,
        *,
        kind: str,
        lang: str | None,
        country: str | None,
        caption: str | None = None,
        forward: ForwardInfo | None = None,
        started: float | None = None,
        notes: Sequence[str] = (),
    ) -> Verdict:
        """Compose the verdict of an analysed media item (cheap; re-run on every answer)."""
        extra: list[VerdictMatch] = []
        item = self.items.get(analysis.fingerprint_item or "")
        if item is not None and item.verdict in ("scam", "suspicious"):
            extra.append(
                fingerprint_match(
                    item,
                    analysis.fingerprint_offset or 0.0,
                    analysis.fingerprint_confidence or 0.0,
                )
            )
        all_notes = list(notes)
        if analysis.truncated:
            all_notes.append(f"truncated:{self.max_seconds:.0f}")
        text = " ".join(t for t in (analysis.transcript, caption) if t)
        return self.analyzer.check_text(
            text,
            kind=kind,
            via="transcript" if analysis.transcript else "text",
            lang=lang,
            country=country,
            forward=forward,
            transcript=analysis.transcript,
            extra=extra,
            notes=all_notes,
            started=started,
        )

    def analyze(self, data: bytes) -> MediaAnalysis:
        """The whole blocking pipeline with the in-memory fingerprint index."""
        audio, lm, timings = self.decode(data)
        hits = self.index.query(lm) if self.index is not None else []
        known = [h for h in hits if self.items.get(h.item_id, None) is not None]
        if known and self.items[known[0].item_id].verdict in ("scam", "suspicious"):
            h = known[0]
            return MediaAnalysis(
                audio.duration,
                audio.truncated,
                None,
                None,
                h.item_id,
                h.offset_seconds,
                h.confidence,
                timings,
            )
        return self.transcribe(audio, timings)

    def check(
        self,
        data: bytes,
        *,
        kind: str,
        lang: str | None,
        country: str | None,
        started: float | None = None,
    ) -> Verdict:
        """Analyse one media file end to end (used by `ojo check FILE`)."""
        return self.verdict(
            self.analyze(data), kind=kind, lang=lang, country=country, started=started
        )


def _transcriber(settings: Settings) -> WhisperTranscriber:
    return WhisperTranscriber(
        settings.whisper_model,
        cache_dir=settings.data_dir / "models",
        cpu_threads=settings.whisper_threads,
        allow_download=settings.whisper_allow_download,
    )


def load_known_audio(root: Path) -> list[tuple[KnownAudio, Landmarks]]:
    """The shipped audio fingerprints (content/audio) as (item, landmarks) pairs."""
    if not (root / "index.yaml").exists():
        return []
    from bot.analysis.audio_pack import load_audio_pack

    out = []
    for dto, lm in load_audio_pack(root):
        item = KnownAudio(dto.id, dto.title, dto.pattern_id, dto.category, dto.verdict, dto.origin)
        out.append((item, lm))
    return out
