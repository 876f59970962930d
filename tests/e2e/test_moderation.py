"""Moderators review reports, make and manage patterns, and hear about trends, end to end."""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import pytest
import pytest_asyncio

from bot.storage.audit import AuditRepo
from bot.storage.db import create_engine, session_maker, upgrade
from bot.storage.patterns import PatternRepo
from bot.storage.reports import ReportRecord, ReportRepo
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness, make_settings, running_bot, share_caches
from tests.fakebot import updates
from tests.fakebot.server import FakeBotApi
from tests.fakebot.state import SentMessage

JSON = dict[str, Any]
AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
OWNER: JSON = updates.user(8_200_000_001, "Marta", language_code="es")
MOD_CHAT: JSON = updates.group_chat(-1_002_200_000_001, "Ojo · moderadores")
_groups = itertools.count(-1_002_300_000_001, -1)
# The module's bot lives in the session's event loop: its tests must run there too.
pytestmark = pytest.mark.asyncio(loop_scope="session")
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
        b["callback_data"]
        for b in message.buttons
        if b.get("callback_data", "").startswith(prefix)  # URL buttons have none
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
    return lambda m: any(b.get("callback_data", "").startswith(prefix) for b in m.buttons)


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
    _refused, owners_only, stats = await bot.answers(helper["id"], 3)
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


# ----- the review queue -----


async def test_review_walks_the_queue_through_each_decision(tmp_path: Path) -> None:
    async with running_bot(tmp_path, **settings()) as h:
        h.fake.add_chat(MOD_CHAT)
        legit = await group_report(
            h, "Recordatorio: la junta de la comunidad es el jueves a las 19h en el portal"
        )
        junk = await group_report(h, "jajaja mira el gato bailando salsa en la terraza")
        hoax = await group_report(
            h,
            "Atención: desde el lunes la DGT multará con 600 euros a quien lleve el chaleco "
            "reflectante en el maletero en vez de en la guantera. Pásalo a tus contactos",
        )
        variant = await group_report(
            h,
            "Ojo que ya multan 600 euros si el chaleco reflectante va en el maletero y no "
            "en la guantera del coche, lo ha dicho la radio esta mañana",
        )
        owner = OWNER["id"]
        h.fake.push_update(command("/review", OWNER))
        card = await shows(h, owner, f"Denuncia #{legit}", where=_has("mod:legit"))
        assert "junta de la comunidad" in (card.text or "")

        since = mark(h, owner)
        press(h, card, f"mod:legit:{legit}")
        await shows(h, owner, "legítima", since=since)
        card = await shows(h, owner, f"Denuncia #{junk}", since=since, where=_has("mod:rej"))

        since = mark(h, owner)
        press(h, card, f"mod:rej:{junk}")
        await shows(h, owner, f"Denuncia #{junk} descartada", since=since)
        card = await shows(h, owner, f"Denuncia #{hoax}", since=since, where=_has("mod:new"))

        since = mark(h, owner)
        press(h, card, f"mod:new:{hoax}")
        draft = await shows(h, owner, "Borrador de patrón", since=since, where=_has("mod:mk"))
        assert "chaleco reflectante" in (draft.text or "")
        pattern_id = re.search(r"id: (\S+)", draft.text or "")
        assert pattern_id is not None
        since = mark(h, owner)
        press(h, draft, f"mod:mk:{hoax}")
        created = await shows(h, owner, "activo", since=since)
        assert pattern_id.group(1) in (created.text or "")
        card = await shows(h, owner, f"Denuncia #{variant}", since=since, where=_has("mod:att"))

        since = mark(h, owner)
        press(h, card, f"mod:att:{variant}")
        choose = await shows(h, owner, "¿A qué patrón", since=since, where=_has("mod:to"))
        since = mark(h, owner)
        press(h, choose, f"mod:to:{variant}:{pattern_id.group(1)}")
        await shows(h, owner, f"{pattern_id.group(1)} v2 activo", since=since)
        await shows(h, owner, "No quedan denuncias", since=since)

        statuses = [(await report(h, r)).status for r in (legit, junk, hoax, variant)]
        assert statuses == ["legit", "rejected", "accepted", "accepted"]
        async with h.rt.deps.db() as session:
            history = await PatternRepo(session).history(pattern_id.group(1))
            audit = await AuditRepo(session).list(target=f"report:{legit}")
        assert [v.version for v in history] == [1, 2]
        assert "lo ha dicho la radio" in history[1].body_json  # the variant became an example
        assert audit[0].action == "report.legit"
        assert audit[0].actor == f"user:{owner}"
        verdict = h.rt.deps.analyzer.check_text(
            "la DGT multará con 600 euros a quien lleve el chaleco reflectante en el maletero"
        )
        assert verdict.level == "scam"
        assert verdict.matches[0].pattern_id == pattern_id.group(1)


# ----- patterns -----


async def test_patterns_are_listed_shown_disabled_enabled_and_rolled_back_with_audit(
    bot: Harness,
) -> None:
    owner, pid = OWNER["id"], "tech-support-remote"
    preset = bot.rt.deps.analyzer.engines.pack.pattern(pid)
    assert preset is not None
    example = str(preset.examples.match.es[0])

    def live_ids() -> set[str]:
        return {p.id for p in bot.rt.deps.analyzer.engines.engine.patterns}

    bot.fake.push_update(command("/patterns", OWNER))
    listing = await shows(bot, owner, "Patrones (")
    assert f"{pid} — " in (listing.text or "")

    bot.fake.push_update(command(f"/patterns disable {pid}", OWNER))
    await shows(bot, owner, f"{pid} ahora en la versión 1")
    assert pid not in live_ids()
    assert all(m.pattern_id != pid for m in bot.rt.deps.analyzer.check_text(example).matches)

    bot.fake.push_update(command(f"/patterns enable {pid}", OWNER))
    await shows(bot, owner, f"{pid} ahora en la versión 2")
    assert pid in live_ids()

    bot.fake.push_update(command(f"/patterns rollback {pid} 1", OWNER))
    await shows(bot, owner, f"{pid} ahora en la versión 3")
    assert pid not in live_ids()

    bot.fake.push_update(command(f"/patterns show {pid}", OWNER))
    shown = await shows(bot, owner, "Historial")
    for line in ("v1", "v2", "v3", "rollback to v1"):
        assert line in (shown.text or "")

    bot.fake.push_update(command(f"/patterns enable {pid}", OWNER))
    await shows(bot, owner, f"{pid} ahora en la versión 4")
    assert pid in live_ids()
    async with bot.rt.deps.db() as session:
        audit = list(reversed(await AuditRepo(session).list(target=f"pattern:{pid}")))
    assert [a.action for a in audit] == [
        "pattern.create",
        "pattern.update",
        "pattern.rollback",
        "pattern.update",
    ]
    assert {a.actor for a in audit} == {f"user:{owner}"}
    states = [
        (json.loads(a.before_json or "null"), json.loads(a.after_json or "{}")) for a in audit
    ]
    assert states[0][0] is None and states[0][1]["status"] == "disabled"
    assert (states[1][0]["status"], states[1][1]["status"]) == ("disabled", "active")
    assert (states[2][0]["status"], states[2][1]["status"]) == ("active", "disabled")

    since = mark(bot, owner)
    bot.fake.push_update(command("/patterns show no-such-pattern", OWNER))
    bot.fake.push_update(command(f"/patterns rollback {pid} 99", OWNER))
    await shows(bot, owner, "No conozco ese patrón", since=since)
    await shows(bot, owner, "no tiene esa versión", since=since)


async def test_a_pattern_that_would_flag_a_corpus_message_is_refused_with_the_evidence(
    bot: Harness,
) -> None:
    legit = (
        "Familia!! El asado del domingo es en lo de la tía Nora a las 13. Pablo trae el vino, "
        "Caro la ensalada y yo el postre. Confirmen 🙌"
    )
    rid = await group_report(bot, legit)
    card = await open_card(bot, rid)
    since = mark(bot, MOD_CHAT["id"])
    press(bot, card, f"mod:new:{rid}")
    draft = await shows(bot, MOD_CHAT["id"], "Borrador", since=since, where=_has("mod:mk"))
    assert "ninguna" in (draft.text or "")  # every n-gram of it is in the corpus: no proposal

    since = mark(bot, OWNER["id"])
    bot.fake.push_update(command(f"/draft {rid} add asado del domingo 0.9", OWNER))
    edited = await shows(bot, OWNER["id"], "asado del domingo", since=since, where=_has("mod:mk"))
    since = mark(bot, OWNER["id"])
    press(bot, edited, f"mod:mk:{rid}")

    refused = await shows(bot, OWNER["id"], "No activo", since=since)
    text = refused.text or ""
    assert "corpus family" in text
    assert "Familia!! El asado del domingo" in text
    # The score shown is the learned scorer's probability for that legitimate message.
    assert re.search(r"lo marcaría como estafa \(0\.\d\d\) por «asado del domingo»", text)
    assert (await report(bot, rid)).status == "new"
    async with bot.rt.deps.db() as session:
        assert await PatternRepo(session).list(origin="moderator", status=None) == ()


async def test_stats_show_checks_per_day_verdicts_top_patterns_and_unknown_reports(
    bot: Harness,
) -> None:
    user = new_user("es", "Paco")
    bot.fake.push_update(
        updates.text_message(
            "Hola mamá, se me rompió el móvil y este es mi número nuevo. ¿Me haces un Bizum "
            "de 300€? Es urgente",
            sender=user,
        )
    )
    await bot.answers(user["id"])
    rid = await group_report(bot, "Me han dicho que regalan entradas del Bernabéu por WhatsApp")
    bot.fake.push_update(command("/stats", OWNER))
    stats = await shows(bot, OWNER["id"], "Estadísticas (últimos 7 días)")
    text = stats.text or ""
    assert "Comprobaciones por día" in text
    assert datetime.now(UTC).date().isoformat() in text
    assert "🚨" in text and "🔎" in text
    assert "family-new-number" in text
    assert f"#{rid} (text) — 1 denuncias" in text
    assert "Denuncias:" in text


async def test_members_calling_a_group_warning_a_false_alarm_reach_the_moderators_once(
    bot: Harness,
) -> None:
    group = updates.group_chat(next(_groups), "Vecinos Calle Mayor")
    rosa, luis = new_user("es", "Rosa"), new_user("es", "Luis")
    scam = (
        "Hola mamá, soy Irene, se me rompió el móvil y este es mi número nuevo. ¿Me haces un "
        "Bizum de 350€? Mañana te lo devuelvo, es urgente"
    )
    bot.fake.push_update(
        updates.forwarded_message(
            scam, updates.origin_hidden_user("Irene 2"), chat=group, sender=rosa
        )
    )
    [warning] = await bot.answers(group["id"])
    data = button(warning, "g:fa:")
    since = mark(bot, MOD_CHAT["id"])
    press(bot, warning, data, rosa)
    note = await shows(bot, MOD_CHAT["id"], "falsa alarma", since=since)
    assert f"grupo {group['id']}" in (note.text or "")
    assert "1 personas" in (note.text or "")

    press(bot, warning, data, luis)  # same group: handled after Rosa's tap, in order
    bot.fake.push_update(command("/report", luis, chat=group))  # then this usage hint
    await shows(bot, group["id"], "respóndele")
    notes = [m for m in bot.sent_to(MOD_CHAT["id"])[since:] if "falsa alarma" in (m.text or "")]
    assert len(notes) == 1  # once per content and trend window, not once per vote


# ----- trends -----


async def test_moderators_are_alerted_once_when_three_people_forward_the_same_unknown_text(
    bot: Harness,
) -> None:
    text = "¿Habéis visto el vídeo del perro que toca el piano en la plaza mayor? Buenísimo jaja"
    senders = [new_user("es", f"Vecino {i}") for i in range(4)]
    since = mark(bot, MOD_CHAT["id"])
    for sender in senders[:3]:
        bot.fake.push_update(updates.text_message(text, sender=sender))
        await bot.answers(sender["id"])
    alert = await shows(bot, MOD_CHAT["id"], "Tendencia", since=since, where=_has("mod:open"))
    assert "3 personas distintas" in (alert.text or "")
    assert "perro que toca el piano" in (alert.text or "")

    bot.fake.push_update(updates.text_message(text, sender=senders[3]))
    # A chat's updates run one after another: once /help is answered, the forward's handler
    # (answer, then sighting) has finished.
    bot.fake.push_update(command("/help", senders[3]))
    await bot.answers(senders[3]["id"], 2)
    alerts = [m for m in bot.sent_to(MOD_CHAT["id"])[since:] if "perro que toca" in (m.text or "")]
    assert len(alerts) == 1

    since = mark(bot, MOD_CHAT["id"])
    press(bot, alert, button(alert, "mod:open:"))
    card = await shows(
        bot, MOD_CHAT["id"], "alerta de tendencia", since=since, where=_has("mod:new")
    )
    assert "perro que toca el piano" in (card.text or "")


async def test_forwards_in_groups_count_towards_trend_alerts_too(bot: Harness) -> None:
    text = "Mañana cortan el agua en todo el barrio de 8 a 14, avisad a los mayores del bloque"
    group = updates.group_chat(next(_groups), "Vecinos Calle Mayor 12")
    bot.fake.add_chat(group)
    since = mark(bot, MOD_CHAT["id"])
    origin = updates.origin_hidden_user("Vecina")
    for i in range(3):
        sender = new_user("es", f"Vecina {i}")
        bot.fake.push_update(updates.forwarded_message(text, origin, sender=sender, chat=group))
    alert = await shows(bot, MOD_CHAT["id"], "Tendencia", since=since, where=_has("mod:open"))
    assert "cortan el agua" in (alert.text or "")


async def test_a_voice_note_and_its_reencoded_copies_count_as_one_trending_item(
    bot: Harness,
) -> None:
    original = (AUDIO / "benign_en_pickup.ogg").read_bytes()
    copy = reencode(original, kbps=12)
    senders = [new_user("en", f"Parent {i}") for i in range(3)]
    since = mark(bot, MOD_CHAT["id"])
    first = forward_voice(bot, original, senders[0])
    await shows(bot, senders[0]["id"], "No known scam matched", timeout=LISTEN)
    forward_voice(bot, copy, senders[1])
    await shows(bot, senders[1]["id"], "No known scam matched", timeout=LISTEN)
    again = updates.voice_message(
        first["message"]["voice"]["file_id"],
        first["message"]["voice"]["file_unique_id"],
        duration=13,
        sender=senders[2],
    )
    bot.fake.push_update(again)

    alert = await shows(bot, MOD_CHAT["id"], "Tendencia", since=since, timeout=LISTEN)
    assert "3 personas distintas" in (alert.text or "")
    assert "(voice)" in (alert.text or "")


# ----- the key flow: a reported voice note becomes a pattern -----


async def test_a_reported_voice_note_made_a_pattern_flags_reencoded_copies_in_private_and_groups(
    bot: Harness,
) -> None:
    original = (AUDIO / "benign_es_cumple.ogg").read_bytes()
    user = new_user("es", "Sobrina")
    forward_voice(bot, original, user)
    verdict = await shows(bot, user["id"], "No coincide", timeout=LISTEN, where=_has("v:rep"))

    press(bot, verdict, button(verdict, "v:rep:"), user)
    consent = await shows(bot, user["id"], "¿Lo envío?", where=_has("v:repok"))
    press(bot, consent, button(consent, "v:repok"), user)
    rid = report_id(await shows(bot, user["id"], "denuncia #"))

    card = await open_card(bot, rid)
    assert "cumple" in (card.text or "").lower()  # transcribed for the moderator
    since = mark(bot, MOD_CHAT["id"])
    press(bot, card, f"mod:new:{rid}")
    draft = await shows(bot, MOD_CHAT["id"], "Borrador", since=since, where=_has("mod:mk"))
    since = mark(bot, MOD_CHAT["id"])
    press(bot, draft, f"mod:mk:{rid}")
    created = await shows(bot, MOD_CHAT["id"], "huella del audio", since=since, timeout=LISTEN)
    pattern_id = re.search(r"Patrón (\S+) v1", created.text or "")
    assert pattern_id is not None
    assert (await report(bot, rid)).audio_item_id == f"mod-r{rid}"

    someone_else = new_user("es", "Abuela")
    forward_voice(bot, reencode(original, kbps=12), someone_else)
    flagged = await shows(bot, someone_else["id"], "huella de audio", timeout=LISTEN)
    assert (flagged.text or "").startswith("🚨")  # "known scam" or, for a hoax, "known hoax"

    group = updates.group_chat(next(_groups), "Familia Ruiz")
    note = forward_voice(bot, reencode(original, kbps=16), new_user("es", "Tío"), chat=group)
    warning = await shows(bot, group["id"], "¡Ojo!", timeout=LISTEN)
    assert (warning.text or "").startswith("🚨")
    reply = warning.params.get("reply_parameters")
    assert isinstance(reply, dict) and reply["message_id"] == note["message"]["message_id"]


async def test_a_pattern_made_in_one_process_flags_messages_in_another_without_a_restart(
    tmp_path: Path,
) -> None:
    shared = {"database_url": f"sqlite+aiosqlite:///{tmp_path / 'shared.sqlite3'}"}
    async with (
        running_bot(tmp_path / "a", **settings(**shared)) as a,
        running_bot(tmp_path / "b", **settings(**shared)) as b,
    ):
        a.fake.add_chat(MOD_CHAT)
        hoax = (
            "Atención vecinos: el ayuntamiento cobrará una tasa de 90 euros por cada maceta en "
            "el balcón a partir de enero, reenviadlo a todos"
        )
        rid = await group_report(a, hoax)
        card = await open_card(a, rid)
        since = mark(a, MOD_CHAT["id"])
        press(a, card, f"mod:new:{rid}")
        draft = await shows(a, MOD_CHAT["id"], "Borrador", since=since, where=_has("mod:mk"))
        press(a, draft, f"mod:mk:{rid}")
        await shows(a, MOD_CHAT["id"], "activo", since=since)

        target = a.rt.deps.analyzer.engines.revision
        await b.fake.wait_for(lambda: b.rt.deps.analyzer.engines.revision == target, 30)
        user = new_user("es", "Vecino del 3º")
        b.fake.push_update(updates.text_message(hoax, sender=user))
        [answer] = await b.answers(user["id"])
        assert (answer.text or "").startswith("🚨 Estafa conocida")
        best = b.rt.deps.analyzer.check_text(hoax).matches[0]
        assert best.pattern_id.endswith(f"-r{rid}")  # the moderator's pattern, not a shipped one


async def test_an_ojo_worker_loads_moderator_patterns_at_start_and_follows_changes(
    tmp_path: Path,
) -> None:
    from bot.jobs import worker

    def body(pattern_id: str, phrases: dict[str, float]) -> str:
        return json.dumps(
            {
                "id": pattern_id,
                "category": "hoax",
                "severity": "medium",
                "title": {"es": pattern_id, "en": pattern_id},
                "summary": {"es": "De moderadores.", "en": "From moderators."},
                "match": {"phrases": {"es": phrases}, "min_hits": 2},
            }
        )

    async def save(url: str, pattern_id: str, phrases: dict[str, float]) -> None:
        engine = create_engine(url)
        try:
            async with session_maker(engine)() as session, session.begin():
                await PatternRepo(session).upsert_version(
                    pattern_id, body(pattern_id, phrases), "active", "moderator", "user:1"
                )
        finally:
            await engine.dispose()

    async with FakeBotApi(strict_chats=False) as fake:
        share_caches(tmp_path)
        config = make_settings(fake, tmp_path, paraphrase=False)
        await upgrade(config.db_url)
        await save(config.db_url, "macetas-r1", {"tasa por cada maceta": 0.6, "el balcon": 0.5})
        ctx: dict[str, Any] = {"settings": config}
        await worker._startup(ctx)
        try:
            state: worker.WorkerState = ctx["state"]  # arq's ctx holds one typed object
            engines = state.deps.analyzer.engines
            assert engines.engine.analyze("una tasa por cada maceta en el balcón").level == "scam"
            await save(config.db_url, "farolas-r2", {"multa por farola": 0.6, "sin bombilla": 0.5})
            await fake.wait_for(
                lambda: engines.engine.analyze("multa por farola sin bombilla").level == "scam",
                30,
            )
        finally:
            await worker._shutdown(ctx)
        assert all(task.done() for task in state.tasks)  # the pattern sync stopped
