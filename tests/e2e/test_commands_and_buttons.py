"""Every command and every button of the private chat, end to end."""

from __future__ import annotations

from bot.content.loader import load_pack
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness
from tests.fakebot import updates
from tests.fakebot.state import SentMessage

SCAM = (
    "Hola papá, este es mi número nuevo que se me cayó el móvil al váter 😩 ¿me puedes "
    "hacer un Bizum de 280€ para el alquiler? te lo devuelvo el lunes"
)


def _sent(bot: Harness, user: dict[str, object]) -> int:
    uid = int(user["id"])  # type: ignore[call-overload]
    return len([m for m in bot.sent_to(uid) if m.method.startswith("send")])


async def _command(bot: Harness, user: dict[str, object], command: str) -> SentMessage:
    before = _sent(bot, user)
    bot.fake.push_update(
        updates.text_message(
            command,
            sender=user,
            entities=[{"type": "bot_command", "offset": 0, "length": len(command.split()[0])}],
        )
    )
    answers = await bot.answers(int(user["id"]), before + 1)  # type: ignore[call-overload]
    return answers[-1]


async def _verdict(bot: Harness, user: dict[str, object], text: str = SCAM) -> SentMessage:
    before = _sent(bot, user)
    bot.fake.push_update(updates.text_message(text, sender=user))
    answers = await bot.answers(int(user["id"]), before + 1)  # type: ignore[call-overload]
    return answers[-1]


_query_ids = iter(range(10**17, 10**18))


async def _press(bot: Harness, user: dict[str, object], message: SentMessage, data: str) -> str:
    query_id = str(next(_query_ids))
    bot.fake.push_update(
        updates.callback_query(data, message.message, sender=user, query_id=query_id)
    )
    return query_id


async def _answer_to(bot: Harness, query_id: str) -> str:
    """The text the bot answered a button press with (answerCallbackQuery)."""
    found = await bot.fake.wait_for(
        lambda: [
            a for a in bot.fake.methods.callback_answers if a.get("callback_query_id") == query_id
        ]
    )
    return str(found[0].get("text", ""))


async def test_start_help_privacy_and_about_answer_in_the_users_language(
    shared_bot: Harness,
) -> None:
    es, en = new_user("es"), new_user("en", "Amy")
    assert "Reenvíame el mensaje" in (await _command(shared_bot, es, "/start")).text  # type: ignore[operator]
    assert "Forward me the message" in (await _command(shared_bot, en, "/start")).text  # type: ignore[operator]
    assert "Cómo usar Ojo" in (await _command(shared_bot, es, "/help")).text  # type: ignore[operator]
    privacy = (await _command(shared_bot, en, "/privacy")).text or ""
    assert "90 days" in privacy
    about = (await _command(shared_bot, es, "/about")).text or ""
    assert f"{len(load_pack().patterns)} patrones" in about


async def test_commands_are_registered_in_spanish_and_english(shared_bot: Harness) -> None:
    calls = shared_bot.fake.calls("setMyCommands")
    langs = {c.params.get("language_code") for c in calls}
    assert langs == {None, "en"}
    names = [c["command"] for c in calls[0].params["commands"]]  # type: ignore[index, union-attr]
    assert names == ["start", "help", "privacy", "language", "country", "forget", "about"]


async def test_language_can_be_switched_with_the_inline_picker(shared_bot: Harness) -> None:
    user = new_user("es")
    ask = await _command(shared_bot, user, "/language")
    assert [b["callback_data"] for b in ask.buttons] == ["lang:es", "lang:en"]
    await _press(shared_bot, user, ask, "lang:en")
    edited = await shared_bot.fake.wait_for(
        lambda: [m for m in shared_bot.sent_to(int(user["id"])) if m.method == "editMessageText"]  # type: ignore[call-overload]
    )
    assert edited[-1].text == "Done: I'll speak English."
    verdict = await _verdict(shared_bot, user, "Hola, ¿a qué hora es la cena?")
    assert (verdict.text or "").startswith("🔎 No known scam matched")


async def test_country_picker_changes_the_reporting_channels(shared_bot: Harness) -> None:
    user = new_user("es")
    ask = await _command(shared_bot, user, "/country")
    assert "country:MX" in [b["callback_data"] for b in ask.buttons]
    await _press(shared_bot, user, ask, "country:MX")
    await shared_bot.fake.wait_for(
        lambda: [m for m in shared_bot.sent_to(int(user["id"])) if m.method == "editMessageText"]  # type: ignore[call-overload]
    )
    verdict = await _verdict(shared_bot, user)
    assert "088" in (verdict.text or "")  # Mexico's cyber-incident line
    assert "INCIBE" not in (verdict.text or "")


async def test_how_to_check_lists_every_tip_of_the_verdict(shared_bot: Harness) -> None:
    user = new_user("es")
    verdict = await _verdict(shared_bot, user)
    await _press(shared_bot, user, verdict, verdict.buttons[0]["callback_data"])
    answers = await shared_bot.answers(int(user["id"]), 2)  # type: ignore[call-overload]
    tips = answers[-1].text or ""
    assert tips.startswith("Cómo comprobarlo")
    assert tips.count("•") >= 3


async def test_report_asks_consent_then_stores_the_item_for_moderators(
    shared_bot: Harness,
) -> None:
    user = new_user("es")
    verdict = await _verdict(shared_bot, user)
    await _press(shared_bot, user, verdict, verdict.buttons[1]["callback_data"])
    consent = (await shared_bot.answers(int(user["id"]), 2))[-1]  # type: ignore[call-overload]
    assert "90 días" in (consent.text or "")
    await _press(shared_bot, user, consent, consent.buttons[0]["callback_data"])
    done = await shared_bot.fake.wait_for(
        lambda: [m for m in shared_bot.sent_to(int(user["id"])) if m.method == "editMessageText"]  # type: ignore[call-overload]
    )
    assert "Enviado a los moderadores" in (done[-1].text or "")
    from bot.storage.reports import ReportRepo

    async with shared_bot.rt.deps.db() as session:
        counts = await ReportRepo(session).count_by_status()
    assert counts["new"] >= 1


async def test_cancelling_a_report_stores_nothing(shared_bot: Harness) -> None:
    user = new_user("es")
    verdict = await _verdict(shared_bot, user)
    await _press(shared_bot, user, verdict, verdict.buttons[1]["callback_data"])
    consent = (await shared_bot.answers(int(user["id"]), 2))[-1]  # type: ignore[call-overload]
    await _press(shared_bot, user, consent, consent.buttons[1]["callback_data"])
    done = await shared_bot.fake.wait_for(
        lambda: [m for m in shared_bot.sent_to(int(user["id"])) if m.method == "editMessageText"]  # type: ignore[call-overload]
    )
    assert "no he guardado nada" in (done[-1].text or "")


async def test_false_alarm_is_counted_once_per_person(shared_bot: Harness) -> None:
    user = new_user("es")
    verdict = await _verdict(shared_bot, user)
    data = verdict.buttons[2]["callback_data"]
    first = await _answer_to(shared_bot, await _press(shared_bot, user, verdict, data))
    second = await _answer_to(shared_bot, await _press(shared_bot, user, verdict, data))
    assert "revisaremos" in first
    assert "Ya lo habías" in second


async def test_forget_deletes_the_users_preferences_and_reports(shared_bot: Harness) -> None:
    user = new_user("es")
    ask = await _command(shared_bot, user, "/country")
    await _press(shared_bot, user, ask, "country:CO")
    await shared_bot.fake.wait_for(
        lambda: [m for m in shared_bot.sent_to(int(user["id"])) if m.method == "editMessageText"]  # type: ignore[call-overload]
    )
    answer = await _command(shared_bot, user, "/forget")
    assert "He borrado todo lo asociado a ti" in (answer.text or "")
    assert "preferencias 1" in (answer.text or "")
    from bot.storage.users import UserRepo

    async with shared_bot.rt.deps.db() as session:
        assert await UserRepo(session).get_prefs(int(user["id"])) is None  # type: ignore[call-overload]
