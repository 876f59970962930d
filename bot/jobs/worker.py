"""`ojo worker`: an arq worker that runs media jobs from Redis with its own Bot and database."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from typing import Any

from aiohttp import web
from arq.connections import ArqRedis
from arq.worker import Worker
from telegram.ext import ExtBot

from bot.jobs.dbwatch import database_unreachable
from bot.jobs.redis_queue import JOB_FUNCTION, QUEUE_NAME, redis_settings
from bot.jobs.types import MediaJob
from bot.metrics import DB_WAITS, count_error
from bot.settings import Settings

logger = logging.getLogger(__name__)
# A job holds an arq "in-progress" key for job_timeout + 10 s. A worker killed mid-job (SIGKILL,
# OOM, node lost) leaves the job in the queue and that key behind; when the key expires any
# worker runs the job again. So job_timeout is kept close to the analysis' own timeout (the
# margin covers the download and the answer), and a job may be tried 3 times: a retry after a
# lost worker is allowed, a job that kills every worker is given up.
JOB_MARGIN_SECONDS = 5
MAX_TRIES = 3
# A job that finds the database unreachable goes back to the queue (a new job, so these waits
# do not use up MAX_TRIES) and runs again DB_WAIT_SECONDS later: about 2 minutes in all, then
# the user gets the friendly "try again".
DB_WAIT_SECONDS = 2.0
MAX_DB_WAITS = 60


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
        self.web: web.AppRunner | None = None


async def analyse_media(ctx: dict[str, Any], job: dict[str, Any]) -> str:
    """The arq job: the same MediaRunner (and CheckService) the in-process queue uses."""
    state: WorkerState = ctx["state"]
    media = MediaJob(**job)
    try:
        verdict = await state.deps.runner.run(state.bot, media)
    except Exception as exc:  # the user must hear back: wait for the database, or a friendly error
        if database_unreachable(exc) and media.db_waits < MAX_DB_WAITS:
            return await _wait_for_database(ctx["redis"], media, exc)
        logger.exception("media job crashed (kind %s)", media.kind)
        count_error(exc)
        try:
            await state.deps.runner.crashed(state.bot, media)
        except Exception:  # Telegram unreachable too: logged, the job is over either way
            logger.exception("could not tell the user about the failure")
        return "error"
    return verdict.level if verdict else "error"


async def _wait_for_database(redis: ArqRedis, job: MediaJob, exc: Exception) -> str:
    """Queue the job again, DB_WAIT_SECONDS from now (its status message says "listening")."""
    DB_WAITS.inc()
    logger.warning(
        "database unreachable (%s): media job waits, %d/%d",
        type(exc).__name__,
        job.db_waits + 1,
        MAX_DB_WAITS,
    )
    again = replace(job, db_waits=job.db_waits + 1)
    await redis.enqueue_job(
        JOB_FUNCTION, again.to_dict(), _queue_name=QUEUE_NAME, _defer_by=DB_WAIT_SECONDS
    )
    return "waiting"


async def _serve_web(state: WorkerState) -> None:
    """/metrics and /healthz on OJO_WEB_PORT: media verdicts are counted here, not by replicas."""
    from bot.app import readiness
    from bot.web.server import build_web_app

    settings = state.deps.settings

    async def health() -> dict[str, object]:
        return await readiness(state.deps)

    state.web = web.AppRunner(build_web_app(health), access_log=None)
    await state.web.setup()
    try:
        await web.TCPSite(state.web, settings.web_host, settings.web_port).start()
    except OSError as exc:  # a busy port (a replica on the same host) must not stop the worker
        logger.warning("worker metrics not served on port %s: %s", settings.web_port, exc.strerror)


async def _startup(ctx: dict[str, Any]) -> None:
    from bot.composition import start_background

    state = WorkerState(ctx["settings"])
    ctx["state"] = state
    await state.bot.initialize()
    # Moderator patterns reach workers too; counters are flushed from here like in the bot.
    state.tasks = await start_background(state.deps)
    # A worker exists to transcribe: load the speech model before taking jobs, or the first
    # jobs after a deploy pay for it inside their OJO_MEDIA_TIMEOUT (and time out when busy).
    load = getattr(state.deps.checks.media.transcriber, "load", None)
    if callable(load):
        await asyncio.to_thread(load)
    await _serve_web(state)
    logger.info("worker ready")  # operators (and the fleet test) wait for this line


async def _shutdown(ctx: dict[str, Any]) -> None:
    from bot.composition import close_services

    state: WorkerState | None = ctx.get("state")
    if state is None:
        return
    if state.web is not None:
        await state.web.cleanup()
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
