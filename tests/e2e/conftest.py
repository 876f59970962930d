"""E2E fixtures: one shared running bot per session (loading the models once), and helpers."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.composition import MEMORY_DB, build_services, close_services, prepare_database
from bot.deps import Deps
from bot.render import render_verdict
from bot.verdict import Verdict
from tests.e2e.harness import Harness, running_bot
from tests.fakebot import updates

_user_ids = itertools.count(8_100_000_001)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """E2E tests share the session's event loop, where the shared bot lives."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """The bot as `ojo run` builds it (SQLite, paraphrase layer, base speech model)."""
    data = tmp_path_factory.mktemp("ojo-data")
    async with running_bot(data) as harness:
        yield harness


def new_user(lang: str = "es", name: str = "Carmen") -> dict[str, object]:
    """A fresh user (and so a fresh private chat) for each test: tests don't share state."""
    return updates.user(next(_user_ids), name, language_code=lang)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cli(shared_bot: Harness) -> AsyncIterator[Deps]:
    """The services `ojo check` builds, with the bot's settings."""
    deps = build_services(shared_bot.settings, database_url=MEMORY_DB)
    await prepare_database(deps, migrate=False)
    yield deps
    await close_services(deps, [])


def as_read(verdict: Verdict, cli: Deps) -> str:
    """The rendered verdict as Telegram shows it (HTML parsed into plain text + entities)."""
    return html.unescape(
        re.sub(r"<[^>]+>", "", render_verdict(verdict, "es", messages=cli.messages))
    )
