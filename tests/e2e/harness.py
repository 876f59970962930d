"""Run the real Ojo Application (as `ojo run` builds it) against a FakeBotApi."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import Runtime, build_application, start, stop
from bot.settings import Settings
from bot.telegram_request import RetryingRequest
from tests.fakebot.server import FakeBotApi
from tests.fakebot.state import SentMessage

SHARED_CACHE = Path(__file__).resolve().parents[2] / ".cache"


def share_caches(data_dir: Path) -> None:
    """Point a bot's model and embedding caches at the repo's .cache (built once per machine)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in ("models", "cache"):
        shared = SHARED_CACHE / f"ojo-{name}"
        shared.mkdir(parents=True, exist_ok=True)
        link = data_dir / name
        if not link.exists():
            link.symlink_to(shared, target_is_directory=True)


@dataclass
class Harness:
    """A running bot, its fake Telegram and its settings."""

    fake: FakeBotApi
    app: Application  # type: ignore[type-arg]
    rt: Runtime
    settings: Settings

    async def answers(self, chat_id: int, n: int = 1, timeout: float = 30.0) -> list[SentMessage]:  # noqa: ASYNC109
        """Wait for `n` messages sent to a chat; return them all."""
        return await self.fake.wait_for_messages(chat_id, n, timeout)

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Everything sent or edited in a chat so far."""
        return list(self.fake.sent.get(chat_id, []))


def make_settings(fake: FakeBotApi, data_dir: Path, **overrides: Any) -> Settings:
    """Settings pointing at the fake, with a private data dir and no .env file."""
    values: dict[str, Any] = {
        "telegram_token": fake.token,
        "telegram_api_url": fake.base_url,
        "telegram_file_url": fake.base_file_url,
        "data_dir": data_dir,
        "web_port": 0,
        "default_country": "ES",
        "media_timeout": 120.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_bot(
    data_dir: Path, *, fake: FakeBotApi | None = None, webhook: bool = False, **overrides: Any
) -> AsyncIterator[Harness]:
    """Start a fake Bot API (unless given) and the real application; stop both after."""
    own_fake = fake is None
    fake = fake or FakeBotApi(strict_chats=False)
    if own_fake:
        await fake.start()
    try:
        share_caches(data_dir)
        settings = make_settings(fake, data_dir, **overrides)
        app, rt = build_application(
            settings,
            # The bot's own retrying request class (aiohttp), with a short backoff.
            request=RetryingRequest(connection_pool_size=16, backoff=0.05),
            get_updates_request=RetryingRequest(),
            webhook=webhook,
        )
        await start(app, rt)
        try:
            yield Harness(fake, app, rt, settings)
        finally:
            await stop(app)
    finally:
        if own_fake:
            await fake.stop()
