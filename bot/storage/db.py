"""Engine, sessions and migrations: SQLite (aiosqlite) by default, PostgreSQL (asyncpg)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

if TYPE_CHECKING:  # Alembic is imported only when there is something to migrate (~0.5 s)
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Transactions queue for the write lock (see _sqlite_on_begin); this is how long one waits
# before "database is locked". Waiting happens in aiosqlite's thread, not on the event loop.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Any fixed 64-bit number: replicas starting together take turns applying migrations.
_PG_MIGRATION_LOCK = 0x6F6A6F_6D6967


def default_sqlite_url(data_dir: Path) -> str:
    """Return the URL of the default SQLite database file inside `data_dir`."""
    return f"sqlite+aiosqlite:///{(data_dir / 'ojo.sqlite3').resolve()}"


def create_engine(url: str) -> AsyncEngine:
    """Create an async engine configured for Ojo (SQLite pragmas, PostgreSQL pre-ping)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _create_async_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # One connection, shared in turn: SQLite takes one writer at a time anyway, and with
    # BEGIN IMMEDIATE several connections would queue on the file lock through SQLite's
    # sleeping busy handler (measured: 2 updates/s with 40 concurrent chats) instead of
    # on the pool's FIFO queue (every statement here takes well under a millisecond).
    if database in ("", ":memory:"):
        # In memory (`ojo check`): SQLAlchemy keeps one connection (StaticPool), the database.
        engine = _create_async_engine(url)
    else:
        engine = _create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 driver (it skips it before SELECT and SAVEPOINT, which
    # breaks savepoints and repeatable reads); `_sqlite_on_begin` emits it instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL syncs at checkpoints instead of at every commit: a power cut may lose
    # the last commits but never corrupts the file (SQLite's documented WAL trade-off).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
    # writes fails at once with SQLITE_BUSY under WAL instead of waiting for busy_timeout.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory; callers own one `async with s, s.begin()` per update."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic config in code; `connection` is handed to env.py when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`; safe to call from a running event loop."""
    from alembic import command

    await _run_alembic(url, command.upgrade, revision)


async def upgrade_if_needed(url: str) -> bool:
    """Migrate to head unless the database is there already; return whether Alembic ran.

    Start-up asks the `alembic_version` table (one query) instead of importing Alembic and
    reading every migration script; anything unexpected (no table, another revision, several
    heads) goes through the ordinary `upgrade`, which takes the migration lock.
    """
    head = head_revision()
    if head is not None and await _stored_revisions(url) == {head}:
        return False
    await upgrade(url)
    return True


_REVISION = re.compile(r"""^(down_)?revision\b[^=]*=\s*(None|["']([^"']+)["'])""", re.MULTILINE)


def head_revision() -> str | None:
    """The one head of the migration scripts, read from their `revision` lines (None: unsure)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = {m[1] or "": m[3] for m in _REVISION.finditer(script.read_text("utf-8"))}
        if "" not in found or found[""] is None or "down_" not in found:
            return None  # a script this reader does not understand: let Alembic decide
        revisions.add(found[""])
        if found["down_"] is not None:
            parents.add(found["down_"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def _stored_revisions(url: str) -> set[str]:
    """The revisions in the database's `alembic_version` table (empty when there is none)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return {str(r[0]) for r in rows}
    except DBAPIError:
        return set()
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to `revision` ("base" drops everything)."""
    from alembic import command

    await _run_alembic(url, command.downgrade, revision)


async def current_revision(url: str) -> str | None:
    """Return the revision the database is at, or None when it is not migrated."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def _run_alembic(url: str, cmd: Callable[[Config, str], None], revision: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            # Alembic is synchronous: run it inside the connection's greenlet, whose I/O still
            # goes through the event loop, instead of a nested asyncio.run().
            await conn.run_sync(_run_alembic_sync, cmd, revision)
    finally:
        await engine.dispose()


def _run_alembic_sync(conn: Connection, cmd: Callable[[Config, str], None], rev: str) -> None:
    with migration_transaction(conn):
        cmd(alembic_config(conn), rev)
    logger.info("database migrated (%s to %s)", cmd.__name__, rev)


@contextmanager
def migration_transaction(conn: Connection) -> Iterator[None]:
    """Run migrations in one transaction: locked on PostgreSQL, foreign keys off on SQLite."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Batch ALTERs on SQLite copy and drop tables; with foreign keys on, dropping a parent
        # would cascade-delete its children. The pragma is ignored inside a transaction.
        _raw_execute(conn, "PRAGMA foreign_keys=OFF")
    try:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            yield
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            _raw_execute(conn, "PRAGMA foreign_keys=ON")


def _raw_execute(conn: Connection, sql: str) -> None:
    # Straight to the driver: going through `conn.execute` would BEGIN a transaction first.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()
