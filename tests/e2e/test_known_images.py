"""Known scam images end to end: a moderator attaches a reported flyer, its copies are flagged."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image

from bench.screenshots import render_flyer
from bot.storage.images import ImageStore
from tests.conftest import FIXTURES
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness, running_bot
from tests.e2e.test_moderation import (
    JSON,
    MOD_CHAT,
    OWNER,
    button,
    command,
    mark,
    open_card,
    press,
    report,
    report_id,
    settings,
    shows,
)
from tests.e2e.test_moderation import (
    _has as has,
)
from tests.fakebot import updates

IMAGES = FIXTURES / "images"
PATTERN = "prize-lottery"
pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.skipif(
        not Path("/usr/share/tesseract-ocr").exists(), reason="no tesseract language data"
    ),
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """One moderation bot for the module."""
    async with running_bot(tmp_path_factory.mktemp("ojo-img"), **settings()) as harness:
        harness.fake.add_chat(MOD_CHAT)
        yield harness


def altered(data: bytes) -> bytes:
    """What a re-share does to a flyer: 8 % cut off the top, scaled to 3/4, JPEG 60."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    image = image.crop((0, round(h * 0.08), w, h)).resize(
        (w * 3 // 4, (h - round(h * 0.08)) * 3 // 4)
    )
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=60)
    return buf.getvalue()


def send_photo(h: Harness, data: bytes, sender: JSON) -> None:
    """A user forwards the bot a picture."""
    file_id, unique = h.fake.add_file(data, file_path_hint="photos/flyer.jpg")
    origin = updates.origin_hidden_user("Vecina del 2º")
    h.fake.push_update(
        updates.photo_message(file_id, unique, sender=sender, forward_origin=origin)
    )


async def test_a_flyer_attached_by_a_moderator_flags_altered_copies_and_nothing_else(
    bot: Harness,
) -> None:
    flyer = (IMAGES / "flyer_giveaway.jpg").read_bytes()
    user = new_user("es", "Sobrino")
    send_photo(bot, flyer, user)
    first = await shows(bot, user["id"], "🔎", where=lambda m: bool(m.buttons))
    assert "copia de una imagen" not in (first.text or "")  # its words alone flag nothing

    press(bot, first, button(first, "v:rep:"), user)
    consent = await shows(bot, user["id"], "¿Lo envío?", where=lambda m: bool(m.buttons))
    press(bot, consent, button(consent, "v:repok"), user)
    rid = report_id(await shows(bot, user["id"], "denuncia #"))
    stored = await report(bot, rid)
    assert (stored.kind, bool(stored.file_id)) == ("photo", True)  # the file to hash later

    since = mark(bot, OWNER["id"])
    bot.fake.push_update(command(f"/attach {rid} {PATTERN}", OWNER))
    done = await shows(bot, OWNER["id"], "huella de la imagen", since=since, timeout=60)
    assert f"Patrón {PATTERN} v1" in (done.text or "")
    images = ImageStore(bot.rt.deps.db)
    assert await images.ids(PATTERN) == [f"mod-img-r{rid}"]

    someone_else = new_user("es", "Abuela")
    send_photo(bot, altered(flyer), someone_else)
    [answer] = await bot.answers(someone_else["id"])
    text = answer.text or ""
    assert text.startswith("🚨")
    assert "Esta imagen es una copia de una imagen de estafa conocida" in text

    group = updates.group_chat(-100_777_000_456, "Vecinos del portal 3")
    file_id, unique = bot.fake.add_file(altered(flyer), file_path_hint="photos/copy.jpg")
    origin = updates.origin_hidden_user("Vecina del 2º")
    member = new_user("es", "Tía Pili")
    bot.fake.push_update(
        updates.photo_message(file_id, unique, sender=member, chat=group, forward_origin=origin)
    )
    [warning] = await bot.answers(group["id"])  # type: ignore[arg-type]
    assert (warning.text or "").startswith("🚨")

    neighbour = new_user("es", "Vecino")
    send_photo(bot, (IMAGES / "flyer_bakery.jpg").read_bytes(), neighbour)
    [benign] = await bot.answers(neighbour["id"])
    assert (benign.text or "").startswith("🔎")

    # Disabled, the pattern's pictures flag nothing either; enabled again, they do.
    bot.fake.push_update(command(f"/patterns disable {PATTERN}", OWNER))
    await shows(bot, OWNER["id"], f"{PATTERN} ahora en la versión 2")
    later = new_user("es", "Prima")
    send_photo(bot, altered(flyer), later)
    [after] = await bot.answers(later["id"])
    assert (after.text or "").startswith("🔎")


async def test_a_reported_poster_made_a_new_pattern_keeps_its_words_and_its_picture(
    bot: Harness,
) -> None:
    poster = render_flyer(
        "Cheque regalo gasolinera",
        ["Trescientos litros gratis", "Solo para los primeros mil", "Reclama en caja"],
        seed=21,
        palette=((120, 0, 90), (250, 230, 40)),
    )
    user = new_user("es", "Cuñado")
    send_photo(bot, poster, user)
    first = await shows(bot, user["id"], "🔎", where=lambda m: bool(m.buttons))
    press(bot, first, button(first, "v:rep:"), user)
    consent = await shows(bot, user["id"], "¿Lo envío?", where=lambda m: bool(m.buttons))
    press(bot, consent, button(consent, "v:repok"), user)
    rid = report_id(await shows(bot, user["id"], "denuncia #"))

    card = await open_card(bot, rid)
    assert "Trescientos litros gratis" in (card.text or "")  # what the poster says, by OCR
    since = mark(bot, MOD_CHAT["id"])
    press(bot, card, f"mod:new:{rid}")
    draft = await shows(bot, MOD_CHAT["id"], "Borrador", since=since, where=has("mod:mk"))
    since = mark(bot, MOD_CHAT["id"])
    press(bot, draft, f"mod:mk:{rid}")
    created = await shows(bot, MOD_CHAT["id"], "huella de la imagen", since=since, timeout=60)
    assert f"-r{rid} v1" in (created.text or "")

    someone_else = new_user("es", "Suegra")
    send_photo(bot, altered(poster), someone_else)
    [answer] = await bot.answers(someone_else["id"])
    assert (answer.text or "").startswith("🚨")
    assert "copia de una imagen de estafa conocida" in (answer.text or "")
