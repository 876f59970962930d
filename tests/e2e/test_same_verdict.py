"""The same input gets the same verdict from every door: `ojo check` and the bot agree.

The `ojo check` side is built exactly as the CLI builds it (build_services with an in-memory
database, bot/checking.py's extract_* and Where); the bot side is the running Application
answering a private chat through the fake Bot API. Both answers are compared as the user
reads them (the rendered verdict).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.checking import CLI, extract_file, extract_text
from bot.deps import Deps
from bot.verdict import Verdict
from tests.conftest import FIXTURES
from tests.e2e.conftest import as_read, new_user
from tests.e2e.harness import Harness
from tests.fakebot import updates

AUDIO = FIXTURES / "audio"
MEDIA_TIMEOUT = 120.0
JSON = dict[str, object]
TEXT = (
    "Hola mamá, se me ha roto el móvil y este es mi número nuevo. "
    "¿Me haces un Bizum de 350€? Es urgente, mañana te lo devuelvo"
)


async def ojo_check_file(cli: Deps, path: Path) -> Verdict:
    """What `ojo check FILE --lang es --country ES` computes."""
    return await cli.checks.verdict(extract_file(path, lang="es", country="ES"), CLI)


def push_file(bot: Harness, path: Path, builder: object, user: JSON, **extra: object) -> None:
    """A user sends the bot this file."""
    file_id, unique = bot.fake.add_file(path.read_bytes(), file_path_hint=f"voice/{path.name}")
    bot.fake.push_update(builder(file_id, unique, sender=user, **extra))  # type: ignore[operator]


async def bot_file_answer(bot: Harness, path: Path, builder: object, **extra: object) -> str:
    """The bot's final answer (the status message edited into the verdict)."""
    user = new_user("es")
    push_file(bot, path, builder, user, **extra)

    def final() -> list[str]:
        return [
            m.text or ""
            for m in bot.sent_to(user["id"])
            if m.method == "editMessageText" and (m.text or "").startswith(("🚨", "⚠️", "🔎"))
        ]

    return (await bot.fake.wait_for(final, MEDIA_TIMEOUT))[-1]


async def test_a_text_gets_the_same_verdict_from_ojo_check_and_the_bot(
    shared_bot: Harness, cli: Deps
) -> None:
    user = new_user("es")
    shared_bot.fake.push_update(updates.text_message(TEXT, sender=user))
    [answer] = await shared_bot.answers(user["id"])
    verdict = await cli.checks.verdict(extract_text(TEXT, lang="es", country="ES"), CLI)
    assert verdict.level == "scam"
    assert answer.text == as_read(verdict, cli)


async def test_a_voice_note_gets_the_same_verdict_from_ojo_check_and_the_bot(
    shared_bot: Harness, cli: Deps
) -> None:
    path = AUDIO / "scam_es_banco.ogg"
    answer = await bot_file_answer(shared_bot, path, updates.voice_message)
    verdict = await ojo_check_file(cli, path)
    assert verdict.kind == "voice"
    assert verdict.transcript
    assert answer == as_read(verdict, cli)


async def test_an_audio_document_gets_the_same_verdict_from_ojo_check_and_the_bot(
    shared_bot: Harness, cli: Deps, tmp_path: Path
) -> None:
    # A file of no known media type is a "document" for `ojo check`, as for Telegram.
    path = tmp_path / "reenviado.bin"
    shutil.copy(AUDIO / "hoax" / "altered" / "mp3-32k.mp3", path)
    extra = {"file_name": "reenviado.bin", "mime_type": "audio/mpeg"}
    answer = await bot_file_answer(shared_bot, path, updates.document_message, **extra)
    verdict = await ojo_check_file(cli, path)
    assert verdict.kind == "document"
    assert answer == as_read(verdict, cli)
