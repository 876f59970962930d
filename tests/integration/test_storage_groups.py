"""Group settings, the admin cache and the warning dedupe, on every backend."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.groups import GroupRepo
from bot.storage.models import WATCHABLE_KINDS

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CHAT = -1_001_234_567_890  # supergroup ids are beyond 32 bits


async def test_a_new_group_gets_the_default_settings(session: AsyncSession) -> None:
    group = await GroupRepo(session).get_or_create(CHAT, "Familia", now=NOW)

    assert (group.chat_id, group.title, group.sensitivity) == (CHAT, "Familia", "scam")
    assert group.watch_kinds == WATCHABLE_KINDS
    assert (group.watch_all, group.delete_scams, group.bot_can_delete) == (False, False, False)
    assert (group.muted_until, group.language, group.created_at) == (None, None, NOW)


async def test_an_unknown_group_is_none(session: AsyncSession) -> None:
    assert await GroupRepo(session).get(CHAT) is None


async def test_get_or_create_keeps_settings_and_follows_title_changes(
    session: AsyncSession,
) -> None:
    groups = GroupRepo(session)
    await groups.get_or_create(CHAT, "Familia")
    await groups.update_settings(CHAT, sensitivity="suspicious")

    renamed = await groups.get_or_create(CHAT, "Familia 2025")
    untitled = await groups.get_or_create(CHAT)

    assert (renamed.title, renamed.sensitivity) == ("Familia 2025", "suspicious")
    assert untitled.title == "Familia 2025"


async def test_settings_are_updated_and_normalised(session: AsyncSession) -> None:
    groups = GroupRepo(session)
    await groups.get_or_create(CHAT, now=NOW)
    later = NOW + timedelta(minutes=1)

    updated = await groups.update_settings(
        CHAT,
        now=later,
        language="ES",
        country="co",
        watch_kinds=["voice", "text", "voice"],
        watch_all=True,
        delete_scams=True,
        muted_until=NOW + timedelta(hours=2),
    )

    assert (updated.language, updated.country) == ("es", "CO")
    assert updated.watch_kinds == ("text", "voice")
    assert (updated.watch_all, updated.delete_scams) == (True, True)
    assert updated.is_muted(NOW + timedelta(hours=1))
    assert not updated.is_muted(NOW + timedelta(hours=2))
    assert updated.watches("voice")
    assert not updated.watches("photo")
    assert (updated.created_at, updated.updated_at) == (NOW, later)
    assert await groups.get(CHAT) == updated


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"sensitivity": "paranoid"}, ValueError),
        ({"watch_kinds": ["voice", "sticker"]}, ValueError),
        ({"country": "Colombia"}, ValueError),
        ({"bot_can_delete": True}, TypeError),
    ],
)
async def test_invalid_settings_are_refused(
    session: AsyncSession, fields: dict[str, object], error: type[Exception]
) -> None:
    groups = GroupRepo(session)
    await groups.get_or_create(CHAT)

    with pytest.raises(error):
        await groups.update_settings(CHAT, **fields)  # type: ignore[arg-type]


async def test_watched_kinds_may_be_given_as_a_comma_list(session: AsyncSession) -> None:
    groups = GroupRepo(session)
    await groups.get_or_create(CHAT)

    updated = await groups.update_settings(CHAT, watch_kinds="photo,voice")
    nothing = await groups.update_settings(CHAT, watch_kinds="")

    assert updated.watch_kinds == ("voice", "photo")
    assert nothing.watch_kinds == ()
    assert not nothing.watches("voice")


async def test_updating_an_unknown_group_is_refused(session: AsyncSession) -> None:
    with pytest.raises(LookupError):
        await GroupRepo(session).update_settings(CHAT, watch_all=True)


async def test_the_bots_own_rights_are_recorded_even_for_a_new_group(
    session: AsyncSession,
) -> None:
    groups = GroupRepo(session)

    joined = await groups.set_bot_rights(CHAT, "member", False, title="Vecinos")
    promoted = await groups.set_bot_rights(CHAT, "administrator", True)

    assert (joined.bot_status, joined.bot_can_delete, joined.title) == ("member", False, "Vecinos")
    assert (promoted.bot_status, promoted.bot_can_delete, promoted.title) == (
        "administrator",
        True,
        "Vecinos",
    )


async def test_the_admin_cache_follows_promotions_and_demotions(session: AsyncSession) -> None:
    groups = GroupRepo(session)
    await groups.upsert_admin(CHAT, 1, "creator", True, now=NOW)
    await groups.upsert_admin(CHAT, 2, "administrator", False, now=NOW)
    await groups.upsert_admin(CHAT, 2, "administrator", True, now=NOW)
    await groups.upsert_admin(CHAT, 3, "administrator", False, now=NOW)

    removed = await groups.remove_admin(CHAT, 3)
    removed_again = await groups.remove_admin(CHAT, 3)
    admins = await groups.list_admins(CHAT)

    assert (removed, removed_again) == (True, False)
    assert [(a.user_id, a.status, a.can_change_info) for a in admins] == [
        (1, "creator", True),
        (2, "administrator", True),
    ]
    assert await groups.is_admin(CHAT, 2)
    assert not await groups.is_admin(CHAT, 3)
    assert not await groups.is_admin(CHAT - 1, 1)


async def test_a_cached_member_status_is_not_an_admin(session: AsyncSession) -> None:
    groups = GroupRepo(session)
    await groups.upsert_admin(CHAT, 4, "member", False)

    assert not await groups.is_admin(CHAT, 4)


async def test_a_warning_is_remembered_for_its_window_only(session: AsyncSession) -> None:
    groups = GroupRepo(session)
    await groups.mark_warned(CHAT, "file:AgAD", 555, now=NOW)

    assert await groups.was_warned(CHAT, "file:AgAD", since=NOW - timedelta(hours=6))
    assert not await groups.was_warned(CHAT, "file:AgAD", since=NOW + timedelta(seconds=1))
    assert not await groups.was_warned(CHAT, "file:other", since=NOW - timedelta(hours=6))
    assert not await groups.was_warned(CHAT - 1, "file:AgAD", since=NOW - timedelta(hours=6))


async def test_warning_again_moves_the_window_and_old_warnings_are_purged(
    session: AsyncSession,
) -> None:
    groups = GroupRepo(session)
    await groups.mark_warned(CHAT, "text:a", 1, now=NOW - timedelta(days=2))
    await groups.mark_warned(CHAT, "text:b", 2, now=NOW - timedelta(days=2))
    await groups.mark_warned(CHAT, "text:a", 3, now=NOW)

    purged = await groups.purge_warnings(before=NOW - timedelta(days=1))

    assert purged == 1
    assert await groups.was_warned(CHAT, "text:a", since=NOW)
    assert not await groups.was_warned(CHAT, "text:b", since=NOW - timedelta(days=3))
