"""The one composition root: settings -> every service, each built once, in a frozen Deps.

`ojo run` (bot/app.py), `ojo worker` (bot/jobs/worker.py), `ojo check` (bot/checking.py) and
the benchmarks all call build_services(); nothing else constructs a service.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.analysis.engines import EngineHolder, make_encoder
from bot.analysis.media_check import AUDIO_DIR, MediaChecker
from bot.analysis.pipeline import Analyzer
from bot.content.loader import DEFAULT_CONTENT_DIR
from bot.delivery import Deliverer
from bot.deps import Deps
from bot.groups.service import GroupService
from bot.i18n import load_messages
from bot.jobs.media import LocalMediaQueue, MediaQueue
from bot.jobs.runner import MediaRunner
from bot.moderation.live import PatternSync
from bot.moderation.service import Moderation
from bot.prefs import PrefsCache
from bot.ratelimit import MemoryRateLimiter, RateLimiter
from bot.services.check import CheckService
from bot.services.memory import AnalysisMemory
from bot.services.reports import ReportService
from bot.settings import Settings
from bot.stats_buffer import StatsBuffer
from bot.storage.db import create_engine, session_maker
from bot.storage.fingerprints import FingerprintStore

MEMORY_DB = "sqlite+aiosqlite:///:memory:"  # `ojo check`: nothing written to disk


def build_services(
    settings: Settings, *, paraphrase: bool | None = None, database_url: str | None = None
) -> Deps:
    """Load content, build the engine, open the database and wire the analysis path."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # durations as timedelta (PTB 22 deprecation)
    content_dir = settings.content_dir or DEFAULT_CONTENT_DIR
    use_encoder = settings.paraphrase if paraphrase is None else paraphrase
    cache_dir = settings.data_dir / "cache"
    # The encoder comes from its unpacked copy in the data dir (a first start unpacks it, ~2 s)
    # and the pack and engine from the build cache (a first start builds them, ~1-2 s).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(make_encoder, use_encoder, cache_dir, 1)
        messages = load_messages(content_dir)
        encoder = pending.result()
    analyzer = Analyzer(EngineHolder.load(content_dir, encoder, cache_dir))
    db_engine = create_engine(database_url or settings.db_url)
    db = session_maker(db_engine)
    stats = StatsBuffer(db)
    moderation = Moderation(settings, db, messages)
    fingerprints = FingerprintStore(db)
    memory = AnalysisMemory(
        db,
        fingerprints,
        ttl=timedelta(hours=settings.cache_ttl_hours),
        version=lambda: analyzer.pack_version,
    )
    executor = ThreadPoolExecutor(max_workers=settings.media_workers, thread_name_prefix="media")
    queue = _queue(settings)
    checks = CheckService(
        analyzer=analyzer,
        media=MediaChecker.for_settings(settings, analyzer),
        memory=memory,
        moderation=moderation,
        stats=stats,
        executor=executor,
        timeout=settings.media_timeout,
        queue=queue,
    )
    # One GroupService for texts and media alike: they share one per-group warning limit.
    groups = GroupService.create(settings, db, messages, analyzer)
    return Deps(
        settings=settings,
        db_engine=db_engine,
        db=db,
        messages=messages,
        analyzer=analyzer,
        limiter=_limiter(settings),
        prefs=PrefsCache.on(db_engine, settings),
        stats=stats,
        moderation=moderation,
        checks=checks,
        reports=ReportService(settings, db, moderation, fingerprints),
        groups=groups,
        patterns=PatternSync(db, analyzer.engines, on_change=memory.forget_moderator_audio),
        queue=queue,
        runner=MediaRunner(checks, Deliverer(messages, groups=groups)),
        executor=executor,
    )


def _limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        from redis.asyncio import Redis

        from bot.ratelimit import RedisRateLimiter

        return RedisRateLimiter(Redis.from_url(settings.redis_url), settings.user_rate)
    return MemoryRateLimiter(settings.user_rate)


def _queue(settings: Settings) -> MediaQueue:
    if settings.redis_url:
        from bot.jobs.redis_queue import RedisMediaQueue

        return RedisMediaQueue(settings.redis_url, maxsize=settings.media_queue)
    return LocalMediaQueue(workers=settings.media_workers, maxsize=settings.media_queue)


async def prepare_database(deps: Deps, *, migrate: bool = True) -> None:
    """Migrate (or, for `ojo check`'s in-memory database, create) and seed known audio."""
    from bot.jobs.maintenance import seed_known_audio
    from bot.storage.db import upgrade_if_needed

    if migrate:
        await upgrade_if_needed(deps.settings.db_url)
    else:
        import bot.storage.fingerprints
        import bot.storage.models  # noqa: F401 - both define tables on Base
        from bot.storage.base import Base

        async with deps.db_engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    await seed_known_audio(deps.db, AUDIO_DIR)


async def start_background(deps: Deps) -> list[asyncio.Task[None]]:
    """Moderator patterns live now and followed from then on; counters flushed every 5 s."""
    await deps.patterns.sync()
    return [
        asyncio.create_task(deps.patterns.run(), name="ojo-pattern-sync"),
        asyncio.create_task(deps.stats.run(), name="ojo-stats"),
    ]


async def close_services(deps: Deps, tasks: list[asyncio.Task[None]]) -> None:
    """Stop background tasks (the counters flush once more) and release every resource."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    deps.executor.shutdown(wait=False, cancel_futures=True)
    deps.analyzer.close()
    await deps.db_engine.dispose()
