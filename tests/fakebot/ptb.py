"""python-telegram-bot wiring for tests: a Bot or an ApplicationBuilder aimed at a FakeBotApi."""

from __future__ import annotations

import functools
import ssl
from typing import Any

from telegram import Bot
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from tests.fakebot.server import FakeBotApi


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """One TLS context for every test client (never used: the fake speaks plain HTTP)."""
    return ssl.create_default_context()


def local_request(**kwargs: Any) -> HTTPXRequest:
    """An HTTPXRequest that skips httpx's per-client CA bundle load (~80 ms each)."""
    return HTTPXRequest(httpx_kwargs={"verify": ssl_context()}, **kwargs)


def application_builder(fake: FakeBotApi) -> ApplicationBuilder:  # type: ignore[type-arg]
    """Application.builder() with the fake's token, base URLs and fast local requests."""
    return (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .request(local_request())
        .get_updates_request(local_request())
    )


def bot_for(fake: FakeBotApi, token: str | None = None) -> Bot:
    """A Bot aimed at the fake (use `async with` to initialise and shut it down)."""
    return Bot(
        token or fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=local_request(),
        get_updates_request=local_request(),
    )
