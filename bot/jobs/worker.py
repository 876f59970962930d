"""`ojo worker`: an arq worker that runs media jobs from Redis with its own Bot and database."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from arq.worker import Worker
from telegram.ext import ExtBot

from bot.jobs.redis_queue import JOB_FUNCTION, QUEUE_NAME, redis_settings
from bot.jobs.types import MediaJob
from bot.settings import Settings

logger = logging.getLogger(__name__)
# A job holds an arq "in-progress" key for job_timeout + 10 s. A worker killed mid-job (SIGKILL,
# OOM, node lost) leaves the job in the queue and that key behind; when the key expires any
# worker runs the job again. So job_timeout is kept close to the analysis' own timeout (the
# margin covers the download and the answer), and a job may be tried 3 times: a retry after a
# lost worker is allowed, a job that kills every worker is given up.
JOB_MARGIN_SECONDS = 5
MAX_TRIES = 3


class WorkerState:
    """What a worker process holds between jobs (arq passes its `ctx` dict to each job)."""

    def __init__(self, settings: Settings) -> None:
        from bot.composition import build_services

        self.deps = build_services(settings)
        token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
        from bot.telegram_request import DEFAULTS, RetryingRequest

        self.bot: ExtBot[None] = ExtBot(
            token,
            base_url=settings.telegram_api_url,
            base_file_url=settings.telegram_file_url,
            request=RetryingRequest(),
            defaults=DEFAULTS,
        )
        self.tasks: list[asyncio.Task[None]] = []


async def analyse_media(ctx: dict[str, Any], job: dict[str, Any]) -> str:
    """The arq job: the same MediaRunner (and CheckService) the in-process queue uses."""
    state: WorkerState = ctx["state"]
    verdict = await state.deps.runner.run(state.bot, MediaJob(**job))
    return verdict.level if verdict else "error"


async def _startup(ctx: dict[str, Any]) -> None:
    from bot.composition import start_background

    state = WorkerState(ctx["settings"])
    ctx["state"] = state
    await state.bot.initialize()
    # Moderator patterns reach workers too; counters are flushed from here like in the bot.
    state.tasks = await start_background(state.deps)
    logger.info("worker ready")  # operators (and the fleet test) wait for this line


async def _shutdown(ctx: dict[str, Any]) -> None:
    from bot.composition import close_services

    state: WorkerState | None = ctx.get("state")
    if state is None:
        return
    await state.bot.shutdown()
    await close_services(state.deps, state.tasks)


def make_worker(settings: Settings, *, burst: bool = False) -> Worker:
    """An arq Worker for Ojo's media queue (burst=True drains the queue and returns: tests)."""
    if not settings.redis_url:
        raise SystemExit("ojo worker needs OJO_REDIS_URL")
    from arq.worker import func

    return Worker(
        [func(analyse_media, name=JOB_FUNCTION, max_tries=MAX_TRIES)],
        queue_name=QUEUE_NAME,
        redis_settings=redis_settings(settings.redis_url),
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx={"settings": settings},
        burst=burst,
        max_jobs=settings.media_workers,
        job_timeout=int(settings.media_timeout) + JOB_MARGIN_SECONDS,
        handle_signals=not burst,
    )


def run_worker() -> int:
    """`ojo worker`."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    settings = Settings()
    from bot.logs import configure_logging

    configure_logging(settings)
    make_worker(settings).run()
    return 0
