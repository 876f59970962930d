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
PING_TIMEOUT = 2.0  # seconds; a database that does not answer in this time counts as down


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

    def __init__(self, db: async_sessionmaker[AsyncSession]) -> None:
        self._db = db
        self.up = True

    async def ping(self) -> bool:
        """One `SELECT 1` within PING_TIMEOUT."""
        try:
            async with asyncio.timeout(PING_TIMEOUT), self._db() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:  # any failure is "down"; what it was is logged on the change
            if self.up:
                logger.warning("database unreachable: %s", type(exc).__name__)
            self.up = False
            return False
        if not self.up:
            logger.info("database reachable again")
        self.up = True
        return True

    async def run(self, every: float = PING_EVERY) -> None:
        """Ping until cancelled."""
        while True:
            await self.ping()
            await asyncio.sleep(every)
