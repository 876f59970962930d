"""Screenshots, photos and QR flyers: read and judged like the text they show, from every door."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.checking import CLI, extract_file, extract_text
from bot.deps import Deps
from tests.conftest import FIXTURES
from tests.e2e.conftest import as_read, new_user
from tests.e2e.harness import Harness
from tests.fakebot import updates

IMAGES = FIXTURES / "images"
pytestmark = pytest.mark.skipif(
    not Path("/usr/share/tesseract-ocr").exists(), reason="no tesseract language data installed"
)
# What tests/fixtures/images/make_images.py wrote into the Banistmo screenshot.
SHOWN = (
    "BANISTMO: Su cuenta ha sido bloqueada por seguridad.\n"
    "Verifique sus datos aquí: https://banistmo-seguro.top/acceso"
)


def push_photo(bot: Harness, path: Path, user: dict[str, object]) -> None:
    """A user forwards the bot a picture."""
    file_id, unique = bot.fake.add_file(path.read_bytes(), file_path_hint=f"photos/{path.name}")
    bot.fake.push_update(updates.photo_message(file_id, unique, sender=user))


async def send_photo(bot: Harness, path: Path) -> str:
    """A user forwards the bot a picture; returns the bot's answer."""
    user = new_user("es")
    push_photo(bot, path, user)
    [answer] = await bot.answers(user["id"])
    return answer.text or ""


async def test_a_scam_screenshot_gets_the_verdict_its_text_would_get(
    shared_bot: Harness, cli: Deps
) -> None:
    from_image = await cli.checks.verdict(
        extract_file(IMAGES / "scam_banistmo.jpg", lang="es", country="PA"), CLI
    )
    from_text = await cli.checks.verdict(extract_text(SHOWN, lang="es", country="PA"), CLI)
    assert from_image.kind == "photo"
    assert (from_image.level, from_image.matches[0].pattern_id) == (
        from_text.level,
        from_text.matches[0].pattern_id,
    )
    assert from_image.level == "scam"
    assert any(r.get("host") == "banistmo-seguro.top" for r in from_image.reasons)


async def test_a_forwarded_screenshot_gets_the_same_answer_from_the_bot_and_ojo_check(
    shared_bot: Harness, cli: Deps
) -> None:
    path = IMAGES / "scam_broken_link.jpg"
    answer = await send_photo(shared_bot, path)
    verdict = await cli.checks.verdict(extract_file(path, lang="es", country="ES"), CLI)
    assert answer.startswith("🚨")
    assert "banistmo-seguro.top" in answer
    assert answer == as_read(verdict, cli)


async def test_a_qr_flyer_is_judged_by_the_link_it_hides(shared_bot: Harness) -> None:
    answer = await send_photo(shared_bot, IMAGES / "qr_flyer.png")
    assert answer.startswith(("🚨", "⚠️"))
    assert "premio-iphone.win" in answer


async def test_a_benign_screenshot_is_not_flagged(shared_bot: Harness) -> None:
    answer = await send_photo(shared_bot, IMAGES / "benign_es.jpg")
    assert answer.startswith("🔎")


async def test_a_broken_picture_gets_a_clear_answer(shared_bot: Harness, tmp_path: Path) -> None:
    broken = tmp_path / "roto.jpg"
    broken.write_bytes((IMAGES / "benign_es.jpg").read_bytes()[:300])
    answer = await send_photo(shared_bot, broken)
    assert "dañado" in answer or "No puedo" in answer


def push_group_photo(bot: Harness, path: Path, group: dict[str, object]) -> None:
    """A member forwards a screenshot into the group."""
    member = new_user("es", "Tía Pili")
    file_id, unique = bot.fake.add_file(path.read_bytes(), file_path_hint=f"photos/{path.name}")
    origin = updates.origin_hidden_user("Lucía 2")
    bot.fake.push_update(
        updates.photo_message(file_id, unique, sender=member, chat=group, forward_origin=origin)
    )


async def test_a_scam_screenshot_forwarded_into_a_group_gets_a_warning(
    shared_bot: Harness,
) -> None:
    group = updates.group_chat(-100_777_000_123, "Familia Ortega")
    push_group_photo(shared_bot, IMAGES / "scam_banistmo.jpg", group)
    [warning] = await shared_bot.answers(group["id"])  # type: ignore[arg-type]
    assert (warning.text or "").startswith("🚨")
