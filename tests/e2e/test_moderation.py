"""Moderators review reports, make and manage patterns, and hear about trends, end to end."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import av
import pytest
import pytest_asyncio

from bot.storage.audit import AuditRepo
from bot.storage.reports import ReportRecord, ReportRepo
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness, running_bot
from tests.fakebot import updates
from tests.fakebot.state import SentMessage

JSON = dict[str, Any]
AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
OWNER: JSON = updates.user(8_200_000_001, "Marta", language_code="es")
MOD_CHAT: JSON = updates.group_chat(-1_002_200_000_001, "Ojo · moderadores")
_groups = itertools.count(-1_002_300_000_001, -1)
LISTEN = 150.0  # seconds for a voice note to be transcribed on a busy 2-core machine


def settings(**overrides: Any) -> dict[str, Any]:
    """A bot with one owner, a moderators' chat, small trend thresholds, no paraphrase layer."""
    return {
        "moderators": [OWNER["id"]],
        "moderator_chat": MOD_CHAT["id"],
        "paraphrase": False,  # phrases and fingerprints are what these flows exercise
        "trend_users": 3,
        **overrides,
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """One moderation bot for the module; tests open their own reports by id."""
    async with running_bot(tmp_path_factory.mktemp("ojo-mod"), **settings()) as harness:
        harness.fake.add_chat(MOD_CHAT)
        yield harness


# ----- helpers -----


def command(text: str, sender: JSON, **kwargs: Any) -> JSON:
    """A command message (Telegram marks the /word with a bot_command entity)."""
    length = len(text.split()[0])
    entity = [{"type": "bot_command", "offset": 0, "length": length}]
    return updates.text_message(text, sender=sender, entities=entity, **kwargs)


def press(h: Harness, message: SentMessage, data: str, who: JSON = OWNER) -> None:
    """Tap an inline button of a bot message."""
    h.fake.push_update(updates.callback_query(data, message.message, sender=who))


def button(message: SentMessage, prefix: str) -> str:
    """The callback data of the button starting with `prefix`."""
    return next(
        b["callback_data"] for b in message.buttons if b["callback_data"].startswith(prefix)
    )


async def shows(
    h: Harness,
    chat_id: int,
    needle: str,
    *,
    since: int = 0,
    timeout: float = 30.0,  # noqa: ASYNC109
    where: Callable[[SentMessage], bool] = lambda m: True,
) -> SentMessage:
    """The first message sent or edited in a chat (after `since`) that contains `needle`."""

    def found() -> SentMessage | None:
        return next(
            (m for m in h.sent_to(chat_id)[since:] if m.text and needle in m.text and where(m)),
            None,
        )

    return await h.fake.wait_for(found, timeout)


def mark(h: Harness, chat_id: int) -> int:
    """How many messages a chat has so far (to look only at what comes next)."""
    return len(h.sent_to(chat_id))


def report_id(message: SentMessage) -> int:
    """The report number a confirmation or notification names."""
    found = re.search(r"#(\d+)", message.text or "")
    assert found is not None, message.text
    return int(found.group(1))


async def report(h: Harness, rid: int) -> ReportRecord:
    """A stored report."""
    async with h.rt.deps.db() as session:
        stored = await ReportRepo(session).get(rid)
    assert stored is not None
    return stored


async def group_report(h: Harness, text: str, member: JSON | None = None) -> int:
    """A member replies /report to a message in a group; return the report id."""
    member = member or new_user("es", "Vecina")
    group = updates.group_chat(next(_groups), "Vecinos del 5º")
    original = updates.message(text=text, sender=new_user("es", "Primo"), chat=group)
    since = mark(h, group["id"])
    h.fake.push_update(command("/report", member, chat=group, reply_to=original))
    done = await shows(h, group["id"], "#", since=since)
    return report_id(done)


async def open_card(h: Harness, rid: int) -> SentMessage:
    """Tap "Review" on a report's notification in the moderators' chat; return the card."""
    note = await shows(h, MOD_CHAT["id"], f"Denuncia #{rid}", where=lambda m: bool(m.buttons))
    since = mark(h, MOD_CHAT["id"])
    press(h, note, f"mod:open:{rid}")
    return await shows(
        h, MOD_CHAT["id"], f"Denuncia #{rid}", since=since, timeout=LISTEN, where=_has("mod:new")
    )


def _has(prefix: str) -> Callable[[SentMessage], bool]:
    return lambda m: any(b["callback_data"].startswith(prefix) for b in m.buttons)


def reencode(data: bytes, kbps: int) -> bytes:
    """Opus -> Opus at a lower bitrate: a new file (new file_unique_id) of the same recording."""
    src = av.open(io.BytesIO(data))
    buf = io.BytesIO()
    out = av.open(buf, "w", format="ogg")
    stream = out.add_stream("libopus", rate=48000)
    stream.bit_rate = kbps * 1000
    stream.layout = "mono"
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    for frame in src.decode(audio=0):
        frame.pts = None
        for chunk in resampler.resample(frame):
            for packet in stream.encode(chunk):
                out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    src.close()
    return buf.getvalue()


def forward_voice(h: Harness, data: bytes, sender: JSON, chat: JSON | None = None) -> JSON:
    """A user forwards a voice note (to the bot, or in a group)."""
    file_id, unique = h.fake.add_file(data, file_path_hint="voice/note.oga")
    update = updates.voice_message(
        file_id,
        unique,
        duration=15,
        sender=sender,
        chat=chat,
        forward_origin=updates.origin_hidden_user("Tía Rosa"),
    )
    h.fake.push_update(update)
    return update


# ----- reports -----


async def test_a_report_command_replying_in_a_group_is_stored_with_consent_and_notified(
    bot: Harness,
) -> None:
    member = new_user("es", "Vecina")
    group = updates.group_chat(next(_groups), "Comunidad Pez 12")
    text = "Me ha llegado esto: el ayuntamiento regala bonos de 200€ rellenando tus datos"
    original = updates.message(text=text, sender=new_user("es", "Primo"), chat=group)
    bot.fake.push_update(command("/report", member, chat=group, reply_to=original))

    done = await shows(bot, group["id"], "denuncia #")
    rid = report_id(done)
    assert "consentimiento" in (done.text or "")
    assert "90 días" in (done.text or "")
    note = await shows(bot, MOD_CHAT["id"], f"Denuncia #{rid}")
    assert "bonos de 200€" in (note.text or "")
    assert button(note, "mod:open:") == f"mod:open:{rid}"
    stored = await report(bot, rid)
    assert (stored.source, stored.kind, stored.text, stored.status) == (
        "group",
        "text",
        text,
        "new",
    )
    assert str(member["id"]) not in stored.reporter_hash  # anonymised
    assert stored.chat_hash and str(group["id"]) not in stored.chat_hash


async def test_a_report_command_without_a_reply_explains_how_to_use_it(bot: Harness) -> None:
    group = updates.group_chat(next(_groups), "Comunidad Pez 14")
    bot.fake.push_update(command("/report", new_user("es"), chat=group))
    answer = await shows(bot, group["id"], "/report")
    assert "respóndele" in (answer.text or "")


async def test_a_private_report_reaches_the_moderators_chat(bot: Harness) -> None:
    user = new_user("es", "Rocío")
    text = "Hola, soy del banco: su tarjeta ha sido bloqueada, llame al 900 000 000 ahora"
    bot.fake.push_update(updates.text_message(text, sender=user))
    [verdict] = await bot.answers(user["id"])
    press(bot, verdict, button(verdict, "v:rep:"), user)
    consent = await shows(bot, user["id"], "¿Lo envío?", where=_has("v:repok"))
    press(bot, consent, button(consent, "v:repok"), user)
    done = await shows(bot, user["id"], "denuncia #")

    note = await shows(bot, MOD_CHAT["id"], f"Denuncia #{report_id(done)}")
    assert "chat privado" in (note.text or "")
    assert "tarjeta ha sido bloqueada" in (note.text or "")


# ----- permissions -----


async def test_people_who_are_not_moderators_are_refused_every_moderator_tool(
    bot: Harness,
) -> None:
    stranger = new_user("es", "Curioso")
    for text in ("/review", "/patterns", "/stats", "/mod list", "/draft 1 title x"):
        bot.fake.push_update(command(text, stranger))
    answers = await bot.answers(stranger["id"], 5)
    assert all("solo para moderadores" in (a.text or "") for a in answers)
    rid = await group_report(bot, "Oferta de empleo: gana 90€/hora desde casa, escribe ya")
    note = await shows(bot, MOD_CHAT["id"], f"Denuncia #{rid}")
    calls = len(bot.fake.methods.callback_answers)
    press(bot, note, f"mod:legit:{rid}", stranger)
    await bot.fake.wait_for(lambda: len(bot.fake.methods.callback_answers) > calls)
    assert "solo para moderadores" in bot.fake.methods.callback_answers[-1]["text"]
    assert (await report(bot, rid)).status == "new"


async def test_only_owners_manage_moderators_and_new_moderators_can_review(bot: Harness) -> None:
    helper = new_user("es", "Ayudante")
    bot.fake.push_update(command("/review", helper))
    [refused] = await bot.answers(helper["id"])
    assert "solo para moderadores" in (refused.text or "")

    bot.fake.push_update(command(f"/mod add {helper['id']}", OWNER))
    await shows(bot, OWNER["id"], f"{helper['id']} ya es moderador")
    bot.fake.push_update(command("/mod list", helper))
    bot.fake.push_update(command("/stats", helper))
    owners_only, stats = await bot.answers(helper["id"], 3)
    assert "Solo los responsables" in (owners_only.text or "")
    assert "Estadísticas" in (stats.text or "")
    async with bot.rt.deps.db() as session:
        [entry] = await AuditRepo(session).list(target=f"user:{helper['id']}")
    assert (entry.actor, entry.action) == (f"user:{OWNER['id']}", "moderator.add")

    bot.fake.push_update(command(f"/mod remove {helper['id']}", OWNER))
    await shows(bot, OWNER["id"], f"{helper['id']} ya no es moderador")
    bot.fake.push_update(command("/review", helper))
    answers = await bot.answers(helper["id"], 4)
    assert "solo para moderadores" in (answers[-1].text or "")
