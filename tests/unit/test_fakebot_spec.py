"""The fake Bot API's spec validation, parse modes and update builders (no I/O)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.fakebot import updates as u
from tests.fakebot.formatting import EntityParseError, parse
from tests.fakebot.spec import SpecError, Upload, load_spec

SPEC = load_spec()
FILE = ("AwACAgIAAxkBAAIBQ2Zl", "AgADQ2Zl")


def test_the_spec_is_bot_api_10_1() -> None:
    assert SPEC.version == "Bot API 10.1"


def test_form_fields_are_decoded_from_json_like_ptb_sends_them() -> None:
    markup = {"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]}
    params = SPEC.parse_params(
        "sendMessage",
        {
            "chat_id": "5512345678",
            "text": "123",
            "disable_notification": "true",
            "reply_markup": json.dumps(markup),
        },
    )
    assert params == {
        "chat_id": 5512345678,
        "text": "123",
        "disable_notification": True,
        "reply_markup": markup,
    }


def test_a_channel_username_stays_a_string_in_a_union_parameter() -> None:
    assert SPEC.parse_params("getChat", {"chat_id": "@ofertas"}) == {"chat_id": "@ofertas"}


def test_method_names_are_case_insensitive_like_telegram() -> None:
    assert SPEC.method("SENDMESSAGE") is SPEC.method("sendMessage")


def test_an_array_of_strings_parameter_is_parsed() -> None:
    params = SPEC.parse_params("getUpdates", {"allowed_updates": '["message", "chat_member"]'})
    assert params == {"allowed_updates": ["message", "chat_member"]}


@pytest.mark.parametrize(
    ("method", "raw", "error"),
    [
        ("sendMesage", {}, "unknown method"),
        ("sendMessage", {"chat_id": "1", "text": "a", "bogus": "1"}, "unknown parameter 'bogus'"),
        ("sendMessage", {"chat_id": "1"}, "'text' is required"),
        ("getUpdates", {"timeout": "ten"}, "expected Integer"),
        ("getUpdates", {"timeout": "1.5"}, "expected Integer"),
        ("sendMessage", {"chat_id": "1", "text": "a", "protect_content": "yes"}, "Boolean"),
        ("getUpdates", {"allowed_updates": '"message"'}, "expected Array of String"),
        ("sendMessage", {"chat_id": "1", "text": "a", "reply_markup": "{"}, "can't parse"),
        ("setWebhook", {"url": "https://x.example", "certificate": "abc"}, "InputFile"),
        (
            "sendMessage",
            {"chat_id": "1", "text": "a", "reply_markup": '{"inline_keyboard": [[{"txt": "a"}]]}'},
            "unknown field(s) ['txt']",
        ),
    ],
)
def test_invalid_calls_are_rejected(method: str, raw: dict[str, object], error: str) -> None:
    with pytest.raises(SpecError, match=re.escape(error)):
        SPEC.parse_params(method, raw)


def test_a_json_body_with_typed_values_is_accepted_and_checked() -> None:
    assert SPEC.parse_params("getUpdates", {"timeout": 5}) == {"timeout": 5}
    with pytest.raises(SpecError, match="expected Integer"):
        SPEC.parse_params("getUpdates", {"timeout": True})


def test_an_uploaded_file_is_accepted_only_where_the_spec_allows_a_file() -> None:
    upload = Upload("voice.ogg", "audio/ogg", b"OggS")
    params = SPEC.parse_params("sendVoice", {"chat_id": "1", "voice": upload})
    assert params["voice"] == upload
    with pytest.raises(SpecError, match="uploaded file"):
        SPEC.parse_params("sendMessage", {"chat_id": "1", "text": upload})


def test_an_attached_file_part_is_not_an_unknown_parameter() -> None:
    media = json.dumps(
        [{"type": "photo", "media": "attach://p1"}, {"type": "photo", "media": "x"}]
    )
    upload = Upload("p1.jpg", "image/jpeg", b"\xff\xd8")
    params = SPEC.parse_params("sendMediaGroup", {"chat_id": "1", "media": media, "p1": upload})
    assert params["p1"] == upload


def test_an_update_with_an_unknown_field_is_rejected() -> None:
    update = {"update_id": 1, **u.text_message("hola")}
    update["message"]["forward_from"] = u.SCAMMER  # removed from the Bot API in 7.0
    with pytest.raises(SpecError, match=r"unknown field\(s\) \['forward_from'\]"):
        SPEC.update_type(update)


def test_an_update_must_carry_exactly_one_payload() -> None:
    text = u.text_message("hola")
    with pytest.raises(SpecError, match="exactly one"):
        SPEC.update_type({"update_id": 1, **text, "edited_message": text["message"]})


def test_a_message_origin_is_checked_against_the_subtype_its_type_names() -> None:
    SPEC.check(u.origin_hidden_user(), "MessageOrigin")
    broken = {"type": "hidden_user", "date": 1, "sender_user": u.SCAMMER}
    with pytest.raises(SpecError, match="MessageOriginHiddenUser"):
        SPEC.check(broken, "MessageOrigin")
    with pytest.raises(SpecError, match="names no subtype"):
        SPEC.check({"type": "bot", "date": 1}, "MessageOrigin")


def test_an_administrator_without_its_required_rights_is_rejected() -> None:
    with pytest.raises(SpecError, match="missing required field 'can_be_edited'"):
        SPEC.check({"status": "administrator", "user": u.ES_USER}, "ChatMember")


def test_a_constant_field_must_match_its_subtype() -> None:
    member = u.chat_member_object(u.ES_USER, "left")
    SPEC.check(member, "ChatMemberLeft")
    with pytest.raises(SpecError, match="must be 'left'"):
        SPEC.check({**member, "status": "member"}, "ChatMemberLeft")


def test_an_inaccessible_message_is_a_maybe_inaccessible_message() -> None:
    SPEC.check({"chat": u.GROUP, "message_id": 5, "date": 0}, "MaybeInaccessibleMessage")
    with pytest.raises(SpecError, match="matches none"):
        SPEC.check({"chat": u.GROUP, "message_id": 5}, "MaybeInaccessibleMessage")


def test_subtypes_sharing_a_constant_are_all_tried() -> None:
    cached = {"type": "photo", "id": "1", "photo_file_id": "AgAC"}
    SPEC.check(cached, "InlineQueryResult")


def test_booleans_are_not_integers_and_integers_are_floats() -> None:
    SPEC.check({"latitude": 40, "longitude": -3.7}, "Location")
    with pytest.raises(SpecError, match="expected Integer"):
        SPEC.check({"file_id": "a", "file_unique_id": "b", "duration": True}, "Voice")


def test_a_result_of_true_is_required_where_the_spec_returns_boolean() -> None:
    SPEC.check_result("deleteWebhook", True)
    with pytest.raises(SpecError, match="expected True"):
        SPEC.check_result("deleteWebhook", False)


BUILDERS: list[Callable[[], dict[str, Any]]] = [
    lambda: u.text_message("Hola mamá, cambié de número", sender=u.ES_USER),
    lambda: u.text_message("Hi, it's me", sender=u.EN_USER),
    lambda: u.group_message("¿Esto es real?"),
    lambda: u.reply_message("¿y esto?", u.group_message("hola")["message"]),
    lambda: u.forwarded_message("Su cuenta ha sido bloqueada", u.origin_user()),
    lambda: u.forwarded_message("Premio", u.origin_hidden_user("Correos España")),
    lambda: u.forwarded_message("Oferta", u.origin_channel(author_signature="Admin")),
    lambda: u.forwarded_message("Aviso", u.origin_chat()),
    lambda: u.voice_message(*FILE, file_size=4096, forward_origin=u.origin_hidden_user()),
    lambda: u.audio_message(*FILE),
    lambda: u.video_message(*FILE),
    lambda: u.video_note_message(*FILE),
    lambda: u.document_message(*FILE, caption="escucha esto"),
    lambda: u.photo_message(*FILE, caption="mira"),
    lambda: u.sticker_message(*FILE),
    lambda: u.poll_message("¿Es estafa?", ["Sí", "No"]),
    lambda: u.location_message(),
    lambda: u.callback_query("verdict:1", u.text_message("hola", sender=u.BOT)["message"]),
    lambda: u.my_chat_member(new_status="administrator", can_delete_messages=True),
    lambda: u.my_chat_member(u.private_chat(), old_status="member", new_status="kicked"),
    lambda: u.chat_member(u.EN_USER, by=u.ES_USER, new_status="restricted"),
]


@pytest.mark.parametrize("build", BUILDERS)
def test_every_update_builder_produces_a_spec_valid_update(
    build: Callable[[], dict[str, Any]],
) -> None:
    update = build()
    assert SPEC.update_type({"update_id": 1, **update}) in update


def test_builders_reject_fields_the_spec_does_not_know() -> None:
    with pytest.raises(SpecError, match="forward_date"):
        u.text_message("hola", forward_date=1)


def test_html_becomes_plain_text_with_utf16_entities() -> None:
    text, entities = parse('👀 <b>Estafa</b> <a href="https://x.example">ver</a>', "HTML")
    assert text == "👀 Estafa ver"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "text_link", "offset": 10, "length": 3, "url": "https://x.example"},
    ]


def test_html_pre_with_a_language_is_one_entity() -> None:
    text, entities = parse('<pre><code class="language-python">x = 1</code></pre>', "HTML")
    assert (text, entities) == (
        "x = 1",
        [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
    )


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<div>hola</div>", 'Unsupported start tag "div"'),
        ("línea<br>otra", 'Unsupported start tag "br" at byte offset 6'),
        ("<b>hola", "Can't find end tag"),
        ("<b><i>hola</b></i>", 'Unmatched end tag "b"'),
    ],
)
def test_invalid_html_is_rejected_like_telegram(source: str, error: str) -> None:
    with pytest.raises(EntityParseError, match="can't parse entities") as caught:
        parse(source, "HTML")
    assert error in str(caught.value)


def test_markdown_v2_entities_and_escapes_are_parsed() -> None:
    text, entities = parse(r"*Ojo:* __no__ pagues\. [más](https://x.example/a\)b)", "MarkdownV2")
    assert text == "Ojo: no pagues. más"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "underline", "offset": 5, "length": 2},
        {"type": "text_link", "offset": 16, "length": 3, "url": "https://x.example/a)b"},
    ]


def test_markdown_v2_quote_lines_become_one_blockquote() -> None:
    text, entities = parse(">Hola mamá\n>soy yo\nfin", "MarkdownV2")
    assert text == "Hola mamá\nsoy yo\nfin"
    assert entities == [{"type": "blockquote", "offset": 0, "length": 16}]


def test_an_unescaped_reserved_character_in_markdown_v2_is_rejected() -> None:
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse("Hola.", "MarkdownV2")


def test_surrounding_whitespace_is_trimmed_and_entities_shifted() -> None:
    assert parse("  <b>hola</b>\n", "HTML") == (
        "hola",
        [{"type": "bold", "offset": 0, "length": 4}],
    )


def test_an_unknown_parse_mode_is_rejected() -> None:
    with pytest.raises(EntityParseError, match="unsupported parse_mode"):
        parse("hola", "Textile")
