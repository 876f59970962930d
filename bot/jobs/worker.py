"""`ojo worker`: an arq worker that runs media jobs from Redis with its own Bot and database."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from arq.connections import RedisSettings
from arq.worker import Worker
from telegram import Bot

from bot.jobs.redis_queue import JOB_FUNCTION, QUEUE_NAME
from bot.jobs.types import MediaJob
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.analysis.pipeline import Analyzer

logger = logging.getLogger(__name__)


async def analyse_media(ctx: dict[str, Any], job: dict[str, Any]) -> str:
    """The arq job: the same MediaRunner the in-process queue uses."""
    from bot.jobs.runner import MediaRunner

    runner: MediaRunner = ctx["runner"]
    verdict = await runner.run(ctx["bot"], MediaJob(**job))
    return verdict.level if verdict else "error"


async def _startup(ctx: dict[str, Any]) -> None:
    from bot.analysis.engines import EngineHolder, make_encoder
    from bot.analysis.media_check import MediaChecker
    from bot.analysis.pipeline import Analyzer
    from bot.content.loader import DEFAULT_CONTENT_DIR, load_pack
    from bot.delivery import Deliverer
    from bot.groups.service import GroupService
    from bot.i18n import load_messages
    from bot.jobs.runner import MediaRunner
    from bot.storage.db import create_engine, session_maker
    from bot.telegram_request import RetryingRequest

    settings: Settings = ctx["settings"]
    content = settings.content_dir or DEFAULT_CONTENT_DIR
    pack = load_pack(content)
    analyzer = Analyzer(
        EngineHolder(pack, make_encoder(settings.paraphrase, settings.data_dir / "cache"))
    )
    engine = create_engine(settings.db_url)
    db = session_maker(engine)
    messages = load_messages(content)
    # Group media verdicts are delivered here too: the same warning policy as in-process.
    groups = GroupService.create(settings, db, messages, analyzer)
    executor = ThreadPoolExecutor(max_workers=settings.media_workers)
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    bot = Bot(
        token,
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
        request=RetryingRequest(),
    )
    await bot.initialize()
    ctx.update(
        db_engine=engine,
        executor=executor,
        bot=bot,
        runner=MediaRunner(
            settings=settings,
            checker=MediaChecker.for_bot(settings, analyzer),
            db=db,
            deliverer=Deliverer(messages, groups=groups),
            executor=executor,
        ),
    )
    await _start_pattern_sync(ctx, analyzer)


async def _start_pattern_sync(ctx: dict[str, Any], analyzer: Analyzer) -> None:
    """Moderator patterns reach workers too: sync now, then poll the revision."""
    from bot.moderation.live import PatternSync, forget_moderator_audio

    runner = ctx["runner"]  # the MediaRunner built above
    items = runner.checker.items
    sync = PatternSync(
        runner.db, analyzer.engines, on_change=lambda: forget_moderator_audio(items)
    )
    await sync.sync()
    ctx["pattern_sync"] = asyncio.create_task(sync.run(), name="ojo-pattern-sync")


async def _shutdown(ctx: dict[str, Any]) -> None:
    task: asyncio.Task[None] | None = ctx.get("pattern_sync")
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await ctx["bot"].shutdown()
    ctx["executor"].shutdown(wait=False, cancel_futures=True)
    await ctx["db_engine"].dispose()


def make_worker(settings: Settings, *, burst: bool = False) -> Worker:
    """An arq Worker for Ojo's media queue (burst=True drains the queue and returns: tests)."""
    if not settings.redis_url:
        raise SystemExit("ojo worker needs OJO_REDIS_URL")
    from arq.worker import func

    return Worker(
        [func(analyse_media, name=JOB_FUNCTION, max_tries=1)],
        queue_name=QUEUE_NAME,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx={"settings": settings},
        burst=burst,
        max_jobs=settings.media_workers,
        job_timeout=int(settings.media_timeout) + 30,
        handle_signals=not burst,
    )


def run_worker() -> int:
    """`ojo worker`."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    settings = Settings()
    logging.getLogger().setLevel(settings.log_level)
    make_worker(settings).run()
    return 0
