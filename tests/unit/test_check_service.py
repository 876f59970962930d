"""CheckService owns the order of a check; each step runs once (fakes for I/O, real engine)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.analysis.engines import EngineHolder
from bot.analysis.fingerprint import FingerprintHit, Landmarks
from bot.analysis.media import DecodedAudio
from bot.analysis.media_check import KnownAudio, MediaAnalysis, MediaChecker
from bot.analysis.pipeline import Analyzer
from bot.analysis.speech import Transcript
from bot.analysis.submission import FileRef, Submission
from bot.content.loader import load_pack
from bot.errors import MediaTooLarge
from bot.metrics import VERDICTS
from bot.services.check import TELEGRAM_DOWNLOAD_LIMIT, CheckService, Queued, Where
from bot.stats_buffer import StatsBuffer
from bot.verdict import Verdict

SCAM = "Hola mamá, se me rompió el móvil, este es mi número nuevo. Hazme un bizum de 300€ urgente"
LM = Landmarks(np.array([1, 2, 3], dtype=np.int64), np.array([0, 1, 2], dtype=np.int32))
HIT = FingerprintHit("seen-earlier", 10, 12, 0.0, 0.8)


class FakeTranscriber:
    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, samples: np.ndarray, *, language: str | None = None) -> Transcript:
        self.calls += 1
        return Transcript(SCAM, "es", 0.99, (), 5.0)


class Decoding(MediaChecker):
    """The real MediaChecker with decoding faked (no PyAV): counts its calls."""

    decoded = 0

    def decode(self, data: bytes) -> tuple[DecodedAudio, Landmarks, dict[str, float]]:
        self.decoded += 1
        return DecodedAudio(np.zeros(16_000, np.float32), 5.0, 5.0, False), LM, {}


class FakeMemory:
    """AnalysisMemory's interface, in memory, with a log of what was asked."""

    def __init__(self, cached: MediaAnalysis | None = None) -> None:
        self.cache = cached
        self.log: list[str] = []

    async def cached(self, file_unique_id: str) -> MediaAnalysis | None:
        self.log.append("cached")
        return self.cache

    async def lookup(self, lm: Landmarks) -> list[FingerprintHit]:
        self.log.append("lookup")
        return [HIT]

    async def recall(self, hits: Any, audio: Any, timings: Any) -> MediaAnalysis | None:
        self.log.append("recall")
        return None

    async def known(self, analysis: MediaAnalysis) -> KnownAudio | None:
        return None

    async def remember(self, file_unique_id: str, analysis: Any, lm: Any, level: str) -> None:
        self.log.append(f"remember:{level}")


class FakeModeration:
    def __init__(self) -> None:
        self.copies: list[list[FingerprintHit]] = []
        self.senders: list[str] = []

    async def note_audio(self, file_unique_id: str, hits: list[FingerprintHit]) -> None:
        self.copies.append(list(hits))

    async def seen(self, bot: object, sub: Submission, verdict: Verdict, **kw: object) -> None:
        self.senders.append(sub.kind)


class FakeQueue:
    def __init__(self) -> None:
        self.jobs: list[Any] = []

    async def submit(self, job: Any) -> int:
        self.jobs.append(job)
        return 3


@pytest.fixture
def parts(minimal_pack_dir: Path) -> dict[str, Any]:
    analyzer = Analyzer(EngineHolder(load_pack(minimal_pack_dir), None))
    transcriber = FakeTranscriber()
    executor = ThreadPoolExecutor(max_workers=1)
    yield {
        "analyzer": analyzer,
        "transcriber": transcriber,
        "media": Decoding(analyzer, transcriber),
        "moderation": FakeModeration(),
        "stats": StatsBuffer(None),  # type: ignore[arg-type]  # count() does no I/O
        "executor": executor,
        "queue": FakeQueue(),
    }
    analyzer.close()
    executor.shutdown()


def service(parts: dict[str, Any], memory: FakeMemory) -> CheckService:
    return CheckService(
        analyzer=parts["analyzer"],
        media=parts["media"],
        memory=memory,  # type: ignore[arg-type]
        moderation=parts["moderation"],
        stats=parts["stats"],
        executor=parts["executor"],
        timeout=30.0,
        queue=parts["queue"],
    )


class Downloads:
    def __init__(self) -> None:
        self.files: list[str] = []

    async def __call__(self, file: FileRef) -> bytes:
        self.files.append(file.file_id)
        return b"ogg"


def voice(size: int | None = 1000) -> Submission:
    return Submission("voice", file=FileRef("F", "U", size), lang="es", country="ES")


async def test_a_fresh_note_takes_every_step_once_in_order(parts: dict[str, Any]) -> None:
    memory, fetch = FakeMemory(), Downloads()
    where = Where("private", fetch=fetch, user_hash="u", bot=object())  # type: ignore[arg-type]
    verdict = await service(parts, memory).verdict(voice(), where)
    assert verdict.level == "scam"
    assert verdict.transcript == SCAM
    assert fetch.files == ["F"]
    assert parts["media"].decoded == 1
    assert parts["transcriber"].calls == 1
    assert memory.log == ["cached", "lookup", "recall", "remember:scam"]
    assert parts["moderation"].copies == [[HIT]]  # trends reuse the one fingerprint lookup
    assert parts["moderation"].senders == ["voice"]  # counted for trend alerts


async def test_a_note_seen_before_is_answered_from_the_cache_without_downloading(
    parts: dict[str, Any],
) -> None:
    memory = FakeMemory(cached=MediaAnalysis(5.0, False, SCAM, "es"))
    fetch = Downloads()
    verdict = await service(parts, memory).verdict(voice(), Where("private", fetch=fetch))
    assert verdict.level == "scam"
    assert (fetch.files, memory.log, parts["transcriber"].calls) == ([], ["cached"], 0)


async def test_a_file_over_telegrams_limit_is_refused_before_any_download(
    parts: dict[str, Any],
) -> None:
    fetch = Downloads()
    with pytest.raises(MediaTooLarge):
        await service(parts, FakeMemory()).submit(
            voice(TELEGRAM_DOWNLOAD_LIMIT + 1), Where("private", fetch=fetch)
        )
    assert fetch.files == []


async def test_a_door_that_answers_later_queues_the_note_after_showing_its_status(
    parts: dict[str, Any],
) -> None:
    shown: list[str] = []

    async def wait() -> int:
        shown.append("listening")
        return 77

    fetch = Downloads()
    where = Where("private", fetch=fetch, chat_id=5, message_id=6, wait=wait)
    got = await service(parts, FakeMemory()).submit(voice(), where)
    assert got == Queued(3, 77)
    [job] = parts["queue"].jobs
    assert (job.chat_id, job.message_id, job.status_message_id) == (5, 6, 77)
    assert (shown, fetch.files) == (["listening"], [])


async def test_texts_and_media_are_counted_on_the_same_road(parts: dict[str, Any]) -> None:
    before = VERDICTS.labels("text", "scam")._value.get()
    checks = service(parts, FakeMemory())
    text = Submission("text", text=SCAM, lang="es", country="ES")
    assert (await checks.verdict(text, Where("cli"))).level == "scam"
    assert VERDICTS.labels("text", "scam")._value.get() == before + 1
    again = await checks.again(text)  # re-deriving an answer is not a new check
    assert again is not None
    assert VERDICTS.labels("text", "scam")._value.get() == before + 1
