"""Telegram errors, slow answers and floods never silence the bot."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from telegram.error import TimedOut

from bot.telegram_request import RetryingRequest
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness, running_bot
from tests.fakebot import updates
from tests.fakebot.server import FakeBotApi

TEXT = "Oye, ¿mañana vienes a comer a casa de la abuela?"


def _calls(bot: Harness, method: str, chat_id: int) -> list[int]:
    # Failed calls keep only their raw parameters: strings from a form, numbers from JSON.
    return [c.status for c in bot.fake.calls(method) if str(c.raw.get("chat_id")) == str(chat_id)]


async def test_a_429_is_honoured_and_the_answer_still_arrives(shared_bot: Harness) -> None:
    user = new_user("es")
    shared_bot.fake.fail_next("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    shared_bot.fake.push_update(updates.text_message(TEXT, sender=user))
    [answer] = await shared_bot.answers(user["id"])  # type: ignore[arg-type]
    assert answer.text is not None
    assert _calls(shared_bot, "sendMessage", user["id"]) == [429, 200]  # type: ignore[arg-type]
    assert time.monotonic() - started >= 1.0  # it waited retry_after before retrying


async def test_a_bad_gateway_is_retried_with_backoff(shared_bot: Harness) -> None:
    user = new_user("es")
    shared_bot.fake.fail_next("sendMessage", status=502, times=2)
    shared_bot.fake.push_update(updates.text_message(TEXT, sender=user))
    [answer] = await shared_bot.answers(user["id"])  # type: ignore[arg-type]
    assert answer.text is not None
    assert _calls(shared_bot, "sendMessage", user["id"]) == [502, 502, 200]  # type: ignore[arg-type]


async def test_a_failing_update_gets_a_friendly_error_and_the_next_one_works(
    shared_bot: Harness,
) -> None:
    user = new_user("es")
    shared_bot.fake.fail_next("sendMessage", status=400, description="Bad Request: boom")
    shared_bot.fake.push_update(updates.text_message(TEXT, sender=user))
    [error] = await shared_bot.answers(user["id"])  # type: ignore[arg-type]
    assert error.text == "Algo ha fallado al revisar esto. Inténtalo de nuevo en un momento."
    shared_bot.fake.push_update(updates.text_message("hola mamá, llego tarde", sender=user))
    answers = await shared_bot.answers(user["id"], 2)  # type: ignore[arg-type]
    assert "No coincide" in (answers[-1].text or "")


async def test_a_timed_out_request_is_retried() -> None:
    async with FakeBotApi() as fake:
        request = RetryingRequest(read_timeout=0.3, backoff=0.01)
        await request.initialize()
        try:
            fake.delay_next("getMe", 2.0)
            url = f"{fake.base_url}{fake.token}/getMe"
            code, _ = await request.do_request(url, "POST")
            assert code == 200
            assert len(fake.calls("getMe")) >= 1
        finally:
            await request.shutdown()


async def test_timeouts_give_up_after_the_last_attempt() -> None:
    async with FakeBotApi() as fake:
        request = RetryingRequest(read_timeout=0.2, backoff=0.01, attempts=2)
        await request.initialize()
        try:
            fake.delay_next("getMe", 2.0)
            fake.delay_next("getMe", 2.0)
            with pytest.raises(TimedOut):
                await request.do_request(f"{fake.base_url}{fake.token}/getMe", "POST")
        finally:
            await request.shutdown()


async def test_a_user_flooding_the_bot_gets_a_friendly_slow_down(tmp_path: Path) -> None:
    async with running_bot(tmp_path, user_rate=3, paraphrase=False) as bot:
        user = new_user("es")
        for i in range(5):
            bot.fake.push_update(updates.text_message(f"{TEXT} ({i})", sender=user))
        answers = await bot.answers(user["id"], 5)  # type: ignore[arg-type]
        texts = [a.text or "" for a in answers]
        assert sum("Vas muy rápido" in t for t in texts) == 2
        assert sum("No coincide" in t for t in texts) == 3
