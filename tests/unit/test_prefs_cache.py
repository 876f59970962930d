"""PrefsCache: misses read in batches, answers kept briefly and bounded, changes seen at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.moderation.live import POLL_SECONDS
from bot.prefs import LOCAL_TTL, SHARED_TTL, PrefsCache
from bot.settings import Settings
from bot.storage.db import create_engine
from bot.storage.users import Choices


class Store:
    """A users table in memory that records every query made to it."""

    def __init__(self, rows: dict[int, Choices] | None = None) -> None:
        self.rows = dict(rows or {})
        self.queries: list[list[int]] = []
        self.gate: asyncio.Event | None = None  # set: queries wait until it opens
        self.fail = False

    async def read(self, user_ids: Sequence[int]) -> dict[int, Choices]:
        self.queries.append(list(user_ids))
        snapshot = {u: self.rows[u] for u in user_ids if u in self.rows}  # as the query began
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("database down")
        return snapshot


async def reading(store: Store, queries: int = 1) -> None:
    """Let the event loop run until the store has received this many queries."""
    for _ in range(100):
        if len(store.queries) >= queries:
            return
        await asyncio.sleep(0)
    raise AssertionError("no query was made")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


EN = Choices("en", "MX")


async def test_many_users_asking_at_once_cost_one_query() -> None:
    store = Store({7: EN})
    cache = PrefsCache(store.read)

    got = await asyncio.gather(*(cache.get(u) for u in range(1, 51)))

    assert got[6] == EN
    assert [g for i, g in enumerate(got) if i != 6] == [None] * 49
    assert len(store.queries) == 1
    assert sorted(store.queries[0]) == list(range(1, 51))
    assert cache.reads == 1


async def test_users_who_ask_during_a_read_share_the_next_one() -> None:
    store = Store()
    store.gate = asyncio.Event()
    cache = PrefsCache(store.read)
    first = asyncio.create_task(cache.get(1))
    await reading(store)  # the first read started and waits on the gate
    later = [asyncio.create_task(cache.get(u)) for u in (2, 3, 4)]
    for _ in range(3):
        await asyncio.sleep(0)  # they all asked
    store.gate.set()

    await asyncio.gather(first, *later)

    assert store.queries == [[1], [2, 3, 4]]


async def test_an_answer_is_reused_until_it_expires() -> None:
    store, clock = Store({1: EN}), Clock()
    cache = PrefsCache(store.read, ttl=30.0, clock=clock)

    assert await cache.get(1) == EN
    store.rows[1] = Choices("es", None)  # changed by another replica
    clock.now = 29.0
    assert await cache.get(1) == EN
    clock.now = 31.0
    assert await cache.get(1) == Choices("es", None)
    assert len(store.queries) == 2


async def test_someone_who_never_chose_anything_is_remembered_too() -> None:
    store = Store()
    cache = PrefsCache(store.read)

    assert await cache.get(5) is None
    assert await cache.get(5) is None
    assert len(store.queries) == 1


async def test_a_change_in_this_process_is_seen_at_once() -> None:
    store = Store({1: EN})
    cache = PrefsCache(store.read)
    assert await cache.get(1) == EN

    store.rows[1] = Choices("es", "ES")  # /language: written, then forgotten
    cache.forget(1)

    assert await cache.get(1) == Choices("es", "ES")


async def test_a_read_that_raced_a_change_is_not_kept() -> None:
    store = Store({1: EN})
    store.gate = asyncio.Event()
    cache = PrefsCache(store.read)
    old = asyncio.create_task(cache.get(1))
    await reading(store)  # reading the old row...
    store.rows[1] = Choices("es", None)
    cache.forget(1)  # ...when /language committed the new one
    store.gate.set()

    assert await old == EN  # that message came in before the change
    assert await cache.get(1) == Choices("es", None)
    assert len(store.queries) == 2


async def test_the_cache_is_bounded_and_drops_the_least_recently_seen() -> None:
    store = Store()
    cache = PrefsCache(store.read, max_entries=3)
    for user in (1, 2, 3):
        await cache.get(user)
    await cache.get(1)  # 1 seen again: 2 is now the oldest
    await cache.get(4)

    assert len(cache) == 3
    store.queries.clear()
    await cache.get(1)
    await cache.get(2)
    assert store.queries == [[2]]  # 1 was kept, 2 was dropped


async def test_a_failed_read_reaches_every_waiter_and_nothing_is_kept() -> None:
    store = Store({1: EN})
    store.fail = True
    cache = PrefsCache(store.read)

    results = await asyncio.gather(cache.get(1), cache.get(2), return_exceptions=True)

    assert all(isinstance(r, RuntimeError) for r in results)
    assert len(cache) == 0
    store.fail = False
    assert await cache.get(1) == EN


async def test_one_cancelled_caller_does_not_cancel_the_others_read() -> None:
    store = Store({2: EN})
    store.gate = asyncio.Event()
    cache = PrefsCache(store.read)
    doomed = asyncio.create_task(cache.get(1))
    other = asyncio.create_task(cache.get(2))
    await reading(store)
    doomed.cancel()
    store.gate.set()

    assert await other == EN
    with pytest.raises(asyncio.CancelledError):
        await doomed


def test_answers_live_long_in_one_process_and_briefly_when_replicas_share_the_database(
    tmp_path: Path,
) -> None:
    def ttl(**overrides: str) -> float:
        settings = Settings(_env_file=None, data_dir=tmp_path, **overrides)  # type: ignore[call-arg]
        return PrefsCache.on(create_engine(settings.db_url), settings)._ttl

    assert ttl() == LOCAL_TTL
    assert ttl(redis_url="redis://127.0.0.1:6379/12") == SHARED_TTL
    assert ttl(database_url="postgresql+asyncpg://db/ojo") == SHARED_TTL
    assert SHARED_TTL <= POLL_SECONDS  # no staler than another replica's pattern changes
