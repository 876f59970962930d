"""The scaled mode: media jobs through Redis to an `ojo worker`, limits shared in Redis."""

from __future__ import annotations

import os
import uuid
import warnings
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.jobs.redis_queue import RedisMediaQueue
from bot.jobs.types import MediaJob
from bot.jobs.worker import make_worker
from bot.ratelimit import RedisRateLimiter
from bot.storage.db import upgrade
from tests.conftest import FIXTURES
from tests.e2e.harness import make_settings, share_caches
from tests.fakebot.server import FakeBotApi

REDIS_URL = os.environ.get("OJO_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="OJO_TEST_REDIS_URL is not set")


async def test_a_voice_note_queued_in_redis_is_answered_by_a_worker_process(
    tmp_path: Path,
) -> None:
    async with FakeBotApi(strict_chats=False) as fake:
        share_caches(tmp_path)
        queue_name = f"ojo:test:{uuid.uuid4().hex[:8]}"
        settings = make_settings(fake, tmp_path, redis_url=REDIS_URL, paraphrase=False)
        await upgrade(settings.db_url)
        data = (FIXTURES / "audio" / "scam_es_hola_mama.ogg").read_bytes()
        file_id, unique = fake.add_file(data, file_path_hint="voice/n.oga")
        queue = RedisMediaQueue(REDIS_URL, maxsize=10, queue_name=queue_name)
        await queue.start(None)  # type: ignore[arg-type]
        try:
            job = MediaJob(
                chat_id=4242,
                message_id=7,
                file_id=file_id,
                file_unique_id=unique,
                kind="voice",
                lang="es",
                country="ES",
            )
            assert await queue.submit(job) == 1
        finally:
            await queue.stop()
        worker = make_worker(settings, burst=True)
        worker.queue_name = queue_name
        try:
            await worker.main()
        finally:
            with warnings.catch_warnings():  # arq 0.28 still calls redis' deprecated close()
                warnings.simplefilter("ignore", DeprecationWarning)
                await worker.close()
        [answer] = await fake.wait_for_messages(4242, 1, timeout=5)
        assert (answer.text or "").startswith("🚨 Estafa conocida")


async def test_a_full_redis_queue_refuses_more_jobs() -> None:
    queue_name = f"ojo:test:{uuid.uuid4().hex[:8]}"
    queue = RedisMediaQueue(REDIS_URL, maxsize=2, queue_name=queue_name)
    await queue.start(None)  # type: ignore[arg-type]
    try:
        job = MediaJob(
            chat_id=1, message_id=1, file_id="f", file_unique_id="u", kind="voice", lang="es"
        )
        assert [await queue.submit(job) for _ in range(2)] == [1, 2]
        from bot.errors import QueueFull

        with pytest.raises(QueueFull):
            await queue.submit(job)
    finally:
        redis = Redis.from_url(REDIS_URL)
        await redis.delete(queue_name)
        await redis.aclose()
        await queue.stop()


async def test_rate_limits_are_shared_by_every_replica_through_redis() -> None:
    prefix = f"ojo:test:rl:{uuid.uuid4().hex[:8]}:"
    a, b = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    try:
        replica_a = RedisRateLimiter(a, limit=3, prefix=prefix)
        replica_b = RedisRateLimiter(b, limit=3, prefix=prefix)
        results = [
            await replica_a.hit("user:1"),
            await replica_b.hit("user:1"),
            await replica_a.hit("user:1"),
            await replica_b.hit("user:1"),
        ]
        assert results[:3] == [None, None, None]
        assert results[3] is not None
        assert 0 < results[3] <= 60
    finally:
        await a.aclose()
        await b.aclose()
