"""Alembic environment: uses the connection `bot.storage.db` hands over, or the URL of the CLI."""

import asyncio
import importlib
import importlib.util
import os
from logging.config import fileConfig
from pathlib import Path
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

import bot.storage.models  # noqa: F401  (registers the tables on Base.metadata)
from bot.storage.base import Base
from bot.storage.columns import UTCDateTime
from bot.storage.db import create_engine, default_sqlite_url, migration_transaction

# The audio fingerprint index has its own module; autogenerate must see its tables too.
if importlib.util.find_spec("bot.storage.fingerprints") is not None:
    importlib.import_module("bot.storage.fingerprints")

config = context.config
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations spell the plain column type so they never import application code.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _cli_url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("OJO_DATABASE_URL")
        or default_sqlite_url(Path("data"))
    )


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_cli(connection: Connection) -> None:
    with migration_transaction(connection):
        _run(connection)


async def _run_from_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_cli)
    finally:
        await engine.dispose()


def run_offline() -> None:
    """Emit the SQL instead of running it (`alembic upgrade --sql`)."""
    url = _cli_url()
    context.configure(
        url=url,
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate over the connection handed in by `bot.storage.db`, else connect from the CLI."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        # Only the `alembic` command line gets here, which has no event loop running.
        asyncio.run(_run_from_url(_cli_url()))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
