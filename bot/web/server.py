"""The aiohttp side of the bot: /healthz, /metrics, the console and (webhook) Telegram."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import QUEUE, UPDATES, VERDICTS

logger = logging.getLogger(__name__)

__all__ = ["QUEUE", "UPDATES", "VERDICTS", "WEBHOOK_PATH", "build_web_app"]
WEBHOOK_PATH = "/telegram/webhook"
# Telegram's updates are a few kB; anything over 1 MB on the webhook is not Telegram (413).
MAX_UPDATE_BYTES = 1024 * 1024

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
        # A part reported as {"ok": False, ...} (database, Redis, model) makes the probe fail, so
        # a load balancer stops sending updates to this replica until it recovers.
        down = [k for k, v in status.items() if isinstance(v, dict) and v.get("ok") is False]
        return web.json_response({"ok": not down, **status}, status=503 if down else 200)

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def telegram(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if secret and not hmac.compare_digest(given, secret):
            return web.Response(status=403)
        if (request.content_length or 0) > MAX_UPDATE_BYTES:
            return web.Response(status=413)
        body = await request.read()  # chunked bodies: the length is known only now
        if len(body) > MAX_UPDATE_BYTES:
            return web.Response(status=413)
        try:
            data = json.loads(body)
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
