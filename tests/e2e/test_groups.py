"""Ojo in family and neighbourhood groups: joins, warns only when sure, obeys its admins."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse

from bot.storage.false_alarms import FalseAlarmRepo
from bot.storage.groups import GroupRepo, GroupSettings
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness
from tests.fakebot import updates
from tests.fakebot.state import SentMessage

JSON = dict[str, Any]
T = TypeVar("T")
AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
_group_ids = itertools.count(-1_001_800_000_001, -1)
_query_ids = itertools.count(9_100_000_000_000_000_001)

CORREOS = (
    "Correos: su paquete está retenido en aduanas. Pague 1,99 € de tasas aquí: "
    "https://correos-envio.top/pago"
)
TRABAJO = (
    "Buenas, me han pasado tu contacto. Tengo un trabajo desde casa, 300€ al día dando likes "
    "en YouTube. ¿Te interesa?"
)
TECNICOS_GAS = (
    "Ojo!! Dicen que esta semana pasan por las casas unos falsos técnicos del gas. "
    "No abráis a nadie. Pásalo a todos"
)
REUNION = (
    "Hola vecinos, el sábado hay reunión de la comunidad a las 11 en el portal. "
    "Traed ideas para la fiesta de San Juan"
)


def hola_mama(child: str = "Lucía") -> str:
    """The "hi mum, new number" scam, signed by a different child in each test."""
    return (
        f"Hola mamá, soy {child}, se me rompió el móvil y este es mi número nuevo. "
        "¿Me haces un Bizum de 350€? Mañana te lo devuelvo, es urgente 🙏"
    )


def person(lang: str, name: str) -> JSON:
    """A fresh member (and private chat) per test."""
    return new_user(lang, name)


def new_group(title: str) -> JSON:
    """A fresh supergroup per test, so tests sharing the bot never share a group."""
    return updates.group_chat(next(_group_ids), title)


def forward(text: str, group: JSON, sender: JSON) -> JSON:
    """A member forwards a message they received from a contact who hides their account."""
    return updates.forwarded_message(
        text, updates.origin_hidden_user("Lucía 2"), chat=group, sender=sender
    )


def command(text: str, group: JSON, sender: JSON, **kwargs: Any) -> JSON:
    """A command typed in a chat (with the bot_command entity Telegram adds)."""
    name = text.split()[0]
    entity = {"type": "bot_command", "offset": 0, "length": len(name)}
    return updates.text_message(text, chat=group, sender=sender, entities=[entity], **kwargs)


def press(bot: Harness, data: str, message: SentMessage, sender: JSON) -> str:
    """A member presses an inline button; returns the callback query id."""
    query_id = str(next(_query_ids))
    update = updates.callback_query(data, message.message, sender=sender, query_id=query_id)
    bot.fake.push_update(update)
    return query_id


async def answer_to(bot: Harness, query_id: str) -> JSON:
    """The bot's answerCallbackQuery for a press."""
    answers = bot.fake.methods.callback_answers

    def found() -> list[JSON]:
        return [a for a in answers if a["callback_query_id"] == query_id]

    [answer] = await bot.fake.wait_for(found, timeout=10)
    return answer


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = 10.0) -> T:  # noqa: ASYNC109
    """Poll an async check until it returns something truthy."""
    async with asyncio.timeout(timeout):
        while not (value := await check()):  # noqa: ASYNC110 - a database has no event to await
            await asyncio.sleep(0.05)
    return value


async def stored_group(bot: Harness, chat_id: int) -> GroupSettings | None:
    """The group's row, as GroupRepo returns it."""
    async with bot.rt.deps.db() as session:
        return await GroupRepo(session).get(chat_id)


def button(message: SentMessage, data: str) -> JSON:
    """The inline button with this callback data."""
    [found] = [b for b in message.buttons if b.get("callback_data") == data]
    return found


def replied_to(message: SentMessage) -> int:
    """The id of the message a bot message replies to."""
    reply = message.params["reply_parameters"]
    assert isinstance(reply, dict)
    return int(reply["message_id"])


def sends(bot: Harness, chat_id: int) -> list[SentMessage]:
    """Messages the bot sent (not edited) in a chat."""
    return [m for m in bot.sent_to(chat_id) if m.method == "sendMessage"]


async def settled(bot: Harness, group: JSON) -> SentMessage:
    """Wait for the bot to finish everything pushed to a group so far, on a positive event.

    Updates in one chat are handled in order, so once a member's /settings typed now has been
    answered, every earlier update was handled: a slow bot makes this wait, never pass.
    Returns that answer (callers leave it out of what they count).
    """
    member = person("es", "Sonda")
    bot.fake.set_chat_member(group["id"], member["id"], "member")
    probe = command("/settings", group, member)
    bot.fake.push_update(probe)
    probe_id = probe["message"]["message_id"]

    def answered() -> list[SentMessage]:
        return [m for m in sends(bot, group["id"]) if replied_to_id(m) == probe_id]

    [answer] = await bot.fake.wait_for(answered, timeout=30)
    return answer


def replied_to_id(message: SentMessage) -> int | None:
    """The id of the message a bot message replies to, if it replies."""
    reply = message.params.get("reply_parameters")
    return int(reply["message_id"]) if isinstance(reply, dict) else None


def warnings_in(bot: Harness, chat_id: int, probe: SentMessage) -> list[SentMessage]:
    """Messages the bot sent in a chat, without the answer to the settled() probe."""
    return [m for m in sends(bot, chat_id) if m is not probe]


async def open_settings(bot: Harness, group: JSON, admin: JSON) -> SentMessage:
    """An admin types /settings and gets the menu."""
    bot.fake.set_chat_member(group["id"], admin["id"], "administrator", can_change_info=True)
    before = len(sends(bot, group["id"]))
    bot.fake.push_update(command("/settings", group, admin))
    messages = await bot.answers(group["id"], before + 1)
    menu = messages[before]
    assert menu.text is not None
    assert menu.text.startswith("⚙️ Ajustes de Ojo")
    return menu


async def change_setting(bot: Harness, menu: SentMessage, data: str, admin: JSON) -> None:
    """An admin presses a settings button and it is saved."""
    answer = await answer_to(bot, press(bot, data, menu, admin))
    assert answer.get("text") == "Guardado ✅"


# ----- joining -----


async def test_added_to_a_family_group_it_greets_once_and_names_what_it_is_missing(
    shared_bot: Harness,
) -> None:
    group, mum = new_group("Familia García 👨‍👩‍👧"), person("es", "Mercedes")
    shared_bot.fake.push_update(updates.my_chat_member(group, by=mum))
    [hello] = await shared_bot.answers(group["id"])
    assert hello.text is not None
    assert "Soy Ojo" in hello.text
    assert "Todavía no veo los mensajes reenviados" in hello.text
    assert "necesito ser administrador" in hello.text
    assert "modo privacidad" in hello.text
    assert "necesito ser administrador con permiso para eliminar mensajes" in hello.text
    assert "/settings" in hello.text
    stored = await stored_group(shared_bot, group["id"])
    assert stored is not None
    assert (stored.bot_status, stored.bot_can_delete, stored.language) == ("member", False, "es")

    # Promoted later: rights are recorded, and there is no second greeting.
    promoted = updates.my_chat_member(
        group,
        by=mum,
        old_status="member",
        new_status="administrator",
        can_delete_messages=True,
    )
    shared_bot.fake.push_update(promoted)

    async def can_delete() -> bool:
        now = await stored_group(shared_bot, group["id"])
        return now is not None and now.bot_can_delete

    await eventually(can_delete)
    assert len(sends(shared_bot, group["id"])) == 1


async def test_added_as_an_admin_by_an_english_speaker_it_says_it_has_what_it_needs(
    shared_bot: Harness,
) -> None:
    group, admin = new_group("Maple Street Neighbours"), person("en", "Oliver")
    added = updates.my_chat_member(
        group, by=admin, new_status="administrator", can_delete_messages=True
    )
    shared_bot.fake.push_update(added)
    [hello] = await shared_bot.answers(group["id"])
    assert hello.text is not None
    assert "I can see forwarded messages." in hello.text
    assert "I can delete confirmed scams" in hello.text
    assert "can't see" not in hello.text


async def test_removal_from_the_group_is_recorded(shared_bot: Harness) -> None:
    group, admin = new_group("Peña ciclista Los Lentos"), person("es", "Paco")
    shared_bot.fake.push_update(updates.my_chat_member(group, by=admin))
    await shared_bot.answers(group["id"])
    kicked = updates.my_chat_member(group, by=admin, old_status="member", new_status="kicked")
    shared_bot.fake.push_update(kicked)

    async def gone() -> bool:
        now = await stored_group(shared_bot, group["id"])
        return now is not None and now.bot_status == "kicked"

    await eventually(gone)


# ----- watching -----


async def test_a_forwarded_scam_gets_a_short_reply_with_details_and_not_a_scam(
    shared_bot: Harness,
) -> None:
    group, tia = new_group("Familia Gómez"), person("es", "Tía Pili")
    update = forward(hola_mama("Nerea"), group, tia)
    shared_bot.fake.push_update(update)
    [warning] = await shared_bot.answers(group["id"])
    assert warning.text is not None
    first, tip = warning.text.splitlines()
    assert first.startswith("🚨 ¡Ojo! Es una estafa conocida:")
    assert "número" in first.lower()  # the scam type: a relative with a "new number"
    assert tip.startswith("💡 ")
    assert replied_to(warning) == update["message"]["message_id"]
    details, not_scam = warning.buttons
    assert details["text"] == "📋 Detalles"
    link = urlparse(details["url"])
    assert (link.netloc, link.path) == ("t.me", "/ojo_test_bot")
    assert parse_qs(link.query)["start"][0].startswith("v_")
    assert not_scam["text"] == "🙅 No es estafa"
    assert not_scam["callback_data"].startswith("g:fa:text:")


async def test_a_legitimate_forward_gets_no_answer_at_all(shared_bot: Harness) -> None:
    group, vecino = new_group("Comunidad Calle Alcalá 42"), person("es", "Antonio")
    shared_bot.fake.push_update(forward(REUNION, group, vecino))
    # Updates are handled in order: once the scam after it is answered, the first was handled.
    scam = forward(CORREOS, group, vecino)
    shared_bot.fake.push_update(scam)
    [only] = await shared_bot.answers(group["id"])
    assert replied_to(only) == scam["message"]["message_id"]
    probe = await settled(shared_bot, group)
    assert warnings_in(shared_bot, group["id"], probe) == [only]


async def test_the_same_scam_forwarded_again_the_same_day_is_not_warned_twice(
    shared_bot: Harness,
) -> None:
    group = new_group("Amigas del pádel")
    ana, bea = person("es", "Ana"), person("es", "Bea")
    shared_bot.fake.push_update(forward(CORREOS, group, ana))
    await shared_bot.answers(group["id"])
    again = forward(CORREOS, group, bea)
    shared_bot.fake.push_update(again)
    shared_bot.fake.push_update(forward(TRABAJO, group, bea))
    first, second = await shared_bot.answers(group["id"], 2)
    assert replied_to(second) != again["message"]["message_id"]
    assert first.text != second.text
    probe = await settled(shared_bot, group)
    assert len(warnings_in(shared_bot, group["id"], probe)) == 2


async def test_members_pressing_not_a_scam_are_counted_once_each(shared_bot: Harness) -> None:
    group = new_group("Vecinos Barrio del Pilar")
    rosa, luis = person("es", "Rosa"), person("es", "Luis")
    shared_bot.fake.push_update(forward(hola_mama("Irene"), group, rosa))
    [warning] = await shared_bot.answers(group["id"])
    data = warning.buttons[1]["callback_data"]

    first = await answer_to(shared_bot, press(shared_bot, data, warning, rosa))
    assert "1 en total" in first["text"]
    second = await answer_to(shared_bot, press(shared_bot, data, warning, luis))
    assert "2 en total" in second["text"]
    repeat = await answer_to(shared_bot, press(shared_bot, data, warning, luis))
    assert repeat["text"].startswith("Ya lo habías marcado")

    def relabelled() -> list[SentMessage]:
        return [
            m
            for m in shared_bot.sent_to(group["id"])
            if m.method == "editMessageReplyMarkup" and "(2)" in m.buttons[1]["text"]
        ]

    [edited] = await shared_bot.fake.wait_for(relabelled)
    assert edited.buttons[1]["text"] == "🙅 No es estafa (2)"
    async with shared_bot.rt.deps.db() as session:
        assert await FalseAlarmRepo(session).count(data.removeprefix("g:fa:")) == 2


async def test_details_opens_the_full_verdict_in_private_in_the_readers_language(
    shared_bot: Harness,
) -> None:
    group, abuela = new_group("Los nietos de la abuela Carmen"), person("es", "Carmen")
    shared_bot.fake.push_update(forward(hola_mama("Pablo"), group, abuela))
    [warning] = await shared_bot.answers(group["id"])
    start = parse_qs(urlparse(warning.buttons[0]["url"]).query)["start"][0]

    shared_bot.fake.push_update(command(f"/start {start}", updates.private_chat(abuela), abuela))
    [full] = await shared_bot.answers(abuela["id"])
    assert full.text is not None
    assert full.text.startswith("🚨 Estafa conocida")
    assert "Cómo comprobarlo" in full.text
    assert "Dónde denunciarlo" in full.text
    assert "Reenvíame el mensaje" not in full.text  # not the plain /start welcome

    cousin = person("en", "Jamie")
    shared_bot.fake.push_update(command(f"/start {start}", updates.private_chat(cousin), cousin))
    [english] = await shared_bot.answers(cousin["id"])
    assert english.text is not None
    assert english.text.startswith("🚨 Known scam")


async def test_an_unknown_details_link_says_it_expired(shared_bot: Harness) -> None:
    reader = person("es", "Maite")
    link = command("/start v_0123456789abcdef", updates.private_chat(reader), reader)
    shared_bot.fake.push_update(link)
    [answer] = await shared_bot.answers(reader["id"])
    assert answer.text == "Ese aviso ya ha caducado. Reenvíame el mensaje y lo vuelvo a revisar."


async def test_a_forwarded_scam_voice_note_gets_a_warning_without_listening_messages(
    shared_bot: Harness,
) -> None:
    group, tio = new_group("Primos Fernández"), person("es", "Tío Manolo")
    file_id, unique = shared_bot.fake.add_file(
        (AUDIO / "scam_es_hola_mama.ogg").read_bytes(), file_path_hint="voice/file_7.oga"
    )
    note = updates.voice_message(
        file_id,
        unique,
        duration=15,
        chat=group,
        sender=tio,
        forward_origin=updates.origin_hidden_user("Lucía 2"),
    )
    shared_bot.fake.push_update(note)
    [warning] = await shared_bot.answers(group["id"], timeout=90)
    assert warning.text is not None
    assert warning.text.startswith("🚨 ¡Ojo! Es una estafa conocida")
    assert replied_to(warning) == note["message"]["message_id"]
    assert [b["text"] for b in warning.buttons] == ["📋 Detalles", "🙅 No es estafa"]
    assert not [a for a in shared_bot.fake.methods.chat_actions if a[0] == group["id"]]


# ----- settings -----


async def test_a_member_who_is_not_an_admin_is_politely_refused_settings(
    shared_bot: Harness,
) -> None:
    group = new_group("AMPA Colegio San José")
    admin, member = person("es", "Directora"), person("es", "Javi")
    shared_bot.fake.set_chat_member(group["id"], member["id"], "member")
    shared_bot.fake.push_update(command("/settings", group, member))
    [refusal] = await shared_bot.answers(group["id"])
    assert refusal.text == "Solo los administradores del grupo pueden cambiar mis ajustes 🙂"
    assert refusal.buttons == []

    menu = await open_settings(shared_bot, group, admin)
    answer = await answer_to(shared_bot, press(shared_bot, "gs:sens:suspicious", menu, member))
    assert answer["text"] == "Solo los administradores del grupo pueden cambiar mis ajustes 🙂"
    assert answer["show_alert"] is True
    stored = await stored_group(shared_bot, group["id"])
    assert stored is not None
    assert stored.sensitivity == "scam"


async def test_an_anonymous_admin_gets_the_settings_menu(shared_bot: Harness) -> None:
    group = new_group("Asociación de Vecinos La Fuente")
    anonymous = updates.user(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
    shared_bot.fake.push_update(command("/settings", group, anonymous, sender_chat=group))
    [menu] = await shared_bot.answers(group["id"])
    assert menu.text is not None
    assert menu.text.startswith("⚙️ Ajustes de Ojo")
    assert button(menu, "gs:sens:suspicious")


async def test_after_choosing_scam_and_suspicious_a_suspicious_message_is_warned(
    shared_bot: Harness,
) -> None:
    assert shared_bot.rt.deps.analyzer.check_text(TECNICOS_GAS).level == "suspicious"
    group = new_group("Vecinas del 3º B")
    admin, vecina = person("es", "Maribel"), person("es", "Encarni")
    shared_bot.fake.push_update(forward(TECNICOS_GAS, group, vecina))
    menu = await open_settings(shared_bot, group, admin)  # handled after the forward
    assert len(sends(shared_bot, group["id"])) == 1  # the suspicious forward got no answer

    await change_setting(shared_bot, menu, "gs:sens:suspicious", admin)

    def redrawn() -> list[SentMessage]:
        return [
            m
            for m in shared_bot.sent_to(group["id"])
            if m.method == "editMessageText" and "estafas y mensajes sospechosos" in (m.text or "")
        ]

    await shared_bot.fake.wait_for(redrawn)
    shared_bot.fake.push_update(forward(TECNICOS_GAS, group, vecina))
    messages = await shared_bot.answers(group["id"], 2)
    assert messages[1].text is not None
    assert messages[1].text.startswith("⚠️ Ojo, esto parece sospechoso")


async def test_a_muted_bot_stays_silent_until_unmuted(shared_bot: Harness) -> None:
    group = new_group("Grupo de la parroquia")
    admin, feligres = person("es", "Don Ramón"), person("es", "Pepita")
    menu = await open_settings(shared_bot, group, admin)
    await change_setting(shared_bot, menu, "gs:mute:8", admin)
    stored = await stored_group(shared_bot, group["id"])
    assert stored is not None
    assert stored.muted_until is not None
    shared_bot.fake.push_update(forward(CORREOS, group, feligres))
    await change_setting(shared_bot, menu, "gs:mute:0", admin)
    after = forward(TRABAJO, group, feligres)
    shared_bot.fake.push_update(after)
    menu_and_warning = await shared_bot.answers(group["id"], 2)
    assert replied_to(menu_and_warning[1]) == after["message"]["message_id"]
    probe = await settled(shared_bot, group)
    sent = warnings_in(shared_bot, group["id"], probe)
    warnings = [m for m in sent if m.text and m.text.startswith("🚨")]
    assert len(warnings) == 1  # the scam sent while muted was never warned about


async def test_with_delete_scams_on_the_scam_is_deleted_after_the_warning(
    shared_bot: Harness,
) -> None:
    group = new_group("Urbanización Los Olivos")
    admin, vecino = person("es", "Presidente"), person("es", "Ramiro")
    added = updates.my_chat_member(
        group, by=admin, new_status="administrator", can_delete_messages=True
    )
    shared_bot.fake.push_update(added)
    await shared_bot.answers(group["id"])
    menu = await open_settings(shared_bot, group, admin)
    await change_setting(shared_bot, menu, "gs:del:1", admin)

    scam = forward(hola_mama("Álvaro"), group, vecino)
    shared_bot.fake.push_update(scam)
    messages = await shared_bot.answers(group["id"], 3)
    assert messages[2].text is not None
    assert messages[2].text.startswith("🚨")
    key = (group["id"], scam["message"]["message_id"])
    await shared_bot.fake.wait_for(lambda: key in shared_bot.fake.methods.deleted)

    def noted() -> list[SentMessage]:
        return [
            m
            for m in shared_bot.sent_to(group["id"])
            if m.method == "editMessageText" and "He borrado el mensaje original" in (m.text or "")
        ]

    [edited] = await shared_bot.fake.wait_for(noted)
    assert edited.buttons[0]["text"] == "📋 Detalles"


async def test_without_the_delete_right_the_option_is_not_offered(shared_bot: Harness) -> None:
    group, admin = new_group("Club de lectura"), person("es", "Elena")
    menu = await open_settings(shared_bot, group, admin)
    assert not [b for b in menu.buttons if b["callback_data"].startswith("gs:del:")]
    answer = await answer_to(shared_bot, press(shared_bot, "gs:del:1", menu, admin))
    assert answer["text"] == "Primero hazme administrador con permiso para eliminar mensajes."


async def test_an_admin_can_switch_the_group_to_english_and_pick_a_country(
    shared_bot: Harness,
) -> None:
    group = new_group("Expats in Valencia")
    admin, member = person("es", "Sarah"), person("en", "Tom")
    menu = await open_settings(shared_bot, group, admin)
    saved = await answer_to(shared_bot, press(shared_bot, "gs:lang:en", menu, admin))
    assert saved["text"] == "Saved ✅"
    await answer_to(shared_bot, press(shared_bot, "gs:menu:country", menu, admin))

    def country_list() -> list[SentMessage]:
        return [
            m
            for m in shared_bot.sent_to(group["id"])
            if any(b.get("callback_data") == "gs:ctry:MX" for b in m.buttons)
        ]

    [countries] = await shared_bot.fake.wait_for(country_list)
    await answer_to(shared_bot, press(shared_bot, "gs:ctry:MX", countries, admin))
    stored = await stored_group(shared_bot, group["id"])
    assert stored is not None
    assert (stored.language, stored.country) == ("en", "MX")

    shared_bot.fake.push_update(forward(CORREOS, group, member))
    messages = await shared_bot.answers(group["id"], 2)
    assert messages[1].text is not None
    assert messages[1].text.startswith("🚨 Watch out! This is a known scam:")
    assert [b["text"] for b in messages[1].buttons] == ["📋 Details", "🙅 Not a scam"]


async def test_a_pasted_scam_link_is_only_flagged_once_admins_watch_every_message(
    shared_bot: Harness,
) -> None:
    group = new_group("Mercadillo de segunda mano Chamberí")
    admin, vendedor = person("es", "Lola"), person("es", "Quique")
    url = "https://correos-envio.top/pago"
    entity = {"type": "url", "offset": CORREOS.index(url), "length": len(url)}

    def paste() -> JSON:
        return updates.group_message(CORREOS, chat=group, sender=vendedor, entities=[entity])

    shared_bot.fake.push_update(paste())
    menu = await open_settings(shared_bot, group, admin)  # handled after the paste
    assert len(sends(shared_bot, group["id"])) == 1
    await change_setting(shared_bot, menu, "gs:all:1", admin)
    pasted = paste()
    shared_bot.fake.push_update(pasted)
    messages = await shared_bot.answers(group["id"], 2)
    assert replied_to(messages[1]) == pasted["message"]["message_id"]
    assert messages[1].text is not None
    assert messages[1].text.startswith("🚨")
