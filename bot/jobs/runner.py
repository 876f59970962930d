"""Runs one media job: download, decode, fingerprint, transcribe, match, cache, answer."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from concurrent.futures import Executor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError

from bot.analysis.fingerprint import Landmarks
from bot.analysis.media_check import KnownAudio, MediaAnalysis, MediaChecker
from bot.delivery import Deliverer
from bot.errors import AnalysisTimeout, MediaError, MediaTooLarge, ModelError
from bot.jobs.types import MediaJob
from bot.moderation.service import Moderation
from bot.privacy import file_key
from bot.settings import Settings
from bot.storage.cache import VerdictCacheRepo
from bot.storage.stats import StatsRepo
from bot.verdict import Verdict
from bot.web.server import VERDICTS

if TYPE_CHECKING:
    from bot.storage.fingerprints import AudioItemDTO, FingerprintStore

logger = logging.getLogger(__name__)
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # Bot API getFile limit
SEEN_PREFIX = "seen-"


class MediaRunner:
    """The media pipeline with its I/O: used by in-process workers and `ojo worker` alike."""

    def __init__(
        self,
        *,
        settings: Settings,
        checker: MediaChecker,
        db: async_sessionmaker[AsyncSession],
        deliverer: Deliverer,
        executor: Executor,
    ) -> None:
        self.settings = settings
        self.checker = checker
        self.db = db
        self.deliverer = deliverer
        self.executor = executor

    @functools.cached_property
    def moderation(self) -> Moderation:
        """Trend bookkeeping for media (one instance per runner, not per job)."""
        return Moderation(self.settings, self.db)

    @functools.cached_property
    def store(self) -> FingerprintStore:
        """The fingerprint index in the database."""
        from bot.storage.fingerprints import FingerprintStore

        return FingerprintStore(self.db)

    async def run(self, bot: Bot, job: MediaJob) -> Verdict | None:
        """Process one job end to end; every failure becomes a friendly answer."""
        started = time.perf_counter()
        try:
            verdict = await asyncio.wait_for(
                self._analyse(bot, job, started), timeout=self.settings.media_timeout
            )
        except TimeoutError:
            logger.warning("media job timed out (chat %s, kind %s)", job.chat_id, job.kind)
            await self.deliverer.error(bot, job, AnalysisTimeout.message_key)
            return None
        except MediaTooLarge:
            size = f"{(job.size or 0) / 1_048_576:.0f}"
            await self.deliverer.error(bot, job, MediaTooLarge.message_key, size=size)
            return None
        except (MediaError, ModelError) as exc:
            logger.info("media job failed: %s", exc.message_key)
            await self.deliverer.error(bot, job, exc.message_key)
            return None
        await self.deliverer.verdict(bot, job, verdict)
        await self._count(job, verdict)
        await self.moderation.media_sighting(bot, job, verdict)
        return verdict

    async def cached(self, job: MediaJob) -> MediaAnalysis | None:
        """A previous analysis of the very same Telegram file, if still fresh."""
        async with self.db() as session:
            hit = await VerdictCacheRepo(session).get(
                file_key(job.file_unique_id), datetime.now(UTC)
            )
            await session.commit()
        return MediaAnalysis.from_json(hit.verdict_json) if hit else None

    async def compose(self, job: MediaJob, analysis: MediaAnalysis, started: float) -> Verdict:
        """The verdict of an analysed item, with today's patterns and the user's language."""
        await self._refresh_items(analysis)
        return await self.checker.analyzer.run(
            lambda: self.checker.verdict(
                analysis,
                kind=job.kind,
                lang=job.lang,
                country=job.country,
                caption=job.caption,
                forward=job.forward_info(),
                started=started,
            ),
        )

    async def _analyse(self, bot: Bot, job: MediaJob, started: float) -> Verdict:
        if job.size is not None and job.size > TELEGRAM_DOWNLOAD_LIMIT:
            raise MediaTooLarge()
        cached = await self.cached(job)
        if cached is not None:
            return await self.compose(job, cached, started)
        t0 = time.perf_counter()
        try:
            tg_file = await bot.get_file(job.file_id)
            data = bytes(await tg_file.download_as_bytearray())
        except TelegramError as exc:
            if "too big" in str(exc).lower():
                raise MediaTooLarge() from exc
            raise
        download_ms = (time.perf_counter() - t0) * 1000
        loop = asyncio.get_running_loop()
        audio, lm, timings = await loop.run_in_executor(self.executor, self.checker.decode, data)
        timings["download_ms"] = download_ms
        analysis = await self._known(lm, audio.duration, audio.truncated, timings)
        if analysis is None:
            analysis = await loop.run_in_executor(
                self.executor, self.checker.transcribe, audio, timings
            )
        await self.moderation.note_audio(job.file_unique_id, lm)  # trends
        # The verdict decides whether the transcript may be cached, so compose it first (once).
        verdict = await self.compose(job, analysis, started)
        await self._remember(job, analysis, lm, verdict.level)
        logger.info(
            "media analysed: kind %s, %.1f s, %s",
            job.kind,
            analysis.duration,
            {k: round(v) for k, v in timings.items()},
        )
        return verdict

    async def _known(
        self, lm: Landmarks, duration: float, truncated: bool, timings: dict[str, float]
    ) -> MediaAnalysis | None:
        """Known hoax audio, or a note analysed before (a re-encoded forward): no transcript."""
        t0 = time.perf_counter()
        hits = await self.store.lookup(lm)
        timings["lookup_ms"] = (time.perf_counter() - t0) * 1000
        for hit in hits:
            item = await self.store.get(hit.item_id)
            if item is None:
                continue
            if item.origin != "seen":
                self.checker.items[item.id] = _known(item)
                return MediaAnalysis(
                    duration,
                    truncated,
                    None,
                    None,
                    item.id,
                    hit.offset_seconds,
                    hit.confidence,
                    timings,
                )
            async with self.db() as session:
                entry = await VerdictCacheRepo(session).get(f"fp:{item.id}", datetime.now(UTC))
                await session.commit()
            if entry is not None:
                previous = MediaAnalysis.from_json(entry.verdict_json)
                if previous.transcript:  # only flagged notes keep a transcript (privacy)
                    return MediaAnalysis(
                        duration,
                        truncated,
                        previous.transcript,
                        previous.language,
                        timings=timings,
                    )
        return None

    async def _remember(
        self, job: MediaJob, analysis: MediaAnalysis, lm: Landmarks, level: str
    ) -> None:
        """Cache by file id and by fingerprint, so repeat and re-encoded forwards are instant."""
        flagged = level != "no_match" or analysis.fingerprint_item is not None
        raw = analysis.to_json(keep_transcript=flagged)
        ttl = timedelta(hours=self.settings.cache_ttl_hours)
        version = self.checker.analyzer.pack_version
        async with self.db() as session, session.begin():
            repo = VerdictCacheRepo(session)
            await repo.put(file_key(job.file_unique_id), raw, version, ttl)
            if analysis.fingerprint_item is None and len(lm) > 0:
                await repo.put(f"fp:{SEEN_PREFIX}{job.file_unique_id}", raw, version, ttl)
        if analysis.fingerprint_item is None and len(lm) > 0:
            from bot.storage.fingerprints import AudioItemDTO

            item = AudioItemDTO(
                id=f"{SEEN_PREFIX}{job.file_unique_id}"[:80],
                title="",
                pattern_id=None,
                category="",
                verdict=level,
                origin="seen",
                provenance="forwarded to Ojo",
                duration_s=analysis.duration,
                n_hashes=len(lm),
                created_at=datetime.now(UTC),
            )
            await self.store.add(item, lm)

    async def _refresh_items(self, analysis: MediaAnalysis) -> None:
        item_id = analysis.fingerprint_item
        if item_id and item_id not in self.checker.items:
            item = await self.store.get(item_id)
            if item is not None:
                self.checker.items[item_id] = _known(item)

    async def _count(self, job: MediaJob, verdict: Verdict) -> None:
        VERDICTS.labels(job.kind, verdict.level).inc()
        best = verdict.matches[0].pattern_id if verdict.matches else ""
        async with self.db() as session, session.begin():
            await StatsRepo(session).bump(datetime.now(UTC).date(), job.kind, verdict.level, best)


def _known(item: AudioItemDTO) -> KnownAudio:
    return KnownAudio(
        item.id, item.title, item.pattern_id, item.category, item.verdict, item.origin
    )
