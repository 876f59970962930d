"""The webhook's sink: what a replica does with an update Telegram POSTed to it.

It answers 503 (Telegram delivers again later, maybe to another replica) while the replica is
stopping or its database is unreachable, drops an update it or another replica already took
(same update_id) and otherwise queues the update for the Application.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.jobs.dbwatch import DatabaseWatch
from bot.web.dedupe import UpdateDedupe

logger = logging.getLogger(__name__)


class WebhookIngress:
    """Callable sink for build_web_app(webhook=...)."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        dedupe: UpdateDedupe,
        database: DatabaseWatch | None = None,
    ) -> None:
        self.app = app
        self.dedupe = dedupe
        self.database = database

    async def __call__(self, data: dict[str, Any]) -> None:
        """Queue the update once; raise 503 when it cannot be taken now."""
        # While stopping, the web server still listens but nothing reads the queue any more:
        # a 503 makes Telegram deliver the update again (to another replica) instead of a
        # 200 for an update that would be lost. The same while the database is unreachable:
        # the update waits at Telegram instead of failing here (it is checked before the
        # update_id is claimed, so its redelivery is not taken for a duplicate).
        if not self.app.running:
            raise web.HTTPServiceUnavailable(text="stopping")
        if self.database is not None and not self.database.up:
            raise web.HTTPServiceUnavailable(text="database unreachable")
        update = Update.de_json(data, self.app.bot)
        if not await self.dedupe.first(update.update_id):
            logger.info("update %s dropped: delivered before", update.update_id)
            return
        if not self.app.running:
            # Stopping began while the id was being claimed: after the stop marker nothing
            # reads the queue, so give the id back and let Telegram deliver it elsewhere.
            await self.dedupe.forget(update.update_id)
            raise web.HTTPServiceUnavailable(text="stopping")
        self.app.update_queue.put_nowait(update)  # no await between the check and the put
