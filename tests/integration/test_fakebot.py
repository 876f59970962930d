"""The fake Bot API driven by the real python-telegram-bot over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from telegram import Update as PtbUpdate
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakebot import updates as u
from tests.fakebot.ptb import application_builder, bot_for
from tests.fakebot.server import FakeBotApi
from tests.fakebot.spec import SpecError, Upload

ES_CHAT = u.ES_USER["id"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API; it must not have built an invalid result."""
    async with FakeBotApi() as api:
        yield api
    assert api.errors == []


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    """A PTB Bot talking to the fake (initialised: getMe done)."""
    async with bot_for(fake) as bot:
        yield bot


async def echo(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replies with the text, in bold, and an inline button."""
    assert update.message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("¿Por qué?", callback_data="why")]])
    await update.message.reply_html(f"<b>Eco:</b> {update.message.text}", reply_markup=keyboard)


@pytest.fixture
async def polling_app(fake: FakeBotApi) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The echo bot, polling the fake; stops within a second at the end."""
    app = application_builder(fake).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, allowed_updates=PtbUpdate.ALL_TYPES)
    yield app
    started = time.monotonic()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    assert time.monotonic() - started < 1.0


async def test_the_echo_bot_replies_to_a_pushed_text_message(
    fake: FakeBotApi,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    fake.push_update(u.text_message("Hola, soy tu hijo, este es mi nuevo número"))
    [reply] = await fake.wait_for_messages(ES_CHAT, 1)
    assert reply.text == "Eco: Hola, soy tu hijo, este es mi nuevo número"
    assert reply.message["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert reply.params["parse_mode"] == "HTML"
    assert reply.buttons == [{"text": "¿Por qué?", "callback_data": "why"}]
    assert [c.method for c in fake.requests[:3]] == ["getMe", "deleteWebhook", "getUpdates"]


async def test_updates_are_confirmed_by_offset_and_dropped_when_polling_stops(
    fake: FakeBotApi,
) -> None:
    fake.push_update(u.text_message("uno"))  # queued before the bot starts
    app = application_builder(fake).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        await app.start()
        fake.push_update(u.text_message("dos", sender=u.EN_USER))
        await fake.wait_for_messages(ES_CHAT, 1)
        await fake.wait_for_messages(u.EN_USER["id"], 1)
        await app.updater.stop()
        await app.stop()
    assert fake.pending_updates == []
    assert fake.calls("getUpdates")[-1].params["timeout"] == 0


async def test_a_waiting_long_poll_is_woken_when_the_server_stops() -> None:
    fake = FakeBotApi()
    await fake.start()
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}{fake.token}/getUpdates"
        poll = asyncio.create_task(session.post(url, data={"timeout": "30"}))
        await fake.wait_for(lambda: fake.calls("getUpdates"))
        started = time.monotonic()
        await fake.stop()
        async with await poll as response:
            assert await response.json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 1.0


async def test_a_newer_get_updates_ends_the_waiting_one_with_409(fake: FakeBotApi) -> None:
    url = f"{fake.base_url}{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as session:
        older = asyncio.create_task(session.post(url, data={"timeout": "30"}))
        await fake.wait_for(lambda: fake.calls("getUpdates"))
        async with session.post(url, data={"timeout": "0"}) as newer:
            assert await newer.json() == {"ok": True, "result": []}
        async with await older as response:
            assert response.status == 409
            assert (
                "terminated by other getUpdates request" in (await response.json())["description"]
            )


async def test_a_file_is_served_through_get_file_and_download(fake: FakeBotApi, bot: Bot) -> None:
    data = b"OggS\x00\x02" + bytes(range(200))
    file_id, file_unique_id = fake.add_file(data, file_path_hint="voice/file_7.oga")
    telegram_file = await bot.get_file(file_id)
    assert telegram_file.file_unique_id == file_unique_id
    assert telegram_file.file_size == len(data)
    assert bytes(await telegram_file.download_as_bytearray()) == data
    assert fake.downloads == ["voice/file_7.oga"]


async def test_an_unknown_file_id_is_a_bad_request(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("AwACAgIAAxkBAAnope")


async def test_an_unknown_parameter_is_rejected_with_400(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_update(u.text_message("hola"))
    with pytest.raises(BadRequest, match=r"(?i)unknown parameter 'disable_web_page_preview'"):
        await bot.send_message(ES_CHAT, "hola", api_kwargs={"disable_web_page_preview": True})
    assert fake.rejected()[-1].status == 400


async def test_an_unknown_method_is_not_found(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("send_telepathy")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}{fake.token}/sendTelepathy") as response,
    ):
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }


async def test_a_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with bot_for(fake, token="42:WRONG"):
            pass
    assert fake.requests == []  # refused before any method ran


async def test_fail_next_429_surfaces_as_retry_after(
    fake: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22.8 warns while building RetryAfter unless PTB_TIMEDELTA is set (conftest sets it).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.push_update(u.text_message("hola"))
    fake.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ES_CHAT, "hola")
    assert caught.value.retry_after == dt.timedelta(seconds=3)
    await bot.send_message(ES_CHAT, "hola")  # only the next call fails
    assert len(fake.sent[ES_CHAT]) == 1


async def test_fail_next_502_surfaces_as_network_error(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("getFile", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_file("any")


async def test_a_delayed_call_times_out_in_the_client(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_update(u.text_message("hola"))
    fake.delay_next("sendChatAction", 2.0)
    with pytest.raises(TimedOut):
        await bot.send_chat_action(ES_CHAT, "typing", read_timeout=0.2)


async def test_get_updates_conflicts_with_an_active_webhook(fake: FakeBotApi, bot: Bot) -> None:
    assert await bot.set_webhook("https://ojo.example/hook")
    assert (await bot.get_webhook_info()).url == "https://ojo.example/hook"
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()


async def test_chat_member_updates_arrive_only_when_asked_for(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_update(u.chat_member(u.EN_USER, new_status="member"))
    fake.push_update(u.group_message("hola"))
    default = await bot.get_updates(timeout=0)
    assert [x.message is not None for x in default] == [True]
    everything = await bot.get_updates(timeout=0, allowed_updates=PtbUpdate.ALL_TYPES)
    assert [x.chat_member is not None for x in everything] == [True, False]


async def test_a_forwarded_voice_note_reaches_handlers_with_its_origin(
    fake: FakeBotApi,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    seen: list[PtbUpdate] = []

    async def collect(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    polling_app.add_handler(MessageHandler(filters.FORWARDED & filters.VOICE, collect))
    file_id, unique_id = fake.add_file(b"OggS")
    origin = u.origin_hidden_user("Banco Falso")
    fake.push_update(u.voice_message(file_id, unique_id, forward_origin=origin))
    await fake.wait_for(lambda: seen)
    message = seen[0].message
    assert message is not None
    assert message.voice is not None
    assert message.voice.file_id == file_id
    assert message.forward_origin is not None
    assert message.forward_origin.type == "hidden_user"


async def test_a_button_press_is_answered_and_the_message_edited(
    fake: FakeBotApi,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    async def explain(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Mira el mensaje")
        await query.edit_message_text("Porque pide dinero con urgencia.")

    polling_app.add_handler(CallbackQueryHandler(explain, pattern="^why$"))
    fake.push_update(u.text_message("necesito 300 €"))
    [reply] = await fake.wait_for_messages(ES_CHAT, 1)
    fake.push_update(u.callback_query("why", reply.message))
    edited = await fake.wait_for(lambda: fake.sent[ES_CHAT][1:])
    assert edited[0].method == "editMessageText"
    assert edited[0].message["text"] == "Porque pide dinero con urgencia."
    assert "reply_markup" not in edited[0].message  # an edit without markup drops the keyboard
    assert fake.methods.callback_answers[0]["text"] == "Mira el mensaje"


async def test_editing_with_the_same_content_is_not_modified(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_update(u.text_message("hola"))
    sent = await bot.send_message(ES_CHAT, "Veredicto: estafa")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Veredicto: estafa", ES_CHAT, sent.message_id)


async def test_broken_limits_are_rejected_and_recorded(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_update(u.callback_query("why", u.text_message("hola")["message"], query_id="77"))
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ES_CHAT, "<b>a</b>" + "😀" * 2048, parse_mode="HTML")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(ES_CHAT, "hola", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query("77", "a" * 201)
    assert len(fake.limit_violations) == 3
    assert await bot.send_message(ES_CHAT, "😀" * 2048)  # exactly 4096 UTF-16 units is fine
    assert await bot.answer_callback_query("77", "a" * 200)


async def test_a_reply_carries_the_message_it_answers(fake: FakeBotApi, bot: Bot) -> None:
    update = u.text_message("¿Es verdad que gané un iPhone?")
    fake.push_update(update)
    asked = update["message"]["message_id"]
    sent = await bot.send_message(ES_CHAT, "No.", reply_parameters=ReplyParameters(asked))
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "¿Es verdad que gané un iPhone?"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(ES_CHAT, "No.", reply_parameters=ReplyParameters(asked + 99))


async def test_an_edit_of_the_reply_markup_removes_the_keyboard(
    fake: FakeBotApi, bot: Bot
) -> None:
    fake.push_update(u.text_message("hola"))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ver", url="https://ojo.example")]])
    sent = await bot.send_message(ES_CHAT, "Veredicto", reply_markup=keyboard)
    edited = await bot.edit_message_reply_markup(ES_CHAT, sent.message_id)
    assert isinstance(edited, Message)
    assert edited.reply_markup is None
    assert [m.method for m in fake.sent[ES_CHAT]] == ["sendMessage", "editMessageReplyMarkup"]


async def test_after_leaving_a_group_the_bot_cannot_write_there(
    fake: FakeBotApi, bot: Bot
) -> None:
    fake.push_update(u.my_chat_member(u.GROUP))
    assert await bot.leave_chat(u.GROUP["id"])
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the supergroup chat"):
        await bot.send_message(u.GROUP["id"], "hola")
    assert fake.methods.left_chats == [u.GROUP["id"]]


async def test_json_and_multipart_bodies_are_understood(fake: FakeBotApi) -> None:
    fake.push_update(u.text_message("hola"))
    url = f"{fake.base_url}{fake.token}"
    form = aiohttp.FormData({"chat_id": str(ES_CHAT)})
    form.add_field("voice", b"OggS", filename="voice.ogg", content_type="audio/ogg")
    async with aiohttp.ClientSession() as session:
        payload = {"chat_id": ES_CHAT, "action": "typing"}
        async with session.post(f"{url}/sendChatAction", json=payload) as response:
            assert await response.json() == {"ok": True, "result": True}
        async with session.post(f"{url}/sendVoice", data=form) as response:
            body = await response.json()
    assert fake.methods.chat_actions == [(ES_CHAT, "typing")]
    assert body["description"] == "Bad Request: the fake Bot API does not implement sendVoice"
    assert fake.calls("sendVoice")[0].params["voice"] == Upload("voice.ogg", "audio/ogg", b"OggS")


async def test_invalid_html_is_rejected_like_telegram(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_update(u.text_message("hola"))
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: Unsupported start tag"):
        await bot.send_message(ES_CHAT, "línea<br>otra", parse_mode="HTML")


async def test_an_unseen_chat_is_not_found(fake: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hola")


async def test_a_blocked_bot_is_forbidden_to_write(fake: FakeBotApi, bot: Bot) -> None:
    private = u.private_chat(u.ES_USER)
    fake.push_update(u.my_chat_member(private, old_status="member", new_status="kicked"))
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(ES_CHAT, "hola")


async def test_chat_members_come_from_the_state_the_test_sets(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_update(u.my_chat_member(new_status="administrator", can_delete_messages=True))
    fake.set_chat_member(u.GROUP["id"], u.ES_USER["id"], "creator")
    fake.set_chat_member(u.GROUP["id"], u.EN_USER["id"], "member")
    member = await bot.get_chat_member(u.GROUP["id"], fake.bot_id)
    assert isinstance(member, ChatMemberAdministrator)
    assert member.can_delete_messages
    assert not member.can_restrict_members
    admins = await bot.get_chat_administrators(u.GROUP["id"])
    assert {admin.user.id for admin in admins} == {fake.bot_id, u.ES_USER["id"]}
    chat = await bot.get_chat(u.GROUP["id"])
    assert chat.title == u.GROUP["title"]


async def test_deleting_others_messages_needs_the_right(fake: FakeBotApi, bot: Bot) -> None:
    update = u.group_message("gana dinero rápido")
    fake.push_update(update)
    chat_id, message_id = u.GROUP["id"], update["message"]["message_id"]
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(chat_id, message_id)
    fake.set_chat_member(chat_id, fake.bot_id, "administrator", can_delete_messages=True)
    assert await bot.delete_message(chat_id, message_id)
    assert fake.methods.deleted == [(chat_id, message_id)]


async def test_the_bot_added_to_a_group_reaches_my_chat_member_handlers(
    fake: FakeBotApi,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    async def greet(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "¡Hola, grupo!")

    polling_app.add_handler(ChatMemberHandler(greet, ChatMemberHandler.MY_CHAT_MEMBER))
    fake.push_update(u.my_chat_member(u.GROUP, by=u.ES_USER))
    [greeting] = await fake.wait_for_messages(u.GROUP["id"], 1)
    assert greeting.text == "¡Hola, grupo!"


async def test_commands_are_stored_per_scope_and_language(fake: FakeBotApi, bot: Bot) -> None:
    assert await bot.set_my_commands([("check", "Comprobar un mensaje")], language_code="es")
    assert [c.command for c in await bot.get_my_commands(language_code="es")] == ["check"]
    assert await bot.get_my_commands() == ()
    assert await bot.delete_my_commands(language_code="es")
    assert await bot.get_my_commands(language_code="es") == ()


def test_push_update_rejects_an_update_with_an_unknown_field() -> None:
    update = u.text_message("hola")
    update["message"]["forward_from"] = u.SCAMMER
    with pytest.raises(SpecError, match="forward_from"):
        FakeBotApi().push_update(update)
