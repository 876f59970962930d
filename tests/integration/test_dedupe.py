"""update_id de-duplication: in one process, across replicas through Redis, and without Redis."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from bot.web.dedupe import MemoryDedupe, RedisDedupe

REDIS_URL = os.environ.get("OJO_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="OJO_TEST_REDIS_URL is not set")


def _dropped() -> float:
    """ojo_duplicate_updates_total of this process, as /metrics shows it."""
    return REGISTRY.get_sample_value("ojo_duplicate_updates_total") or 0.0


async def test_one_process_takes_an_update_id_once_and_keeps_only_the_latest_ids() -> None:
    dedupe = MemoryDedupe(size=3)
    dropped = _dropped()
    assert [await dedupe.first(i) for i in (1, 2, 1, 3, 2)] == [True, True, False, True, False]
    assert _dropped() - dropped == 2
    await dedupe.first(4)  # 1 is the oldest of four: forgotten
    assert await dedupe.first(1) is True
    assert await dedupe.first(4) is False
    await dedupe.forget(4)  # given back: its redelivery is taken
    assert await dedupe.first(4) is True


@pytest_asyncio.fixture
async def redis() -> AsyncIterator[Redis]:
    """The test Redis database."""
    client = Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


@needs_redis
async def test_two_replicas_sharing_redis_take_each_update_once(redis: Redis) -> None:
    bot_id = int(uuid.uuid4().int % 10**9)  # keys of this run only
    replicas = [RedisDedupe.from_url(REDIS_URL, bot_id) for _ in range(2)]
    try:
        taken = [[await r.first(update_id) for r in replicas] for update_id in (10, 11)]
        assert taken == [[True, False], [True, False]]
        assert await replicas[1].first(12)  # whichever sees it first
        assert not await replicas[0].first(12)
        ttl = await redis.ttl(f"ojo:update:{bot_id}:10")
        assert 0 < ttl <= 3600
        await replicas[0].forget(11)  # taken, but the replica began stopping: given back
        third = RedisDedupe.from_url(REDIS_URL, bot_id)
        assert await third.first(11)
        await third.close()
        # Another bot on the same Redis has its own update ids.
        other = RedisDedupe.from_url(REDIS_URL, bot_id + 1)
        assert await other.first(10)
        await other.close()
    finally:
        await redis.delete(*[f"ojo:update:{bot_id}:{i}" for i in (10, 11, 12)])
        await redis.delete(f"ojo:update:{bot_id + 1}:10")
        for r in replicas:
            await r.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_without_redis_updates_are_still_taken_and_repeats_on_one_replica_dropped() -> None:
    dedupe = RedisDedupe.from_url(f"redis://127.0.0.1:{_closed_port()}/0", 1)
    try:
        assert await dedupe.first(1) is True  # a duplicate answer beats a lost one
        assert await dedupe.first(2) is True
        assert await dedupe.first(1) is False  # this process remembers it
    finally:
        await dedupe.close()
