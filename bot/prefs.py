"""Users' stored preferences on the hot path: read in batches, kept briefly, bounded.

Every message needs its sender's language, and a database read per message cost ~2.5 ms of CPU
and queued every update behind the others on the one SQLite connection (bench/bench_bot.py).
So:

- misses are coalesced: whoever asks while no read is running starts one, and everyone who asks
  meanwhile joins the next one, a single `WHERE user_id IN (...)` for the whole batch;
- answers (including "never chose anything") are kept in a bounded LRU for `ttl` seconds;
- `forget(user_id)` after /language, /country or /forget drops the entry at once in this
  process, and a read that was already running when it was called is not cached;
- how long an answer is kept depends on who else can change it. One process (SQLite, no
  Redis): every change goes through this process's `forget`, so entries live LOCAL_TTL (a
  safety net only). Replicas sharing PostgreSQL or Redis: another replica's change is seen
  here within SHARED_TTL, the same bound as moderator patterns (bot/moderation/live.py).
  Chosen over a version key checked per message (a Redis round trip per update, the cost
  this cache removes) and over pub/sub invalidation (a lost message would need the TTL anyway).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from bot.storage.users import Choices, read_choices

LOCAL_TTL = 600.0  # seconds an answer is kept when this process is the only writer
SHARED_TTL = 3.0  # seconds, when other replicas may change preferences too
PREFS_MAX = 50_000  # users kept; the least recently seen go first
BATCH_MAX = 500  # ids per query (far below SQLite's 32,766 bound variables)


Reader = Callable[[Sequence[int]], Awaitable[dict[int, Choices]]]


class PrefsCache:
    """Read-through cache of users' choices, batching concurrent misses into one query."""

    def __init__(
        self,
        read: Reader,
        *,
        ttl: float = LOCAL_TTL,
        max_entries: int = PREFS_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read_many = read
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[int, tuple[float, Choices | None]] = OrderedDict()
        self._waiting: dict[int, asyncio.Future[Choices | None]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._stale: set[int] = set()  # forgotten while a read was running: not cached
        self.reads = 0  # database queries made (tests and the benchmark read it)

    @classmethod
    def on(cls, engine: AsyncEngine, settings: Settings) -> PrefsCache:
        """A cache reading through this engine, its TTL chosen by the deployment (see above)."""
        shared = bool(settings.redis_url) or not settings.db_url.startswith("sqlite")
        ttl = SHARED_TTL if shared else LOCAL_TTL
        return cls(functools.partial(read_choices, engine), ttl=ttl)

    def __len__(self) -> int:
        """How many users are cached now."""
        return len(self._entries)

    async def get(self, user_id: int) -> Choices | None:
        """The user's stored preferences (None: never chose anything)."""
        hit = self._entries.get(user_id)
        if hit is not None:
            if hit[0] > self._clock():
                self._entries.move_to_end(user_id)
                return hit[1]
            del self._entries[user_id]
        future = self._waiting.get(user_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[user_id] = future
            if self._reader is None:
                self._reader = asyncio.create_task(self._read(), name="ojo-prefs-read")
        # shield: one caller cancelled (its update timed out) must not cancel the others' read
        return await asyncio.shield(future)

    def forget(self, user_id: int) -> None:
        """Drop a user's cached preferences (they just changed or were deleted)."""
        self._entries.pop(user_id, None)
        if self._reader is not None:
            self._stale.add(user_id)

    def clear(self) -> None:
        """Drop every cached entry (another process changed many users, or tests)."""
        self._stale.update(self._entries)
        self._entries.clear()

    async def _read(self) -> None:
        try:
            while self._waiting:
                batch = dict(list(self._waiting.items())[:BATCH_MAX])
                for user_id in batch:
                    del self._waiting[user_id]
                await self._read_batch(batch)
        finally:
            self._reader = None
            self._stale.clear()

    async def _read_batch(self, batch: dict[int, asyncio.Future[Choices | None]]) -> None:
        self._stale.clear()
        try:
            found = await self._read_many(list(batch))
        except Exception as exc:  # every waiter gets the error (its handler answers it)
            for future in batch.values():
                if not future.done():
                    future.set_exception(exc)
            return
        finally:
            self.reads += 1
        expires = self._clock() + self._ttl
        for user_id, future in batch.items():
            prefs = found.get(user_id)
            if user_id not in self._stale:
                self._store(user_id, expires, prefs)
            if not future.done():
                future.set_result(prefs)

    def _store(self, user_id: int, expires: float, prefs: Choices | None) -> None:
        self._entries[user_id] = (expires, prefs)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
