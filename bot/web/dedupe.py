"""update_id de-duplication at the webhook: a redelivered update is processed once per fleet.

Telegram delivers an update again when it got no 200 in time (a slow or restarting replica),
possibly to another replica. Single mode remembers recent update ids in the process; scaled
mode claims each id in Redis (SET NX with a TTL), so only the first replica to see it runs it.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.metrics import DUPLICATES

logger = logging.getLogger(__name__)
MEMORY_IDS = 10_000  # recent ids kept per process: redeliveries come within minutes
# Telegram redelivers an unconfirmed update for a while; an hour of ids in Redis covers that at
# about 100 bytes per id (360 k keys, ~36 MB, at a sustained 100 updates/s).
REDIS_TTL_SECONDS = 3600
REDIS_TIMEOUT = 0.5  # seconds; past this the update is let through (see RedisDedupe.first)
REDIS_BACKOFF = 1.0  # seconds without asking Redis after a failure


class UpdateDedupe(Protocol):
    """Claims update ids: the first claim of an id wins, later ones are duplicates."""

    async def first(self, update_id: int) -> bool:
        """True the first time `update_id` is seen (then process it), False for a duplicate."""
        ...

    async def forget(self, update_id: int) -> None:
        """Release a claim (the update was not taken after all: its redelivery must run)."""
        ...


class MemoryDedupe:
    """The last MEMORY_IDS update ids of this process (single mode; scaled mode's fallback)."""

    def __init__(self, size: int = MEMORY_IDS) -> None:
        self._size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def first(self, update_id: int) -> bool:
        """True unless the id was claimed recently in this process."""
        return self.claim(update_id)

    def claim(self, update_id: int) -> bool:
        """first() without awaiting."""
        if update_id in self._seen:
            DUPLICATES.inc()
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True

    async def forget(self, update_id: int) -> None:
        """Release the claim."""
        self._seen.pop(update_id, None)


class RedisDedupe:
    """Claims ids in Redis for the whole fleet; this process' memory catches its own repeats.

    When Redis does not answer, the update is processed (the memory claim still stops repeats
    on this replica): a duplicate answer is better than a lost one.
    """

    def __init__(self, redis: Redis, bot_id: int, *, prefix: str = "ojo:update:") -> None:
        self._redis = redis
        self._prefix = f"{prefix}{bot_id}:"
        self._memory = MemoryDedupe()
        self._skip_until = 0.0

    @classmethod
    def from_url(cls, url: str, bot_id: int) -> RedisDedupe:
        """A client of its own with short timeouts: a Redis outage must not stall the webhook."""
        redis = Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        return cls(redis, bot_id)

    async def first(self, update_id: int) -> bool:
        """True when no replica claimed the id before (or Redis cannot tell)."""
        if not self._memory.claim(update_id):
            return False
        if time.monotonic() < self._skip_until:
            return True
        try:
            claimed = await self._redis.set(
                f"{self._prefix}{update_id}", b"1", nx=True, ex=REDIS_TTL_SECONDS
            )
        except (RedisError, OSError) as exc:
            self._skip_until = time.monotonic() + REDIS_BACKOFF
            logger.warning("update de-duplication without Redis: %s", type(exc).__name__)
            return True
        if not claimed:
            DUPLICATES.inc()
        return bool(claimed)

    async def forget(self, update_id: int) -> None:
        """Release the claim here and in Redis."""
        await self._memory.forget(update_id)
        try:
            await self._redis.delete(f"{self._prefix}{update_id}")
        except (RedisError, OSError) as exc:
            logger.warning("could not release update %s: %s", update_id, type(exc).__name__)

    async def close(self) -> None:
        """Close the Redis client."""
        await self._redis.aclose()
