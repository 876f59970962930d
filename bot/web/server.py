"""The aiohttp side of the bot: /healthz, /metrics, the console and (webhook) Telegram."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import QUEUE, UPDATES, VERDICTS

logger = logging.getLogger(__name__)

__all__ = ["QUEUE", "UPDATES", "VERDICTS", "WEBHOOK_PATH", "build_web_app"]
WEBHOOK_PATH = "/telegram/webhook"

HealthCheck = Callable[[], Awaitable[dict[str, object]]]
UpdateSink = Callable[[dict[str, object]], Awaitable[None]]


def build_web_app(
    health: HealthCheck,
    *,
    webhook: UpdateSink | None = None,
    secret: str | None = None,
    console: Callable[[web.Application], None] | None = None,
) -> web.Application:
    """The web application; `webhook` enables the Telegram endpoint, `console` adds /console."""
    app = web.Application(client_max_size=2 * 1024 * 1024)

    async def healthz(_: web.Request) -> web.Response:
        try:
            status = await health()
        except Exception as exc:  # any failing dependency makes the probe fail, with a reason
            logger.warning("health check failed: %s", type(exc).__name__)
            return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
        return web.json_response({"ok": True, **status})

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def telegram(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if secret and not hmac.compare_digest(given, secret):
            return web.Response(status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict):
            return web.Response(status=400)
        assert webhook is not None  # noqa: S101 - the route exists only with a sink
        await webhook(data)
        return web.Response(text="ok")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if webhook is not None:
        app.router.add_post(WEBHOOK_PATH, telegram)
    if console is not None:
        console(app)
    return app
