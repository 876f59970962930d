"""Moderators and false-alarm votes, on every backend."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.false_alarms import FalseAlarmRepo
from bot.storage.moderation import ModeratorRepo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def test_moderators_are_added_listed_owners_first_and_removed(
    session: AsyncSession,
) -> None:
    mods = ModeratorRepo(session)
    await mods.add(30, "moderator", added_by=10, now=NOW)
    await mods.add(10, "owner", now=NOW)
    await mods.add(20, now=NOW)

    listed = await mods.list()
    removed, removed_again = await mods.remove(20), await mods.remove(20)

    assert [(m.user_id, m.role, m.added_by) for m in listed] == [
        (10, "owner", None),
        (20, "moderator", None),
        (30, "moderator", 10),
    ]
    assert (removed, removed_again) == (True, False)
    assert [m.user_id for m in await mods.list()] == [10, 30]


async def test_adding_a_moderator_again_changes_only_their_role(session: AsyncSession) -> None:
    mods = ModeratorRepo(session)
    await mods.add(30, "moderator", added_by=10, now=NOW)

    promoted = await mods.add(30, "owner", added_by=99)

    assert (promoted.role, promoted.added_by, promoted.created_at) == ("owner", 10, NOW)
    assert await mods.role_of(30) == "owner"
    assert await mods.role_of(31) is None


async def test_an_unknown_role_is_refused(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="role"):
        await ModeratorRepo(session).add(1, "admin")  # type: ignore[arg-type]


async def test_each_voter_counts_once_per_content(session: AsyncSession) -> None:
    votes = FalseAlarmRepo(session)

    results = [
        await votes.add_vote("text:abc", -100, "voter-1", now=NOW),
        await votes.add_vote("text:abc", -200, "voter-1", now=NOW),
        await votes.add_vote("text:abc", None, "voter-2", now=NOW),
        await votes.add_vote("text:other", -100, "voter-1", now=NOW),
    ]

    assert results == [True, False, True, True]
    assert await votes.count("text:abc") == 2
    assert await votes.count("text:none") == 0
