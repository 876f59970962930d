"""Is the database reachable? One ping a second, so the webhook can say "later" (503) at once."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger(__name__)
PING_EVERY = 1.0  # seconds between pings: a 10 s outage is noticed within about a second
PING_TIMEOUT = 2.0  # seconds per ping
# A refused or dropped connection is "down" at once; a slow answer only this many times in a
# row (a busy pool must not make a replica shed its load).
SLOW_PINGS = 2


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) means "no connection to the database", not a bug.

    asyncpg raises a refused connect as a plain OSError; a connection dropped mid-query comes
    wrapped by SQLAlchemy with `connection_invalidated`.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError | PoolTimeout | OperationalError | InterfaceError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if (
            type(current).__module__.startswith("asyncpg")
            and "Connection" in type(current).__name__
        ):  # ConnectionDoesNotExistError, PostgresConnectionError, ...
            return True
        current = current.__cause__ or current.__context__
    return False


class DatabaseWatch:
    """Pings the database every PING_EVERY seconds; `up` is the latest answer."""

    def __init__(
        self, db: async_sessionmaker[AsyncSession], timeout: float = PING_TIMEOUT
    ) -> None:
        self._db = db
        self._timeout = timeout
        self._slow = 0
        self.up = True

    async def ping(self) -> bool:
        """One `SELECT 1` within the timeout; returns (and sets) `up`."""
        try:
            async with asyncio.timeout(self._timeout), self._db() as session:
                await session.execute(text("SELECT 1"))
        except TimeoutError:
            self._slow += 1
            if self._slow >= SLOW_PINGS:
                self._down(f"no answer in {self._timeout:.0f} s")
            return self.up
        except Exception as exc:  # any other failure is "down" at once, logged on the change
            self._down(type(exc).__name__)
            return False
        self._slow = 0
        if not self.up:
            logger.info("database reachable again")
        self.up = True
        return True

    def _down(self, why: str) -> None:
        if self.up:
            logger.warning("database unreachable: %s", why)
        self.up = False

    async def run(self, every: float = PING_EVERY) -> None:
        """Ping until cancelled."""
        while True:
            await self.ping()
            await asyncio.sleep(every)
