"""What Ojo remembers about media it analysed: by Telegram file, by fingerprint, known audio."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.fingerprint import FingerprintHit, Landmarks
from bot.analysis.media import DecodedAudio
from bot.analysis.media_check import KnownAudio, MediaAnalysis
from bot.privacy import file_key, fingerprint_key, seen_id
from bot.storage.cache import VerdictCacheRepo
from bot.storage.fingerprints import AudioItemDTO, FingerprintStore


class AnalysisMemory:
    """The verdict cache and the fingerprint index, seen from the analysis path."""

    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        store: FingerprintStore,
        *,
        ttl: timedelta,
        version: Callable[[], str],
    ) -> None:
        self.db = db
        self.store = store
        self.ttl = ttl
        self._version = version  # content + pattern revision: part of every cached entry
        self._items: dict[str, KnownAudio] = {}  # known audio read from the store, by id

    async def cached(self, file_unique_id: str) -> MediaAnalysis | None:
        """A previous analysis of the very same Telegram file, if still fresh."""
        async with self.db() as session:
            hit = await VerdictCacheRepo(session).get(file_key(file_unique_id), datetime.now(UTC))
            await session.commit()  # the hit counter
        return MediaAnalysis.from_json(hit.verdict_json) if hit else None

    async def lookup(self, lm: Landmarks) -> list[FingerprintHit]:
        """The fingerprint index's hits for a clip (asked once per note)."""
        return await self.store.lookup(lm)

    async def recall(
        self, hits: Sequence[FingerprintHit], audio: DecodedAudio, timings: dict[str, float]
    ) -> MediaAnalysis | None:
        """Known hoax audio, or a note analysed before (a re-encoded forward): no transcript."""
        for hit in hits:
            item = await self.store.get(hit.item_id)
            if item is None:
                continue
            if item.origin != "seen":
                self._items[item.id] = _known(item)
                return MediaAnalysis(
                    audio.duration,
                    audio.truncated,
                    None,
                    None,
                    item.id,
                    hit.offset_seconds,
                    hit.confidence,
                    timings,
                )
            async with self.db() as session:
                entry = await VerdictCacheRepo(session).get(
                    fingerprint_key(item.id), datetime.now(UTC)
                )
                await session.commit()
            if entry is not None:
                previous = MediaAnalysis.from_json(entry.verdict_json)
                if previous.transcript:  # only flagged notes keep a transcript (privacy)
                    return MediaAnalysis(
                        audio.duration,
                        audio.truncated,
                        previous.transcript,
                        previous.language,
                        timings=timings,
                    )
        return None

    async def known(self, analysis: MediaAnalysis) -> KnownAudio | None:
        """The known audio item an analysis matched, if any."""
        item_id = analysis.fingerprint_item
        if not item_id:
            return None
        if item_id not in self._items:
            item = await self.store.get(item_id)
            if item is None:
                return None
            self._items[item_id] = _known(item)
        return self._items[item_id]

    async def remember(
        self, file_unique_id: str, analysis: MediaAnalysis, lm: Landmarks, level: str
    ) -> None:
        """Cache by file id and by fingerprint, so repeat and re-encoded forwards are instant."""
        flagged = level != "no_match" or analysis.fingerprint_item is not None
        raw = analysis.to_json(keep_transcript=flagged)
        version = self._version()
        new_recording = analysis.fingerprint_item is None and len(lm) > 0
        own = seen_id(file_unique_id)
        async with self.db() as session, session.begin():
            repo = VerdictCacheRepo(session)
            await repo.put(file_key(file_unique_id), raw, version, self.ttl)
            if new_recording:
                await repo.put(fingerprint_key(own), raw, version, self.ttl)
        if new_recording:
            item = AudioItemDTO(
                id=own,
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

    def forget_moderator_audio(self) -> None:
        """Drop moderator-made items from memory so they are re-read (their pattern changed)."""
        for item_id in [k for k, v in self._items.items() if v.origin == "moderator"]:
            self._items.pop(item_id, None)


def _known(item: AudioItemDTO) -> KnownAudio:
    return KnownAudio(
        item.id, item.title, item.pattern_id, item.category, item.verdict, item.origin
    )
