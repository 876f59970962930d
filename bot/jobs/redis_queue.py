"""The scaled media queue: jobs go to Redis (arq) and `ojo worker` processes run them."""

from __future__ import annotations

import logging

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from telegram import Bot

from bot.errors import QueueFull
from bot.jobs.runner import MediaRunner
from bot.jobs.types import MediaJob

logger = logging.getLogger(__name__)
QUEUE_NAME = "ojo:media"
JOB_FUNCTION = "analyse_media"


class RedisMediaQueue:
    """Enqueues media jobs in Redis; any number of `ojo worker` processes drain them."""

    def __init__(self, redis_url: str, *, maxsize: int, queue_name: str = QUEUE_NAME) -> None:
        self._settings = RedisSettings.from_dsn(redis_url)
        self._maxsize = maxsize
        self._queue_name = queue_name
        self._pool: ArqRedis | None = None

    async def start(self, bot: Bot, runner: MediaRunner | None = None) -> None:
        """Connect to Redis (`ojo worker` processes run the jobs, with their own runner)."""
        self._pool = await create_pool(self._settings, default_queue_name=self._queue_name)

    async def stop(self) -> None:
        """Close the connection."""
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None

    async def submit(self, job: MediaJob) -> int:
        """Enqueue unless the queue is full; the position is the queue length."""
        if self._pool is None:
            raise RuntimeError("RedisMediaQueue used before start()")
        waiting = int(await self._pool.zcard(self._queue_name))
        if waiting >= self._maxsize:
            raise QueueFull()
        await self._pool.enqueue_job(JOB_FUNCTION, job.to_dict(), _queue_name=self._queue_name)
        return waiting + 1
