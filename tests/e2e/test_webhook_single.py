"""One `ojo run --webhook` process without Redis: a redelivered update is answered once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from prometheus_client import REGISTRY

from bot.web.server import WEBHOOK_PATH
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness, running_bot
from tests.fakebot import updates

SECRET = "single-secret"


def _dropped() -> float:
    """ojo_duplicate_updates_total of this process, as /metrics shows it."""
    return REGISTRY.get_sample_value("ojo_duplicate_updates_total") or 0.0


@pytest_asyncio.fixture(loop_scope="session")
async def webhook_bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The real Application in webhook mode on SQLite, its web server on a free port."""
    async with running_bot(
        tmp_path,
        webhook=True,
        webhook_url="https://ojo.example.org",
        webhook_secret=SECRET,
        paraphrase=False,
    ) as bot:
        yield bot


async def _post(bot: Harness, update: dict[str, object]) -> int:
    assert bot.rt.web_runner is not None
    host, port = bot.rt.web_runner.addresses[0][:2]
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://{host}:{port}{WEBHOOK_PATH}",
            data=json.dumps(update),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as resp,
    ):
        return resp.status


async def test_an_update_delivered_three_times_is_answered_once(webhook_bot: Harness) -> None:
    dropped = _dropped()
    user = new_user("es")
    update = {
        "update_id": 41,
        **updates.text_message("Hola mamá, este es mi número nuevo", sender=user),
    }
    assert [await _post(webhook_bot, update) for _ in range(3)] == [200, 200, 200]
    await webhook_bot.answers(user["id"])
    # A later update answered: the repeats had their chance to be (wrongly) answered too.
    later = new_user("es")
    next_update = {"update_id": 42, **updates.text_message("¿Quedamos a las cinco?", sender=later)}
    assert await _post(webhook_bot, next_update) == 200
    await webhook_bot.answers(later["id"])
    assert len(webhook_bot.sent_to(user["id"])) == 1
    assert _dropped() - dropped == 2
