"""E2E fixtures: one shared running bot per session (loading the models once), and helpers."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

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
