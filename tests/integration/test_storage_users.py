"""User preferences and /forget, on every backend."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.cache import VerdictCacheRepo
from bot.storage.db import create_engine, upgrade
from bot.storage.false_alarms import FalseAlarmRepo
from bot.storage.models import FalseAlarm, Report, Sighting, User, VerdictCacheEntry
from bot.storage.reports import ReportRepo
from bot.storage.sightings import SightingRepo
from bot.storage.users import Choices, ForgetCounts, UserRepo, read_choices

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def test_a_user_who_never_chose_anything_has_no_preferences(session: AsyncSession) -> None:
    assert await UserRepo(session).get_prefs(42) is None


async def test_language_and_country_are_normalised_and_kept_together(
    session: AsyncSession,
) -> None:
    users = UserRepo(session)

    await users.set_language(42, " ES ", now=NOW)
    later = NOW + timedelta(minutes=5)
    await users.set_country(42, "mx", now=later)
    prefs = await users.get_prefs(42)

    assert prefs is not None
    assert (prefs.language, prefs.country) == ("es", "MX")
    assert (prefs.created_at, prefs.updated_at) == (NOW, later)


async def test_a_preference_can_be_cleared(session: AsyncSession) -> None:
    users = UserRepo(session)
    await users.set_language(42, "en", now=NOW)

    prefs = await users.set_language(42, None, now=NOW)

    assert prefs.language is None


@pytest.mark.parametrize("country", ["MEX", "1A", "", "ñu"])
async def test_a_malformed_country_is_refused(session: AsyncSession, country: str) -> None:
    with pytest.raises(ValueError, match="country"):
        await UserRepo(session).set_country(42, country)


async def test_telegram_ids_beyond_32_bits_are_stored(session: AsyncSession) -> None:
    big_id = 7_000_000_000

    await UserRepo(session).set_language(big_id, "es")

    prefs = await UserRepo(session).get_prefs(big_id)
    assert prefs is not None
    assert prefs.user_id == big_id


async def _leave_traces(session: AsyncSession, user_id: int, user_hash: str) -> None:
    await UserRepo(session).set_language(user_id, "es", now=NOW)
    for n in range(2):
        await ReportRepo(session).add(
            reporter_hash=user_hash,
            source="private",
            kind="text",
            text=f"scam text {n}",
            verdict_json="{}",
            consent_at=NOW,
            retention=timedelta(days=30),
            now=NOW,
        )
    await FalseAlarmRepo(session).add_vote("text:shared", None, user_hash, now=NOW)
    await FalseAlarmRepo(session).add_vote(f"text:{user_hash}", -100, user_hash, now=NOW)
    await SightingRepo(session).record(
        "file:shared", user_hash, "voice", NOW, window=timedelta(hours=1)
    )


async def _count(session: AsyncSession, condition: ColumnElement[bool]) -> int:
    stmt = select(func.count()).where(condition)
    return int((await session.execute(stmt)).scalar_one())


async def test_forgetting_a_user_deletes_everything_tied_to_them_and_nothing_else(
    session: AsyncSession,
) -> None:
    await _leave_traces(session, 1, "hash-of-1")
    await _leave_traces(session, 2, "hash-of-2")
    await VerdictCacheRepo(session).put("text:shared", "{}", "v1", timedelta(hours=1), now=NOW)

    counts = await UserRepo(session).forget_user(1, "hash-of-1")

    assert counts == ForgetCounts(users=1, reports=2, false_alarms=2, sightings=1)
    assert counts.total == 6
    gone = [
        await _count(session, User.user_id == 1),
        await _count(session, Report.reporter_hash == "hash-of-1"),
        await _count(session, FalseAlarm.voter_hash == "hash-of-1"),
        await _count(session, Sighting.user_hash == "hash-of-1"),
    ]
    kept = [
        await _count(session, User.user_id == 2),
        await _count(session, Report.reporter_hash == "hash-of-2"),
        await _count(session, FalseAlarm.voter_hash == "hash-of-2"),
        await _count(session, Sighting.user_hash == "hash-of-2"),
        await _count(session, VerdictCacheEntry.key == "text:shared"),
    ]
    assert gone == [0, 0, 0, 0]
    assert kept == [1, 2, 2, 1, 1]


async def test_forgetting_a_stranger_deletes_nothing(session: AsyncSession) -> None:
    await _leave_traces(session, 2, "hash-of-2")

    counts = await UserRepo(session).forget_user(1, "hash-of-1")

    assert counts.total == 0


async def test_the_hot_path_reads_many_users_choices_in_one_query(db_url: str) -> None:
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            await UserRepo(session).set_language(1, "en", now=NOW)
            await UserRepo(session).set_country(2, "mx", now=NOW)
            await UserRepo(session).set_language(3, "es", now=NOW)
            await UserRepo(session).set_country(3, "AR", now=NOW)

        got = await read_choices(engine, [1, 2, 3, 4])
        again = await read_choices(engine, [])
    finally:
        await engine.dispose()

    assert got == {1: Choices("en", None), 2: Choices(None, "MX"), 3: Choices("es", "AR")}
    assert again == {}
