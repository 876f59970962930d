"""Databases for integration tests: a SQLite file always, PostgreSQL when configured.

`OJO_TEST_POSTGRES_URL` (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test) names a server
where the tests may create and drop their own databases; nothing is written to the named one.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import pytest_asyncio
from pytest_asyncio import is_async_test
from sqlalchemy import NullPool
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from bot.storage.db import create_engine, default_sqlite_url, upgrade

POSTGRES_URL = os.environ.get("OJO_TEST_POSTGRES_URL", "")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="OJO_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


@asynccontextmanager
async def scratch_database(backend: str, directory: Path) -> AsyncIterator[str]:
    """Yield the URL of a new, empty database, dropped afterwards."""
    if backend == "sqlite":
        yield default_sqlite_url(directory)
        return
    name = f"ojo_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run tests that use the shared engine in the session's event loop, where it lives."""
    here = Path(__file__).parent
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if is_async_test(item) and "engine" in fixtures and item.path.is_relative_to(here):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Name the database backend under test ("sqlite" or "postgresql")."""
    return str(request.param)


@pytest_asyncio.fixture
async def db_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """Yield the URL of a fresh, empty, unmigrated database for this test alone."""
    async with scratch_database(backend, tmp_path) as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def migrated_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """Yield the URL of a database migrated to head once per test session and backend."""
    async with scratch_database(backend, tmp_path_factory.mktemp(backend)) as url:
        await upgrade(url)
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """Yield the engine on the shared migrated database, one per test session and backend."""
    engine = create_engine(migrated_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """Yield a session inside an outer transaction that is rolled back after the test.

    The session turns its own begin/commit into SAVEPOINTs, so code under test may use
    `async with session.begin():` exactly as in production.
    """
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()
