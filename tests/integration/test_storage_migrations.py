"""Migrations: the stairway, models against migrations, engine settings, units of work."""

import asyncio
import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, String, bindparam, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import bot.storage.models  # registers the tables on Base.metadata
from bot.storage.base import Base
from bot.storage.columns import UTCDateTime
from bot.storage.db import (
    MIGRATIONS_DIR,
    SQLITE_BUSY_TIMEOUT_MS,
    alembic_config,
    create_engine,
    current_revision,
    default_sqlite_url,
    downgrade,
    migration_transaction,
    session_maker,
    upgrade,
)
from bot.storage.settings_kv import KeyValueRepo
from bot.storage.users import UserRepo

if importlib.util.find_spec("bot.storage.fingerprints") is not None:
    import bot.storage.fingerprints  # noqa: F401

AUDIO_TABLES = {"audio_items", "audio_hashes", "audio_hash_counts"}
# Raw SQL: the audio tables' models live in fingerprints.py, written separately.
INSERT_AUDIO_ITEM = text(
    "INSERT INTO audio_items (id, key, title, category, verdict, origin, provenance,"
    " duration_s, n_hashes, created_at) VALUES ('hoax', 1, 'Hoax', 'hoax', 'scam',"
    " 'preset', 'test', 1.5, 2, :at)"
).bindparams(bindparam("at", type_=UTCDateTime()))
INSERT_TWO_HASHES = text(
    "INSERT INTO audio_hashes (hash, item_key, t) VALUES (1, 1, 0), (2, 1, 1)"
)


def revisions() -> list[str]:
    """Return every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


async def table_names(url: str) -> set[str]:
    """Return the tables in the database at `url`."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_every_migration_upgrades_downgrades_and_upgrades_again(db_url: str) -> None:
    steps = revisions()
    previous: str = "base"
    for revision in steps:
        await upgrade(db_url, revision)
        await downgrade(db_url, previous)
        await upgrade(db_url, revision)
        previous = revision
    assert await current_revision(db_url) == steps[-1]


async def test_downgrading_to_base_drops_every_table_and_upgrading_twice_restores_them(
    db_url: str,
) -> None:
    await upgrade(db_url)
    migrated = await table_names(db_url)
    await downgrade(db_url, "base")
    emptied = await table_names(db_url)
    await upgrade(db_url)
    await upgrade(db_url)  # already at head: nothing to do

    assert migrated == set(Base.metadata.tables) | AUDIO_TABLES | {"alembic_version"}
    assert emptied == {"alembic_version"}
    assert await table_names(db_url) == migrated
    assert await current_revision(db_url) == revisions()[-1]


async def test_the_models_match_the_migrated_schema(engine: AsyncEngine) -> None:
    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)

    if "audio_items" not in Base.metadata.tables:  # fingerprints.py not written yet
        changes = [c for c in changes if not _about_audio_tables(c)]
    assert changes == []


def _about_audio_tables(change: object) -> bool:
    return (
        isinstance(change, tuple)
        and change[0] == "remove_table"
        and (change[1].name in AUDIO_TABLES)
    )


async def test_the_alembic_command_line_migrates_and_finds_nothing_to_autogenerate(
    db_url: str,
) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))

    # The command line runs asyncio.run() in env.py, so it gets a thread without a loop.
    await asyncio.to_thread(command.upgrade, config, "head")
    if "audio_items" in Base.metadata.tables:
        await asyncio.to_thread(command.check, config)

    assert await current_revision(db_url) == revisions()[-1]


async def test_an_audio_hash_must_point_at_an_existing_audio_item(session: AsyncSession) -> None:
    insert_hash = text("INSERT INTO audio_hashes (hash, item_key, t) VALUES (1, 99, 0)")

    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(insert_hash)


async def test_deleting_an_audio_item_deletes_its_hashes(session: AsyncSession) -> None:
    await session.execute(INSERT_AUDIO_ITEM, {"at": datetime(2025, 1, 1, tzinfo=UTC)})
    await session.execute(INSERT_TWO_HASHES)

    await session.execute(text("DELETE FROM audio_items WHERE id = 'hoax'"))

    remaining = await session.execute(text("SELECT count(*) FROM audio_hashes"))
    assert remaining.scalar_one() == 0


async def test_a_sqlite_engine_creates_its_directory_and_sets_its_pragmas(tmp_path: Path) -> None:
    engine = create_engine(default_sqlite_url(tmp_path / "nested" / "data"))
    try:
        async with engine.connect() as conn:
            pragmas = [
                (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("foreign_keys", "journal_mode", "busy_timeout", "synchronous")
            ]
    finally:
        await engine.dispose()

    assert (tmp_path / "nested" / "data").is_dir()
    assert pragmas == [1, "wal", SQLITE_BUSY_TIMEOUT_MS, 1]  # synchronous 1 = NORMAL


async def test_a_unit_of_work_commits_together_or_not_at_all(db_url: str) -> None:
    await upgrade(db_url)
    engine = create_engine(db_url)
    sessions = session_maker(engine)

    async def failing_handler() -> None:
        async with sessions() as s, s.begin():
            await UserRepo(s).set_language(2, "en")
            raise RuntimeError("handler failed")

    try:
        async with sessions() as s, s.begin():
            await UserRepo(s).set_language(1, "es")
        with pytest.raises(RuntimeError, match="handler failed"):
            await failing_handler()
        async with sessions() as s:
            kept, dropped = await UserRepo(s).get_prefs(1), await UserRepo(s).get_prefs(2)
    finally:
        await engine.dispose()

    assert kept is not None
    assert kept.language == "es"
    assert dropped is None


async def test_concurrent_units_of_work_that_read_then_write_all_succeed(db_url: str) -> None:
    await upgrade(db_url)
    engine = create_engine(db_url)
    sessions = session_maker(engine)

    async def read_then_write() -> None:
        async with sessions() as s, s.begin():
            repo = KeyValueRepo(s)
            await repo.get("counter")
            await asyncio.sleep(0.01)  # let the others start their own transactions
            await repo.increment("counter")

    try:
        await asyncio.gather(*(read_then_write() for _ in range(5)))
        async with sessions() as s:
            final = await KeyValueRepo(s).get("counter")
    finally:
        await engine.dispose()

    assert final == "5"


async def test_a_sqlite_batch_migration_keeps_the_rows_that_reference_a_rebuilt_table(
    tmp_path: Path,
) -> None:
    url = default_sqlite_url(tmp_path)
    await upgrade(url)
    engine = create_engine(url)

    def rebuild_audio_items(conn: Connection) -> None:
        # What Alembic's batch mode does for most ALTERs on SQLite: copy, drop, rename.
        with migration_transaction(conn):
            context = MigrationContext.configure(conn, opts={"render_as_batch": True})
            with Operations(context).batch_alter_table("audio_items", recreate="always") as op:
                op.alter_column("title", type_=String(300))

    try:
        async with engine.begin() as conn:
            await conn.execute(INSERT_AUDIO_ITEM, {"at": datetime(2025, 1, 1, tzinfo=UTC)})
            await conn.execute(INSERT_TWO_HASHES)
        async with engine.connect() as conn:
            await conn.run_sync(rebuild_audio_items)
            hashes = (await conn.execute(text("SELECT count(*) FROM audio_hashes"))).scalar_one()
    finally:
        await engine.dispose()

    assert hashes == 2


async def test_the_integer_key_migration_carries_the_landmarks_over_and_back(db_url: str) -> None:
    await upgrade(db_url, "0001")
    engine = create_engine(db_url)
    at = {"at": datetime(2025, 1, 1, tzinfo=UTC)}
    old_item = text(
        "INSERT INTO audio_items (id, title, category, verdict, origin, provenance,"
        " duration_s, n_hashes, created_at) VALUES (:id, 'Hoax', 'hoax', 'scam',"
        " 'preset', 'test', 1.5, 2, :at)"
    ).bindparams(bindparam("at", type_=UTCDateTime()))
    try:
        async with engine.begin() as conn:
            for item_id in ("b-hoax", "a-hoax"):
                await conn.execute(old_item, {"id": item_id, **at})
            await conn.execute(
                text(
                    "INSERT INTO audio_hashes (hash, item_id, t) VALUES"
                    " (7, 'a-hoax', 0), (7, 'b-hoax', 3), (8, 'b-hoax', 4)"
                )
            )
        await upgrade(db_url)
        async with engine.connect() as conn:
            keys = dict((await conn.execute(text("SELECT id, key FROM audio_items"))).all())
            rows = set(
                (await conn.execute(text("SELECT hash, item_key, t FROM audio_hashes"))).all()
            )
            counts = set(
                (await conn.execute(text("SELECT hash, n_rows FROM audio_hash_counts"))).all()
            )
        await downgrade(db_url, "0001")
        async with engine.connect() as conn:
            back = set(
                (await conn.execute(text("SELECT hash, item_id, t FROM audio_hashes"))).all()
            )
    finally:
        await engine.dispose()

    assert keys == {"a-hoax": 1, "b-hoax": 2}
    assert rows == {(7, 1, 0), (7, 2, 3), (8, 2, 4)}
    assert counts == {(7, 2), (8, 1)}
    assert back == {(7, "a-hoax", 0), (7, "b-hoax", 3), (8, "b-hoax", 4)}
