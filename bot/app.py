"""The bot process: build_services (bot/composition.py) -> PTB Application -> run."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import ValidationError
from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.composition import build_services, close_services, prepare_database, start_background
from bot.concurrency import PerChatUpdateProcessor
from bot.deps import Deps
from bot.errors import ContentError
from bot.settings import Settings, token_problem
from bot.telegram_request import DEFAULTS, RetryingRequest
from bot.web.server import WEBHOOK_PATH, build_web_app

if TYPE_CHECKING:
    from bot.web.ingress import WebhookIngress

logger = logging.getLogger(__name__)
HTTP_POOL = 32  # concurrent Bot API requests (answers to many users at once)


@dataclass
class Runtime:
    """Resources opened in post_init and closed in post_shutdown."""

    deps: Deps
    webhook: bool = False
    web_runner: web.AppRunner | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    preload: bool = False  # `ojo run`: load the speech model in the background once started


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    webhook: bool = False,
) -> tuple[Application, Runtime]:  # type: ignore[type-arg]
    """The Application `ojo run` runs (tests build it the same way, against a fake Bot API)."""
    from handlers import register

    deps = build_services(settings)
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .request(request or RetryingRequest(connection_pool_size=HTTP_POOL))
        .get_updates_request(get_updates_request or RetryingRequest())
        # No overall cap: replies to users' own messages are not limited to 30/s by Telegram
        # (that figure is for broadcasts); groups keep Telegram's ~20 messages per minute, and
        # any 429 is honoured and retried.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor())
        .defaults(DEFAULTS)
    )
    rt = Runtime(deps, webhook)
    app = (
        builder.post_init(lambda a: _post_init(a, rt))
        .post_shutdown(lambda a: _post_shutdown(a, rt))
        .build()
    )
    register(app, deps)
    return app, rt


async def _post_init(app: Application, rt: Runtime) -> None:  # type: ignore[type-arg]
    """Migrate, seed known audio, start workers and the web server, register commands."""
    from bot.jobs.maintenance import maintenance_loop
    from handlers.commands import set_commands

    deps = rt.deps
    await prepare_database(deps)
    await deps.queue.start(app.bot, deps.runner)
    await set_commands(app, deps)
    maintenance = maintenance_loop(deps.db, deps.settings.cache_ttl_hours)
    rt.tasks.append(asyncio.create_task(maintenance, name="ojo-maintenance"))
    rt.tasks += await start_background(deps)  # moderator patterns live before the first update
    await _start_web(app, rt)
    logger.info(
        "Ojo started: %d patterns, content %s",
        deps.analyzer.engines.engine.pattern_count,
        deps.analyzer.pack_version,
    )


async def _start_web(app: Application, rt: Runtime) -> None:  # type: ignore[type-arg]
    settings = rt.deps.settings

    async def health() -> dict[str, object]:
        return await readiness(rt.deps)

    sink = await _ingress(app, rt) if rt.webhook else None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    from bot.web.console import setup_console

    web_app = build_web_app(
        health,
        webhook=sink,
        secret=secret,
        console=lambda web_app: setup_console(web_app, rt.deps, app.bot),
    )
    rt.web_runner = web.AppRunner(web_app, access_log=None)
    await rt.web_runner.setup()
    site = web.TCPSite(rt.web_runner, settings.web_host, settings.web_port)
    try:
        await site.start()
    except OSError as exc:  # a busy port must not stop the bot itself
        logger.warning(
            "web server not started on %s:%s: %s",
            settings.web_host,
            settings.web_port,
            exc.strerror,
        )


async def _ingress(app: Application, rt: Runtime) -> WebhookIngress:  # type: ignore[type-arg]
    """The webhook's sink: update_id claims (Redis when scaled) and the database watch."""
    from bot.jobs.dbwatch import DatabaseWatch
    from bot.web.dedupe import MemoryDedupe, RedisDedupe, UpdateDedupe
    from bot.web.ingress import WebhookIngress

    redis_url = rt.deps.settings.redis_url
    dedupe: UpdateDedupe = (
        RedisDedupe.from_url(redis_url, app.bot.id) if redis_url else MemoryDedupe()
    )
    if isinstance(dedupe, RedisDedupe):
        rt.closers.append(dedupe.close)
    if rt.deps.db_engine.dialect.name == "sqlite":  # a local file: never "unreachable"
        return WebhookIngress(app, dedupe)
    watch = DatabaseWatch(rt.deps.db)
    rt.tasks.append(asyncio.create_task(watch.run(), name="ojo-database-watch"))
    return WebhookIngress(app, dedupe, watch)


HEALTH_TIMEOUT = 2.0  # seconds per part: a probe must answer even when a dependency hangs


async def readiness(deps: Deps) -> dict[str, object]:
    """/healthz parts: database, Redis (scaled mode) and the detection model, each ok or not."""
    from sqlalchemy import text

    async def database() -> None:
        async with deps.db() as session:
            await session.execute(text("SELECT 1"))

    async def redis() -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(deps.settings.redis_url or "", socket_timeout=HEALTH_TIMEOUT)
        try:
            await client.ping()
        finally:
            await client.aclose()

    async def part(check: Callable[[], Awaitable[None]]) -> dict[str, object]:
        try:
            await asyncio.wait_for(check(), HEALTH_TIMEOUT)
        except Exception as exc:  # any failure is a "down" part with its reason, never a crash
            return {"ok": False, "error": type(exc).__name__}
        return {"ok": True}

    parts: dict[str, object] = {"database": await part(database)}
    if deps.settings.redis_url:
        parts["redis"] = await part(redis)
    patterns = deps.analyzer.engines.engine.pattern_count
    parts["model"] = {"ok": patterns > 0, "patterns": patterns}
    parts["patterns"] = patterns  # kept at the top level for existing probes
    return parts


async def _post_shutdown(app: Application, rt: Runtime) -> None:  # type: ignore[type-arg]
    """Close everything post_init opened, in reverse order."""
    if rt.web_runner is not None:
        await rt.web_runner.cleanup()
    await rt.deps.queue.stop()
    await close_services(rt.deps, rt.tasks)
    for close in rt.closers:
        await close()


async def start(app: Application, rt: Runtime) -> None:  # type: ignore[type-arg]
    """Start like run_polling/run_webhook do: initialise, post_init, updater, application."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    if rt.webhook:
        settings = rt.deps.settings
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        url = (settings.webhook_url or "").rstrip("/") + WEBHOOK_PATH
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
    else:
        assert app.updater is not None  # noqa: S101 - built with an updater
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0)
    await app.start()
    if rt.preload and not rt.deps.settings.redis_url:  # scaled: workers transcribe, not replicas
        rt.tasks.append(asyncio.create_task(preload_speech(rt.deps), name="ojo-preload-speech"))


PRELOAD_AFTER = 3.0  # seconds after start: the backlog of a restart is answered first


async def preload_speech(deps: Deps, delay: float = PRELOAD_AFTER) -> None:
    """Load the speech model in the media pool while the bot already answers texts.

    It waits a moment first: importing faster-whisper holds the GIL for about a second, which
    the updates waiting at start-up should not queue behind. A voice note arriving before the
    load starts loads the model itself; one arriving during the load queues behind it in the
    same pool and waits for it; texts never wait. A model that cannot load is reported by the
    first voice note.
    """
    load = getattr(deps.checks.media.transcriber, "load", None)
    if load is None:
        return
    await asyncio.sleep(delay)
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(deps.executor, load)
    except Exception as exc:  # the first voice note reports it to its sender
        logger.warning("speech model not preloaded: %s", exc)


async def stop(app: Application) -> None:  # type: ignore[type-arg]
    """Stop in reverse order and run post_shutdown."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    await app.shutdown()


def run(*, webhook: bool = False) -> int:
    """`ojo run`: start the bot and serve until interrupted."""
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"ojo: invalid settings:\n{exc}", file=sys.stderr)  # noqa: T201
        return 2
    from bot.logs import configure_logging

    configure_logging(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines contain the token
    problem = token_problem(settings)
    if problem:
        print(f"ojo: {problem}", file=sys.stderr)  # noqa: T201
        return 2
    if webhook and not settings.webhook_url:
        print("ojo: --webhook needs OJO_WEBHOOK_URL", file=sys.stderr)  # noqa: T201
        return 2
    try:
        app, rt = build_application(settings, webhook=webhook)
    except ContentError as exc:
        print(f"ojo: content invalid, not starting:\n{exc.detail}", file=sys.stderr)  # noqa: T201
        return 1
    rt.preload = True
    return asyncio.run(_serve(app, rt))


async def _serve(app: Application, rt: Runtime) -> int:  # type: ignore[type-arg]
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await start(app, rt)
    except InvalidToken:
        message = "ojo: Telegram rejected OJO_TELEGRAM_TOKEN: check it with @BotFather"
        print(message, file=sys.stderr)  # noqa: T201
        await close_services(rt.deps, [])
        return 2
    try:
        await stopping.wait()
    finally:
        await stop(app)
    return 0
