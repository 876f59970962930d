"""Voice notes, audio, video and video notes forwarded to the bot get verdicts within seconds."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np

from tests.conftest import FIXTURES
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness
from tests.fakebot import updates
from tests.fakebot.state import SentMessage

AUDIO = FIXTURES / "audio"
MEDIA_TIMEOUT = 120.0  # the base model on 2 shared cores; the benchmark measures real speed


def _push_file(
    bot: Harness,
    builder: Callable[..., dict[str, Any]],
    path: Path,
    user: dict[str, Any],
    **kwargs: Any,
) -> tuple[str, str]:
    file_id, unique = bot.fake.add_file(path.read_bytes(), file_path_hint=f"voice/{path.name}")
    bot.fake.push_update(builder(file_id, unique, sender=user, **kwargs))
    return file_id, unique


async def _final(bot: Harness, user: dict[str, Any], marker: str = "") -> SentMessage:
    """The status message once it was edited into a verdict (or an error)."""

    def done() -> list[SentMessage]:
        return [
            m
            for m in bot.sent_to(user["id"])
            if m.method == "editMessageText" and marker in (m.text or "")
        ]

    found = await bot.fake.wait_for(done, MEDIA_TIMEOUT)
    return found[-1]


async def test_the_hola_mama_voice_note_gets_a_scam_verdict_quoting_the_transcript(
    shared_bot: Harness,
) -> None:
    user = new_user("es")
    _push_file(
        shared_bot,
        updates.voice_message,
        AUDIO / "scam_es_hola_mama.ogg",
        user,
        forward_origin=updates.origin_hidden_user("Hija"),
    )
    [listening] = await shared_bot.answers(user["id"])
    assert "Escuchando" in (listening.text or "")
    assert (user["id"], "typing") in shared_bot.fake.methods.chat_actions
    verdict = await _final(shared_bot, user)
    text = verdict.text or ""
    assert text.startswith("🚨 Estafa conocida — Falso familiar con número nuevo")
    assert "Lo que dice el audio:" in text
    assert "número nuevo" in text
    assert "<b>" in str(verdict.params["text"])  # matched phrases are marked in the excerpt
    assert verdict.buttons[0]["text"] == "🔍 Cómo comprobarlo"


async def test_an_altered_copy_of_the_known_hoax_is_recognised_by_its_fingerprint(
    shared_bot: Harness,
) -> None:
    user = new_user("es")
    _push_file(shared_bot, updates.voice_message, AUDIO / "hoax/altered/noise-10db-snr.ogg", user)
    verdict = await _final(shared_bot, user)
    text = verdict.text or ""
    assert "folletos perfumados" in text
    assert "Es un audio ya conocido" in text


async def test_a_repeat_forward_is_answered_from_the_cache_without_downloading(
    shared_bot: Harness,
) -> None:
    user, other = new_user("es"), new_user("es")
    file_id, unique = _push_file(
        shared_bot, updates.voice_message, AUDIO / "scam_es_hola_mama.ogg", user
    )
    first = await _final(shared_bot, user)
    assert (first.text or "").startswith("🚨"), first.text
    downloads = len(shared_bot.fake.downloads)
    shared_bot.fake.push_update(updates.voice_message(file_id, unique, sender=other))
    [answer] = await shared_bot.answers(other["id"])
    assert (answer.text or "").startswith(("🚨", "⚠️"))
    assert len(shared_bot.fake.downloads) == downloads


async def test_an_english_voice_note_is_transcribed_in_english(shared_bot: Harness) -> None:
    user = new_user("en", "Ruth")
    _push_file(shared_bot, updates.voice_message, AUDIO / "scam_en_grandson_bail.ogg", user)
    verdict = await _final(shared_bot, user)
    assert (verdict.text or "").startswith(("🚨 Known scam", "⚠️ Suspicious"))
    assert "bail" in (verdict.text or "").lower()


async def test_audio_video_and_video_note_messages_are_all_checked(shared_bot: Harness) -> None:
    cases = [
        (updates.audio_message, AUDIO / "audio_en.mp3", {}),
        (updates.video_note_message, AUDIO / "video_note_es.mp4", {}),
        (updates.video_message, AUDIO / "video_note_es.mp4", {}),
        (
            updates.document_message,
            AUDIO / "hoax/altered/mp3-32k.mp3",
            {"file_name": "audio.mp3", "mime_type": "audio/mpeg"},
        ),
    ]
    for builder, path, extra in cases:
        user = new_user("es")
        _push_file(shared_bot, builder, path, user, **extra)
        verdict = await _final(shared_bot, user)
        assert (verdict.text or "").startswith(("🚨", "⚠️", "🔎")), builder.__name__


async def test_each_bad_file_gets_a_clear_answer_naming_the_problem(shared_bot: Harness) -> None:
    cases = {
        "corrupt.ogg": "parece dañado",
        "silence.ogg": "en silencio",
        "not_audio.png": "no tiene sonido",
    }
    for name, expected in cases.items():
        user = new_user("es")
        _push_file(shared_bot, updates.voice_message, AUDIO / name, user)
        answer = await _final(shared_bot, user, expected)
        assert expected in (answer.text or "")


async def test_an_empty_file_is_called_empty(shared_bot: Harness) -> None:
    user = new_user("es")
    file_id, unique = shared_bot.fake.add_file(b"\x00" * 0, file_path_hint="voice/empty.ogg")
    shared_bot.fake.push_update(updates.voice_message(file_id, unique, sender=user))
    answer = await _final(shared_bot, user, "vacío")
    assert "vacío" in (answer.text or "")


async def test_a_file_over_telegrams_limit_is_refused_without_downloading(
    shared_bot: Harness,
) -> None:
    user = new_user("es")
    gets = len(shared_bot.fake.calls("getFile"))
    shared_bot.fake.push_update(
        updates.voice_message("BIGFILE", "BIGUNIQUE", sender=user, file_size=31 * 1024 * 1024)
    )
    [answer] = await shared_bot.answers(user["id"])
    assert "20 MB" in (answer.text or "")
    assert len(shared_bot.fake.calls("getFile")) == gets


def _ten_minutes_of_speech() -> bytes:
    """~10 minutes of Opus made from the 120 s fixture, repeated (built in memory, not stored)."""
    with av.open(str(AUDIO / "long_es_120s.ogg")) as src:
        frames = [f.to_ndarray() for f in src.decode(audio=0)]
        rate = src.streams.audio[0].rate
    pcm = np.concatenate(frames, axis=1)
    pcm = np.tile(pcm, (1, 5))
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as dst:
        stream = dst.add_stream("libopus", rate=48000)
        stream.layout = "mono"  # type: ignore[union-attr]
        resampler_in = av.AudioFrame.from_ndarray(
            pcm[:1].astype(np.float32), format="fltp", layout="mono"
        )
        resampler_in.sample_rate = rate
        for packet in stream.encode(resampler_in):  # type: ignore[union-attr]
            dst.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            dst.mux(packet)
    return out.getvalue()


async def test_the_bot_keeps_answering_text_while_a_ten_minute_note_is_analysed(
    shared_bot: Harness,
) -> None:
    listener, chatter = new_user("es"), new_user("es")
    file_id, unique = shared_bot.fake.add_file(_ten_minutes_of_speech(), file_path_hint="v/l.ogg")
    shared_bot.fake.push_update(
        updates.voice_message(file_id, unique, sender=listener, duration=600)
    )
    await shared_bot.answers(listener["id"])  # "Listening…"
    await shared_bot.fake.wait_for(lambda: len(shared_bot.fake.downloads) and True)
    started = time.monotonic()
    shared_bot.fake.push_update(updates.text_message("¿A qué hora es la misa?", sender=chatter))
    [answer] = await shared_bot.answers(chatter["id"])
    waited = time.monotonic() - started
    assert "No coincide" in (answer.text or "")
    still_listening = [
        m for m in shared_bot.sent_to(listener["id"]) if m.method == "editMessageText"
    ]
    assert still_listening == []  # the long note was still being analysed
    assert waited < 5.0, f"text waited {waited:.1f} s behind a long voice note"
    await _final(shared_bot, listener, "")
