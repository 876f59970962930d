"""The pure group policy: what Ojo looks at in a group, when it speaks, what admins may change."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.content.loader import load_pack
from bot.groups import details, policy
from bot.groups.policy import Seen
from bot.groups.texts import details_url, not_scam_data, warning_text
from bot.i18n import default_messages
from bot.storage.groups import GroupSettings
from bot.storage.models import WATCHABLE_KINDS
from bot.verdict import TipOut, Verdict, VerdictMatch

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
FORWARDED_TEXT = Seen(kind="text", forwarded=True, has_link=False, has_text=True)


def group(**changes: Any) -> GroupSettings:
    """A group with the default settings, as GroupRepo creates it, the bot a plain member."""
    defaults = GroupSettings(
        chat_id=-1_001_234_567_890,
        title="Vecinos de la calle Mayor",
        language=None,
        country=None,
        sensitivity="scam",
        watch_kinds=WATCHABLE_KINDS,
        watch_all=False,
        delete_scams=False,
        muted_until=None,
        bot_status="member",
        bot_can_delete=False,
        created_at=NOW,
        updated_at=NOW,
    )
    return dataclasses.replace(defaults, **changes)


def verdict(level: str = "scam", *, tips: tuple[str, ...] = ("Llama a tu hijo",)) -> Verdict:
    """A verdict about the "hola mamá" scam."""
    match = VerdictMatch(
        pattern_id="family-new-number",
        title="Falso familiar con número nuevo",
        category="impersonation",
        score=0.95,
        level=level,  # type: ignore[arg-type]
        evidence=("número nuevo", "bizum"),
        via="text",
    )
    return Verdict(
        level=level,  # type: ignore[arg-type]
        score=0.95,
        kind="text",
        language="es",
        matches=(match,) if level != "no_match" else (),
        signals=(),
        tips=tuple(TipOut(f"tip-{i}", text) for i, text in enumerate(tips)),
        report=(),
    )


# ----- what is looked at -----


def test_a_forwarded_text_in_a_default_group_is_analysed() -> None:
    assert policy.look(group(), FORWARDED_TEXT, NOW) is None


def test_an_ordinary_chat_message_is_not_even_a_candidate() -> None:
    chat = Seen(kind="text", forwarded=False, has_link=False, has_text=True)
    assert not policy.candidate(chat)
    assert policy.look(group(watch_all=True), chat, NOW) == "not_watched"


def test_a_link_that_was_not_forwarded_is_only_analysed_when_the_group_watches_all() -> None:
    link = Seen(kind="text", forwarded=False, has_link=True, has_text=True)
    assert policy.look(group(), link, NOW) == "not_forwarded"
    assert policy.look(group(watch_all=True), link, NOW) is None


def test_watch_all_also_covers_voice_notes_recorded_in_the_group() -> None:
    voice = Seen(kind="voice", forwarded=False, has_link=False, has_text=False)
    assert policy.look(group(), voice, NOW) == "not_forwarded"
    assert policy.look(group(watch_all=True), voice, NOW) is None


def test_a_kind_the_admins_unticked_is_skipped() -> None:
    voice = Seen(kind="voice", forwarded=True, has_link=False, has_text=False)
    assert policy.look(group(watch_kinds=("text",)), voice, NOW) == "kind"


def test_stickers_and_polls_are_never_watched() -> None:
    sticker = Seen(kind="sticker", forwarded=True, has_link=False, has_text=False)
    assert not policy.candidate(sticker)


def test_a_forwarded_photo_is_looked_at_with_or_without_caption() -> None:
    bare = Seen(kind="photo", forwarded=True, has_link=False, has_text=False)
    captioned = dataclasses.replace(bare, has_text=True)
    assert policy.look(group(), bare, NOW) is None  # read by OCR
    assert policy.look(group(), captioned, NOW) is None


def test_a_muted_group_is_skipped_until_the_mute_ends() -> None:
    muted = group(muted_until=NOW + timedelta(hours=1))
    assert policy.look(muted, FORWARDED_TEXT, NOW) == "muted"
    assert policy.look(muted, FORWARDED_TEXT, NOW + timedelta(hours=2)) is None


def test_a_group_the_bot_was_removed_from_is_absent() -> None:
    assert policy.look(group(bot_status="kicked"), FORWARDED_TEXT, NOW) == "absent"
    assert policy.decide(group(bot_status="left"), "scam", NOW) == "absent"
    assert policy.decide(None, "scam", NOW) == "absent"


# ----- when Ojo speaks -----


def test_by_default_only_known_scams_are_spoken_about() -> None:
    assert policy.decide(group(), "scam", NOW) is None
    assert policy.decide(group(), "suspicious", NOW) == "quiet"
    assert policy.decide(group(), "no_match", NOW) == "quiet"


def test_scam_and_suspicious_sensitivity_also_warns_about_suspicious_messages() -> None:
    sensitive = group(sensitivity="suspicious")
    assert policy.decide(sensitive, "suspicious", NOW) is None
    assert policy.decide(sensitive, "no_match", NOW) == "quiet"


def test_a_verdict_arriving_after_a_mute_stays_unsaid() -> None:
    assert policy.decide(group(muted_until=NOW + timedelta(minutes=5)), "scam", NOW) == "muted"


def test_only_confirmed_scams_are_deleted_and_only_when_asked_and_allowed() -> None:
    allowed = group(delete_scams=True, bot_can_delete=True)
    assert policy.may_delete(allowed, "scam")
    assert not policy.may_delete(allowed, "suspicious")
    assert not policy.may_delete(group(delete_scams=True), "scam")
    assert not policy.may_delete(group(bot_can_delete=True), "scam")


def test_the_warning_names_the_scam_type_and_gives_exactly_one_tip() -> None:
    text = warning_text(
        default_messages(), "es", verdict(tips=("Llama a tu hijo", "No hagas el Bizum"))
    )
    assert "Falso familiar con número nuevo" in text
    assert "Llama a tu hijo" in text
    assert "No hagas el Bizum" not in text
    assert len(text.splitlines()) == 2


def test_a_warning_without_tips_falls_back_to_the_general_advice() -> None:
    text = warning_text(default_messages(), "en", verdict("suspicious", tips=()))
    assert text.startswith("⚠️")
    assert "don't pay or share codes" in text


def test_the_scam_title_is_escaped_in_the_warning() -> None:
    hostile = verdict()
    match = dataclasses.replace(hostile.matches[0], title="<b>Banco</b> & co")
    text = warning_text(default_messages(), "es", dataclasses.replace(hostile, matches=(match,)))
    assert "&lt;b&gt;Banco&lt;/b&gt; &amp; co" in text


# ----- joining -----


def test_a_member_with_privacy_mode_on_lacks_reading_and_deleting() -> None:
    assert policy.missing_rights("member", False, False) == ("read", "delete")


def test_privacy_mode_off_is_enough_to_read() -> None:
    assert policy.missing_rights("member", True, False) == ("delete",)


def test_an_admin_reads_everything_and_deletes_only_with_the_right() -> None:
    assert policy.missing_rights("administrator", False, False) == ("delete",)
    assert policy.missing_rights("administrator", False, True) == ()


def test_the_bot_greets_when_added_but_not_when_promoted_or_on_a_repeated_update() -> None:
    assert policy.joined("left", None, "member")
    assert policy.joined("kicked", "kicked", "administrator")
    assert not policy.joined("member", "member", "administrator")
    assert not policy.joined("left", "member", "member")  # the same update delivered twice
    assert not policy.joined("left", None, "left")


# ----- what admins may change -----


def test_admins_can_choose_scam_and_suspicious() -> None:
    assert policy.settings_change(group(), "sens", "suspicious", NOW) == {
        "sensitivity": "suspicious"
    }


def test_a_kind_button_toggles_that_kind() -> None:
    off = policy.settings_change(group(), "kind", "voice", NOW)
    assert "voice" not in off["watch_kinds"]
    on = policy.settings_change(group(watch_kinds=("text",)), "kind", "voice", NOW)
    assert list(on["watch_kinds"]) == ["text", "voice"]


def test_mute_lasts_the_chosen_hours_and_unmute_clears_it() -> None:
    assert policy.settings_change(group(), "mute", "8", NOW) == {
        "muted_until": NOW + timedelta(hours=8)
    }
    assert policy.settings_change(group(), "mute", "0", NOW) == {"muted_until": None}
    with pytest.raises(ValueError, match="not a group setting"):
        policy.settings_change(group(), "mute", "3", NOW)


def test_watch_all_language_and_country_are_settable() -> None:
    assert policy.settings_change(group(), "all", "1", NOW) == {"watch_all": True}
    assert policy.settings_change(group(), "lang", "en", NOW) == {"language": "en"}
    assert policy.settings_change(group(), "ctry", "MX", NOW) == {"country": "MX"}
    assert policy.settings_change(group(), "ctry", "none", NOW) == {"country": None}


def test_deleting_scams_needs_the_bot_to_have_the_right() -> None:
    with pytest.raises(policy.SettingRefused) as refused:
        policy.settings_change(group(), "del", "1", NOW)
    assert refused.value.message_key == "group.settings.need_delete_right"
    assert policy.settings_change(group(bot_can_delete=True), "del", "1", NOW) == {
        "delete_scams": True
    }
    assert policy.settings_change(group(), "del", "0", NOW) == {"delete_scams": False}


@pytest.mark.parametrize(
    ("action", "value"),
    [("sens", "everything"), ("kind", "sticker"), ("lang", "fr"), ("ctry", "mx1"), ("x", "1")],
)
def test_forged_button_data_is_rejected(action: str, value: str) -> None:
    with pytest.raises(ValueError, match="not a group setting"):
        policy.settings_change(group(), action, value, NOW)


# ----- buttons and details -----


def test_the_details_button_is_a_deep_link_to_the_private_chat() -> None:
    url = details_url("ojo_bot", "text:" + "a" * 40)
    assert url.startswith("https://t.me/ojo_bot?start=v_")
    assert len(url.rsplit("v_", 1)[1]) == details.HANDLE_CHARS


def test_not_a_scam_data_fits_telegrams_64_bytes_even_for_long_keys() -> None:
    assert not_scam_data("text:" + "a" * 40) == "g:fa:text:" + "a" * 40
    long = not_scam_data("file:" + "x" * 80)
    assert long.startswith("g:fa:#")
    assert len(long.encode()) <= 64


def test_stored_details_come_back_in_the_readers_language() -> None:
    pack = load_pack()
    pattern = pack.patterns[0]
    stored = dataclasses.replace(
        verdict(),
        matches=(dataclasses.replace(verdict().matches[0], pattern_id=pattern.id),),
    )
    again = details.load(details.dump(stored), pack, lang="en", country="GB")
    assert again.level == "scam"
    assert again.matches[0].title == pattern.title.get("en")
    assert again.matches[0].summary == pattern.summary.get("en")
    assert again.matches[0].evidence == ("número nuevo", "bizum")
