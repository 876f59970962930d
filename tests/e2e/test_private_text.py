"""A person forwards texts to the bot in a private chat and gets localised verdicts."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness
from tests.fakebot import updates

HOLA_MAMA = (
    "Hola mamá, se me rompió el móvil, este es mi número nuevo. ¿Me haces un Bizum de 350€? "
    "Mañana te lo devuelvo, es urgente 🙏"
)


async def test_a_forwarded_scam_text_gets_a_scam_verdict_with_buttons(shared_bot: Harness) -> None:
    user = new_user("es")
    origin = updates.origin_hidden_user("Lucía 2")
    shared_bot.fake.push_update(updates.forwarded_message(HOLA_MAMA, origin, sender=user))
    [answer] = await shared_bot.answers(user["id"])
    assert answer.text is not None
    assert answer.text.startswith("🚨 Estafa conocida")
    assert "número nuevo" in answer.text
    assert "Cómo comprobarlo" in answer.text
    assert "INCIBE" in answer.text  # Spain is the default country in these tests
    labels = [b["text"] for b in answer.buttons]
    assert labels == ["🔍 Cómo comprobarlo", "🚩 Denunciar", "🙅 Falsa alarma"]
    assert answer.params["reply_parameters"]  # it quotes the forwarded message


async def test_a_legitimate_message_gets_no_match_that_does_not_read_as_safe(
    shared_bot: Harness,
) -> None:
    user = new_user("es")
    text = "Hola! Al final quedamos el sábado a las 8 en casa de Marta, llevo la tortilla 😋"
    shared_bot.fake.push_update(updates.text_message(text, sender=user))
    [answer] = await shared_bot.answers(user["id"])
    assert answer.text is not None
    assert "No coincide con ninguna estafa conocida" in answer.text
    assert "no significa que sea seguro" in answer.text


async def test_an_english_speaker_gets_the_answer_in_english(shared_bot: Harness) -> None:
    user = new_user("en", "Oliver")
    text = (
        "Hi Mum, it's me, I dropped my phone in the loo, this is my new number. Can you "
        "transfer £480 for my rent today? I'll pay you back tomorrow x"
    )
    shared_bot.fake.push_update(updates.text_message(text, sender=user))
    [answer] = await shared_bot.answers(user["id"])
    assert answer.text is not None
    assert answer.text.startswith("🚨 Known scam")


async def test_hostile_html_is_escaped_and_never_echoed_as_markup(shared_bot: Harness) -> None:
    user = new_user("es")
    text = (
        '<b>URGENTE</b> <a href="http://evil.example">Banco</a> \x00\x07 hola mamá '
        "número nuevo, hazme un bizum <script>alert(1)</script>"
    )
    shared_bot.fake.push_update(updates.text_message(text, sender=user))
    [answer] = await shared_bot.answers(user["id"])
    raw = str(answer.params["text"])
    assert "<script>" not in raw
    assert "<a href" not in raw
    assert "\x00" not in raw


async def test_a_huge_message_is_answered_within_telegrams_limit(shared_bot: Harness) -> None:
    user = new_user("es")
    text = ("hola mamá este es mi número nuevo hazme un bizum " + "bla " * 1500)[:4096]
    shared_bot.fake.push_update(updates.text_message(text, sender=user))
    [answer] = await shared_bot.answers(user["id"])
    assert answer.text is not None
    assert len(answer.text) <= 4096
    assert shared_bot.fake.limit_violations == []


async def test_a_sticker_poll_or_location_gets_a_what_i_can_check_answer(
    shared_bot: Harness,
) -> None:
    user = new_user("es")
    file_id, unique = shared_bot.fake.add_file(b"RIFF0000WEBP", file_path_hint="stickers/s.webp")
    for update in (
        updates.sticker_message(file_id, unique, sender=user),
        updates.poll_message("¿Pizza o sushi?", ["Pizza", "Sushi"], sender=user),
        updates.location_message(sender=user),
    ):
        shared_bot.fake.push_update(update)
    answers = await shared_bot.answers(user["id"], 3)
    assert len(answers) == 3
    assert all(a.text and "Puedo revisar" in a.text for a in answers)


async def test_a_burst_of_twenty_updates_from_five_users_gets_twenty_answers_in_order(
    shared_bot: Harness,
) -> None:
    users = [new_user("es", f"U{i}") for i in range(5)]
    for round_no in range(4):
        for u in users:
            shared_bot.fake.push_update(
                updates.text_message(f"mensaje {round_no}: ¿vienes a cenar hoy?", sender=u)
            )
    for u in users:
        answers = await shared_bot.answers(u["id"], 4, timeout=20)
        assert len(answers) == 4
        replied_to = [a.params["reply_parameters"] for a in answers]
        ids = [r["message_id"] if isinstance(r, dict) else r for r in replied_to]
        assert ids == sorted(ids)  # answers come in the order the messages were sent


async def test_the_bot_keeps_answering_after_a_bad_update(shared_bot: Harness) -> None:
    user = new_user("es")
    shared_bot.fake.push_update(updates.text_message("\u200b\u200b\u200b", sender=user))
    shared_bot.fake.push_update(updates.text_message("hola, ¿qué tal?", sender=user))
    answers = await shared_bot.answers(user["id"], 2)
    assert len(answers) == 2
    await asyncio.sleep(0)
