"""The one analysis path: every door hands a Submission to CheckService.submit, gets a Verdict.

Private chats, groups, moderators' /review, `ojo check` and media workers all come through
here, so the same input gets the same verdict everywhere and each step runs once, in order:

    cache (file_unique_id) -> size limit -> [queue] -> download -> decode + fingerprint
    -> known audio (one index lookup) -> transcribe -> engine -> compose -> remember -> count
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from telegram.error import TelegramError

from bot.analysis.fingerprint import Landmarks
from bot.analysis.images.known import known_image_match
from bot.analysis.media import DecodedAudio
from bot.analysis.media_check import MediaAnalysis, MediaChecker
from bot.analysis.pipeline import Analyzer
from bot.analysis.submission import FileRef, Submission
from bot.errors import AnalysisTimeout, MediaTooLarge
from bot.jobs.types import MediaJob
from bot.moderation.service import Moderation
from bot.services.memory import AnalysisMemory
from bot.stats_buffer import StatsBuffer
from bot.storage.images import ImageStore
from bot.verdict import Verdict, VerdictMatch

if TYPE_CHECKING:
    from telegram import Bot

    from bot.analysis.ocr import ImageReading
    from bot.jobs.media import MediaQueue

logger = logging.getLogger(__name__)
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # Bot API getFile limit
MAX_TEXT = 20_000  # longer texts are cut: scams are short, and the engine stays fast
Door = Literal["private", "group", "review", "cli"]


class Fetch(Protocol):
    """Gets a file's bytes: Telegram's getFile + download, or a local path for `ojo check`."""

    def __call__(self, file: FileRef) -> Awaitable[bytes]:
        """The file's content."""
        ...


@dataclass(frozen=True, slots=True)
class Where:
    """Where a submission came in, and what that door lets the analysis do."""

    door: Door
    fetch: Fetch | None = None  # None: this door cannot download (the cache only)
    user_hash: str = ""  # the sender, hashed: trend alerts count distinct people
    bot: Bot | None = None  # to alert moderators about trends
    chat_id: int = 0  # the message the answer replies to (queued media)
    message_id: int = 0
    # Set by doors that answer slow media later: the item goes to the media queue and this
    # is awaited first (it shows "Listening…" and returns that message's id, or None).
    wait: Callable[[], Awaitable[int | None]] | None = None
    look_up_cache: bool = True  # False for a queued job: its door looked already
    count: bool = True  # False when re-deriving the verdict of an earlier message


@dataclass(frozen=True, slots=True)
class Queued:
    """A media item waiting for a worker, which will answer it."""

    position: int  # 1 = next
    status_message_id: int | None


def telegram_files(bot: Bot) -> Fetch:
    """Fetch through the Bot API (getFile + download); "file is too big" is MediaTooLarge."""

    async def fetch(file: FileRef) -> bytes:
        try:
            tg_file = await bot.get_file(file.file_id)
            return bytes(await tg_file.download_as_bytearray())
        except TelegramError as exc:
            if "too big" in str(exc).lower():
                raise MediaTooLarge() from exc
            raise

    return fetch


@dataclass(frozen=True, slots=True)
class Heard:
    """A recording as moderators' review needs it."""

    landmarks: Landmarks
    duration: float
    transcript: str | None


def is_image(sub: Submission, file: FileRef) -> bool:
    """Photos, and documents that are pictures (screenshots sent as files)."""
    return sub.kind == "photo" or (file.mime_type or "").startswith("image/")


def image_text(reading: ImageReading, caption: str | None) -> str:
    """What a picture says, for the engine: sender, bubbles, QR links, and its caption."""
    parts = [reading.sender or "", reading.text, *reading.qr_payloads, caption or ""]
    return "\n".join(p for p in parts if p)


class CheckService:
    """Submission -> Verdict, the same for every door."""

    def __init__(
        self,
        *,
        analyzer: Analyzer,
        media: MediaChecker,
        memory: AnalysisMemory,
        moderation: Moderation,
        stats: StatsBuffer,
        executor: Executor,
        timeout: float,
        queue: MediaQueue | None = None,
        images: ImageStore | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.media = media
        self.memory = memory
        self.moderation = moderation
        self.stats = stats
        self.executor = executor
        self.timeout = timeout
        self.queue = queue
        self._images = images

    @property
    def images(self) -> ImageStore:
        """Known scam images, by perceptual hash (on the analysis memory's database)."""
        if self._images is None:
            self._images = ImageStore(self.memory.db)
        return self._images

    async def submit(self, sub: Submission, where: Where) -> Verdict | Queued:
        """Analyse one item; media may be queued instead when the door answers later."""
        started = time.perf_counter()
        if sub.file is None:
            verdict = await self.analyzer.check_text_async(
                (sub.text or "")[:MAX_TEXT],
                kind=sub.kind,
                lang=sub.lang,
                country=sub.country,
                forward=sub.forward,
            )
        else:
            got = await self._media(sub, sub.file, where, started)
            if isinstance(got, Queued):
                return got
            verdict = got
        await self._count(sub, where, verdict)
        return verdict

    async def verdict(self, sub: Submission, where: Where) -> Verdict:
        """submit() for doors that wait for the answer (`ojo check`, review, workers)."""
        got = await self.submit(sub, where)
        if isinstance(got, Queued):  # pragma: no cover - such doors pass no `wait`
            raise TypeError("a waiting door got a queued answer")
        return got

    async def again(self, sub: Submission) -> Verdict | None:
        """The verdict of an earlier message (buttons, /report): texts re-run, media cached.

        Nothing is downloaded or counted: the first answer did both.
        """
        if sub.file is not None:
            cached = await self.memory.cached(sub.file.file_unique_id)
            if cached is None:
                return None
            return await self._compose(sub, cached, time.perf_counter())
        if not sub.text:
            return None
        return await self.verdict(sub, Where("review", count=False))

    async def _media(
        self, sub: Submission, file: FileRef, where: Where, started: float
    ) -> Verdict | Queued:
        if is_image(sub, file):
            return await self._image(sub, file, where, started)
        if where.look_up_cache:
            cached = await self.memory.cached(file.file_unique_id)
            if cached is not None:
                return await self._compose(sub, cached, started)
        if file.size is not None and file.size > TELEGRAM_DOWNLOAD_LIMIT:
            raise MediaTooLarge()
        if where.fetch is None:
            raise ValueError(f"door {where.door} cannot download files")
        if where.wait is not None and self.queue is not None:
            return await self._enqueue(sub, where, self.queue, where.wait)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._analyse(sub, file, where.fetch, started)
        except TimeoutError as exc:
            logger.warning("media analysis timed out (kind %s)", sub.kind)
            raise AnalysisTimeout() from exc

    async def _image(
        self, sub: Submission, file: FileRef, where: Where, started: float
    ) -> Verdict:
        """A photo or screenshot: size limit, download, OCR + QR in the pool, then the text path.

        OCR takes ~0.1 s (bench/bench_ocr.py), so images are read inline, never queued, and
        nothing of them is cached: the recognised words exist only for this verdict. Its hash
        is looked up among known scam images; a hit joins the text's matches (the stronger
        wins, as a known audio fingerprint does for a voice note).
        """
        if file.size is not None and file.size > TELEGRAM_DOWNLOAD_LIMIT:
            raise MediaTooLarge()
        if where.fetch is None:
            raise ValueError(f"door {where.door} cannot download files")
        from bot.analysis.ocr import read_image  # Tesseract, zxing, PIL: only for pictures

        data = await where.fetch(file)
        loop = asyncio.get_running_loop()
        reading = await loop.run_in_executor(self.executor, read_image, data)
        known = await self._known_image(reading, sub.lang)
        text = image_text(reading, sub.text)
        logger.info(
            "image read: %d chars, %d links, %d QR, known image %s",
            len(text),
            len(reading.links),
            len(reading.qr_payloads),
            known[0].pattern_id if known else "none",
        )
        return await self.analyzer.check_text_async(
            text[:MAX_TEXT],
            kind=sub.kind,
            via="image",
            lang=sub.lang,
            country=sub.country,
            forward=sub.forward,
            extra=known,
            notes=("ocr",),
            started=started,
        )

    async def _known_image(self, reading: ImageReading, lang: str | None) -> list[VerdictMatch]:
        """The live pattern whose known image this picture copies, as a match (or none)."""
        # Chat screenshots share one layout: different ones came 4 bits apart, nearer than
        # re-shared copies of one (up to 6), so no distance tells them apart (docs/ocr.md).
        # They are matched by the text they show.
        if reading.screenshot:
            return []
        hit = await self.images.lookup(reading.phash)
        if hit is None or hit.item.pattern_id is None:
            return []
        pattern = self.analyzer.engines.engine.by_id.get(hit.item.pattern_id)
        if pattern is None:  # disabled or gone: its pictures flag nothing either
            return []
        out = lang or "es"
        return [
            known_image_match(
                pattern_id=pattern.id,
                title=pattern.title.get(out),
                summary=pattern.summary.get(out),
                category=pattern.category,
                verdict=hit.item.verdict,
                distance=hit.distance,
            )
        ]

    async def _enqueue(
        self,
        sub: Submission,
        where: Where,
        queue: MediaQueue,
        wait: Callable[[], Awaitable[int | None]],
    ) -> Queued:
        status = await wait()
        job = MediaJob.for_submission(
            sub,
            chat_id=where.chat_id,
            message_id=where.message_id,
            context="group" if where.door == "group" else "private",
            user_hash=where.user_hash,
            status_message_id=status,
        )
        return Queued(await queue.submit(job), status)

    async def listen(self, file: FileRef, fetch: Fetch, *, transcribe: bool) -> Heard:
        """The recording itself, for moderators' review: landmarks and a full transcript.

        The same download and decode steps as submit(), without cache or verdict: a reviewed
        note needs its words even when its cached analysis dropped them (privacy).
        """
        async with asyncio.timeout(self.timeout):
            audio, lm, timings = await self._decode(file, fetch)
            transcript = None
            if transcribe:
                loop = asyncio.get_running_loop()
                heard = await loop.run_in_executor(
                    self.executor, self.media.transcribe, audio, timings
                )
                transcript = heard.transcript or ""
        return Heard(lm, audio.duration, transcript)

    async def _decode(
        self, file: FileRef, fetch: Fetch
    ) -> tuple[DecodedAudio, Landmarks, dict[str, float]]:
        """Download, then decode and fingerprint in the media pool."""
        t0 = time.perf_counter()
        data = await fetch(file)
        download_ms = (time.perf_counter() - t0) * 1000
        loop = asyncio.get_running_loop()
        audio, lm, timings = await loop.run_in_executor(self.executor, self.media.decode, data)
        timings["download_ms"] = download_ms
        return audio, lm, timings

    async def _analyse(
        self, sub: Submission, file: FileRef, fetch: Fetch, started: float
    ) -> Verdict:
        audio, lm, timings = await self._decode(file, fetch)
        loop = asyncio.get_running_loop()
        t1 = time.perf_counter()
        hits = await self.memory.lookup(lm)  # the one fingerprint query of this note
        timings["lookup_ms"] = (time.perf_counter() - t1) * 1000
        analysis = await self.memory.recall(hits, audio, timings)
        if analysis is None:
            analysis = await loop.run_in_executor(
                self.executor, self.media.transcribe, audio, timings
            )
        await self.moderation.note_audio(file.file_unique_id, hits)  # trends: copies link up
        # The verdict decides whether the transcript may be cached, so compose it first (once).
        verdict = await self._compose(sub, analysis, started)
        await self.memory.remember(file.file_unique_id, analysis, lm, verdict.level)
        logger.info(
            "media analysed: kind %s, %.1f s, %s",
            sub.kind,
            analysis.duration,
            {k: round(v) for k, v in timings.items()},
        )
        return verdict

    async def _compose(self, sub: Submission, analysis: MediaAnalysis, started: float) -> Verdict:
        """The verdict of an analysed item, with today's patterns and the reader's language."""
        known = await self.memory.known(analysis)
        return await self.analyzer.run(
            self.media.verdict,
            analysis,
            known=known,
            kind=sub.kind,
            lang=sub.lang,
            country=sub.country,
            caption=sub.text,
            forward=sub.forward,
            started=started,
        )

    async def _count(self, sub: Submission, where: Where, verdict: Verdict) -> None:
        """Count the verdict (texts and media alike) and its sender for trend alerts."""
        if not where.count:
            return
        best = verdict.matches[0].pattern_id if verdict.matches else ""
        self.stats.count(sub.kind, verdict.level, best, seconds=verdict.elapsed_ms / 1000)
        if where.bot is not None and where.user_hash:
            await self.moderation.seen(
                where.bot, sub, verdict, user_hash=where.user_hash, source=where.door
            )
