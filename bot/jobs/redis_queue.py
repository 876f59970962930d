"""The scaled media queue: jobs go to Redis (arq) and `ojo worker` processes run them."""

from __future__ import annotations

import logging

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from telegram import Bot

from bot.errors import QueueFull
from bot.jobs.runner import MediaRunner
from bot.jobs.types import MediaJob

logger = logging.getLogger(__name__)
QUEUE_NAME = "ojo:media"
JOB_FUNCTION = "analyse_media"
# Without retries one failed Redis command ends arq's poll loop (the worker exits) and fails the
# enqueue. With these, a Redis restart or network cut of up to about a minute (60 tries, backoff
# capped at 1 s) makes workers and enqueues wait and carry on by themselves when it is back.
REDIS_RETRIES = 60


def redis_settings(redis_url: str) -> RedisSettings:
    """arq's connection settings for Ojo: the URL, plus retries through short Redis outages."""
    settings = RedisSettings.from_dsn(redis_url)
    settings.retry = Retry(ExponentialBackoff(cap=1.0, base=0.1), REDIS_RETRIES)
    # OSError too: redis-py 5 retries a refused *connect* only for errors in this list.
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError, OSError]
    settings.conn_retries = REDIS_RETRIES
    return settings


class RedisMediaQueue:
    """Enqueues media jobs in Redis; any number of `ojo worker` processes drain them."""

    def __init__(self, redis_url: str, *, maxsize: int, queue_name: str = QUEUE_NAME) -> None:
        self._settings = redis_settings(redis_url)
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
