"""Per-user rate limits: in memory on one machine, in Redis when several replicas share users."""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # only the scaled mode imports redis (composition.py)
    from redis.asyncio import Redis


class RateLimiter(Protocol):
    """Answers whether a key may act now."""

    async def hit(self, key: str) -> float | None:
        """Record one action; None when allowed, else seconds to wait."""
        ...


class MemoryRateLimiter:
    """A sliding window of `limit` actions per `window` seconds (ephemeral by design)."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000) -> None:
        self._limit = limit
        self._window = window
        self._max_keys = max_keys
        self._events: dict[str, deque[float]] = {}

    async def hit(self, key: str) -> float | None:
        """Record one action; None when allowed, else seconds to wait."""
        now = time.monotonic()
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self._max_keys:  # bound memory under a flood of new users
                self._events.clear()
            events = self._events[key] = deque()
        while events and now - events[0] >= self._window:
            events.popleft()
        if len(events) >= self._limit:
            return max(0.1, self._window - (now - events[0]))
        events.append(now)
        return None


class RedisRateLimiter:
    """A fixed window counter in Redis (INCR + EXPIRE), shared by every replica."""

    def __init__(
        self, redis: Redis, limit: int, window: int = 60, prefix: str = "ojo:rl:"
    ) -> None:
        self._redis = redis
        self._limit = limit
        self._window = window
        self._prefix = prefix

    async def hit(self, key: str) -> float | None:
        """Record one action; None when allowed, else seconds to wait."""
        bucket = int(time.time() // self._window)
        name = f"{self._prefix}{key}:{bucket}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self._window * 2)
            count, _ = await pipe.execute()
        if int(count) > self._limit:
            return float(self._window - (time.time() % self._window))
        return None
