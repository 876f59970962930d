"""The media queue: in-process workers by default, Redis-backed when scaled."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from telegram import Bot

from bot.errors import QueueFull
from bot.jobs.runner import MediaRunner
from bot.jobs.types import MediaJob
from bot.metrics import QUEUE

logger = logging.getLogger(__name__)


class MediaQueue(Protocol):
    """Where media jobs wait for a worker (CheckService puts them here)."""

    async def start(self, bot: Bot, runner: MediaRunner) -> None:
        """Start consuming with `runner` (in-process) or connect (Redis)."""
        ...

    async def stop(self) -> None:
        """Stop and release resources."""
        ...

    async def submit(self, job: MediaJob) -> int:
        """Enqueue; return the job's position (1 = next); raise QueueFull when full."""
        ...


class LocalMediaQueue:
    """A bounded asyncio queue drained by N worker tasks (one machine, `ojo run`)."""

    def __init__(self, *, workers: int, maxsize: int) -> None:
        self._workers = workers
        self._queue: asyncio.Queue[MediaJob] = asyncio.Queue(maxsize=maxsize)
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0

    async def start(self, bot: Bot, runner: MediaRunner) -> None:
        """Start the worker tasks."""
        self._tasks = [
            asyncio.create_task(self._work(bot, runner), name=f"ojo-media-{i}")
            for i in range(self._workers)
        ]

    async def stop(self) -> None:
        """Cancel the workers (jobs in flight are abandoned; users can forward again)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def submit(self, job: MediaJob) -> int:
        """Enqueue without waiting: a full queue is answered at once, not by blocking."""
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull as exc:
            raise QueueFull() from exc
        QUEUE.set(self.pending)
        # With a worker free the job starts now; otherwise it waits behind the others queued.
        return self._queue.qsize() if self._busy >= self._workers else 1

    @property
    def pending(self) -> int:
        """Jobs waiting plus jobs running."""
        return self._queue.qsize() + self._busy

    async def _work(self, bot: Bot, runner: MediaRunner) -> None:
        while True:
            job = await self._queue.get()
            self._busy += 1
            try:
                await runner.run(bot, job)
            except Exception:  # one bad job must never kill a worker
                logger.exception("media job crashed (chat %s, kind %s)", job.chat_id, job.kind)
                try:
                    await runner.crashed(bot, job)
                except Exception:
                    logger.exception("could not tell the user about the failure")
            finally:
                self._busy -= 1
                self._queue.task_done()
                QUEUE.set(self.pending)

    async def join(self) -> None:
        """Wait until every queued job is done (tests, graceful shutdown)."""
        await self._queue.join()
