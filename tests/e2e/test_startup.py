"""Start-up: texts are answered while the speech model loads; a voice note waits for it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import numpy as np

from bot.analysis.speech import Transcript
from bot.app import build_application, start, stop
from bot.telegram_request import RetryingRequest
from tests.conftest import FIXTURES
from tests.e2e.conftest import new_user
from tests.e2e.harness import make_settings, share_caches
from tests.fakebot import updates
from tests.fakebot.server import FakeBotApi

VOICE = FIXTURES / "audio" / "scam_es_hola_mama.ogg"
TEXT = "Hola mamá, se me rompió el móvil, este es mi número nuevo. ¿Me haces un Bizum de 300€?"


class HeldModel:
    """The real transcriber, whose background load waits until the test lets it go."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.loading = threading.Event()
        self.release = threading.Event()

    def load(self) -> None:
        """Start loading, then hold until released (as a slow disk or a busy CPU would)."""
        self.loading.set()
        if not self.release.wait(120):
            raise TimeoutError("never released")
        self.inner.load()

    def transcribe(self, samples: np.ndarray, *, language: str | None = None) -> Transcript:
        """The real transcription (the model is loaded by then)."""
        result: Transcript = self.inner.transcribe(samples, language=language)
        return result


async def test_a_voice_note_sent_while_the_model_loads_waits_and_texts_do_not(
    tmp_path: Path,
) -> None:
    async with FakeBotApi(strict_chats=False) as fake:
        share_caches(tmp_path)
        app, rt = build_application(
            make_settings(fake, tmp_path),
            request=RetryingRequest(connection_pool_size=16, backoff=0.05),
            get_updates_request=RetryingRequest(),
        )
        held = HeldModel(rt.deps.checks.media.transcriber)
        rt.deps.checks.media.transcriber = held
        rt.preload = True  # as `ojo run` sets it
        await start(app, rt)
        try:
            await asyncio.to_thread(held.loading.wait, 30)
            assert held.loading.is_set()
            listener, writer = new_user("es"), new_user("es")
            file_id, unique = fake.add_file(VOICE.read_bytes(), file_path_hint="voice/n.ogg")
            fake.push_update(updates.voice_message(file_id, unique, sender=listener))
            [status] = await fake.wait_for_messages(listener["id"], 1, timeout=30)
            assert "Escuchando" in (status.text or "")
            fake.push_update(updates.text_message(TEXT, sender=writer))
            [answer] = await fake.wait_for_messages(writer["id"], 1, timeout=30)
            assert (answer.text or "").startswith("🚨")
            assert not held.inner.loaded  # the text did not wait for the speech model
            held.release.set()

            def verdict() -> list[str]:
                return [
                    m.text or ""
                    for m in fake.sent.get(listener["id"], [])
                    if m.method == "editMessageText" and (m.text or "").startswith("🚨")
                ]

            [final] = await fake.wait_for(verdict, 120)
            assert "Lo que dice el audio:" in final
        finally:
            held.release.set()
            await stop(app)
