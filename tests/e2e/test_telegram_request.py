"""The aiohttp-backed Bot API request: PTB's semantics for answers, errors, timeouts, uploads."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram_request import AiohttpRequest, RetryingRequest, make_request
from tests.fakebot import updates
from tests.fakebot.server import FakeBotApi
from tests.fakebot.spec import Upload


def _bot(fake: FakeBotApi, request: AiohttpRequest) -> Bot:
    return Bot(
        fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=request,
        get_updates_request=AiohttpRequest(),
    )


async def test_a_bot_on_it_sends_form_parameters_and_json_fields_like_httpx() -> None:
    async with FakeBotApi() as fake:
        user = updates.user(8_200_000_001, "Ana")
        fake.push_update(updates.text_message("hola", sender=user))
        async with _bot(fake, RetryingRequest(backoff=0.01)) as bot:
            [update] = await bot.get_updates()
            assert update.effective_message is not None
            sent = await bot.send_message(
                update.effective_message.chat_id,
                "¿Qué tal? ñandú",
                reply_parameters={"message_id": update.effective_message.message_id},
            )
            assert sent.text == "¿Qué tal? ñandú"
        [call] = fake.calls("sendMessage")
        assert call.status == 200
        assert call.params["reply_parameters"] == {
            "message_id": update.effective_message.message_id
        }


async def test_a_file_is_downloaded_through_get_file() -> None:
    async with FakeBotApi() as fake:
        file_id, _ = fake.add_file(b"OggS" + bytes(range(256)) * 40)
        async with _bot(fake, RetryingRequest(backoff=0.01)) as bot:
            tg_file = await bot.get_file(file_id)
            data = await tg_file.download_as_bytearray()
        assert bytes(data) == b"OggS" + bytes(range(256)) * 40


async def test_an_upload_goes_as_multipart_with_the_other_fields() -> None:
    async with FakeBotApi() as fake:
        request = AiohttpRequest()
        await request.initialize()
        try:
            data = RequestData(
                [
                    RequestParameter.from_input("chat_id", 42),
                    RequestParameter.from_input("caption", "audio ñ"),
                    RequestParameter.from_input(
                        "document", InputFile(b"\x00\x01 bytes", filename="nota.ogg")
                    ),
                ]
            )
            # The fake does not implement sendDocument: it records what arrived, then refuses.
            code, _ = await request.do_request(
                f"{fake.base_url}{fake.token}/sendDocument", "POST", data
            )
        finally:
            await request.shutdown()
        [call] = fake.calls("sendDocument")
        assert code == call.status
        assert call.raw["chat_id"] == "42"
        assert call.raw["caption"] == "audio ñ"
        upload = call.raw["document"]
        assert isinstance(upload, Upload)
        assert upload.filename == "nota.ogg"
        assert upload.data == b"\x00\x01 bytes"


async def test_a_429_is_not_retried_here_but_raised_as_retry_after_for_the_rate_limiter() -> None:
    async with FakeBotApi() as fake:
        async with _bot(fake, RetryingRequest(backoff=0.01)) as bot:
            fake.fail_next("getMe", status=429, retry_after=7)
            with pytest.raises(RetryAfter) as caught:
                await bot.get_me()
        assert caught.value.retry_after == 7 or caught.value.retry_after.total_seconds() == 7
        assert [c.status for c in fake.calls("getMe")] == [200, 429]


async def test_5xx_answers_are_retried_and_a_4xx_is_not() -> None:
    async with FakeBotApi() as fake:
        request = RetryingRequest(backoff=0.01)
        await request.initialize()
        try:
            url = f"{fake.base_url}{fake.token}/getMe"
            fake.fail_next("getMe", status=503, times=2)
            code, _ = await request.do_request(url, "POST")
            assert code == 200
            assert [c.status for c in fake.calls("getMe")] == [503, 503, 200]
            fake.fail_next("getMe", status=400, description="Bad Request: no")
            code, _ = await request.do_request(url, "POST")
            assert code == 400
            assert len(fake.calls("getMe")) == 4
        finally:
            await request.shutdown()


async def test_5xx_gives_the_last_answer_after_the_last_attempt() -> None:
    async with FakeBotApi() as fake:
        async with _bot(fake, RetryingRequest(backoff=0.01, attempts=3)) as bot:
            fake.fail_next("getMe", status=502, times=5)
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.get_me()
        assert [c.status for c in fake.calls("getMe")] == [200, 502, 502, 502]


async def test_a_read_timeout_raises_timed_out() -> None:
    async with FakeBotApi() as fake:
        request = AiohttpRequest(read_timeout=0.2)
        await request.initialize()
        try:
            fake.delay_next("getMe", 2.0)
            with pytest.raises(TimedOut):
                await request.do_request(f"{fake.base_url}{fake.token}/getMe", "POST")
            # A per-call timeout overrides the default.
            fake.delay_next("getMe", 0.4)
            code, _ = await request.do_request(
                f"{fake.base_url}{fake.token}/getMe", "POST", read_timeout=3.0
            )
            assert code == 200
        finally:
            await request.shutdown()


async def test_a_full_pool_times_out_without_sending() -> None:
    async with FakeBotApi() as fake:
        request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1, read_timeout=5.0)
        await request.initialize()
        try:
            url = f"{fake.base_url}{fake.token}/getMe"
            fake.delay_next("getMe", 0.5)
            first = asyncio.create_task(request.do_request(url, "POST"))
            await asyncio.sleep(0.05)
            with pytest.raises(TimedOut, match="Pool timeout"):
                await request.do_request(url, "POST")
            assert (await first)[0] == 200
            assert len(fake.calls("getMe")) == 1
        finally:
            await request.shutdown()


async def test_a_refused_connection_is_a_network_error_retried_then_raised() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = RetryingRequest(backoff=0.01, attempts=3, connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp.Client"):
            await request.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()


async def test_it_refuses_to_send_before_initialize_and_after_shutdown() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/x", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is fine
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/x", "POST")


async def test_a_bad_request_keeps_telegrams_description() -> None:
    async with FakeBotApi() as fake, _bot(fake, RetryingRequest(backoff=0.01)) as bot:
        fake.fail_next("getMe", status=400, description="Bad Request: boom")
        with pytest.raises(BadRequest, match="Boom"):
            await bot.get_me()


async def test_make_request_builds_aiohttp_by_default_and_httpx_on_demand() -> None:
    assert isinstance(make_request(connection_pool_size=8), RetryingRequest)
    assert not isinstance(make_request(httpx=True), AiohttpRequest)
