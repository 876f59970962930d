"""Media analysis steps: decode -> fingerprint -> transcribe -> text engine (blocking parts)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.analysis.fingerprint import Landmarks, landmarks
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
    """The blocking steps of a media check (decode, fingerprint, transcribe) and its verdict.

    Order, caching and I/O belong to bot.services.check.CheckService, the one caller.
    """

    def __init__(
        self, analyzer: Analyzer, transcriber: Transcriber, *, max_seconds: float = 600.0
    ) -> None:
        self.analyzer = analyzer
        self.transcriber = transcriber
        self.max_seconds = max_seconds

    @classmethod
    def for_settings(cls, settings: Settings, analyzer: Analyzer) -> MediaChecker:
        """A checker with the configured speech model (loaded on first use)."""
        return cls(analyzer, _transcriber(settings), max_seconds=settings.max_media_seconds)

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
        known: KnownAudio | None,
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
        if known is not None and known.verdict in ("scam", "suspicious"):
            extra.append(
                fingerprint_match(
                    known,
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


def _transcriber(settings: Settings) -> WhisperTranscriber:
    return WhisperTranscriber(
        settings.whisper_model,
        cache_dir=settings.data_dir / "models",
        cpu_threads=settings.whisper_threads,
        allow_download=settings.whisper_allow_download,
    )
