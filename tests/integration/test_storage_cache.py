"""The verdict cache: hits, expiry, versions, purge, on every backend."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.cache import VerdictCacheRepo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def test_a_cached_verdict_is_returned_and_its_hits_counted(session: AsyncSession) -> None:
    cache = VerdictCacheRepo(session)
    await cache.put("text:abc", '{"verdict": "scam"}', "rev-7", HOUR, now=NOW)

    first = await cache.get("text:abc", NOW + timedelta(minutes=1))
    second = await cache.get("text:abc", NOW + timedelta(minutes=2))

    assert first is not None
    assert second is not None
    assert (first.verdict_json, first.content_version) == ('{"verdict": "scam"}', "rev-7")
    assert (first.hits, second.hits) == (1, 2)
    assert second.expires_at == NOW + HOUR


async def test_an_expired_verdict_is_not_returned(session: AsyncSession) -> None:
    cache = VerdictCacheRepo(session)
    await cache.put("file:AgAD", "{}", "rev-7", HOUR, now=NOW)

    assert await cache.get("file:AgAD", NOW + HOUR) is None
    assert await cache.get("file:AgAD", NOW + HOUR - timedelta(seconds=1)) is not None


async def test_expiry_compares_instants_whatever_the_time_zone(session: AsyncSession) -> None:
    cache = VerdictCacheRepo(session)
    await cache.put("file:AgAD", "{}", "rev-7", HOUR, now=NOW)
    madrid_just_before_expiry = (NOW + HOUR - timedelta(seconds=1)).astimezone(
        ZoneInfo("Europe/Madrid")
    )

    entry = await cache.get("file:AgAD", madrid_just_before_expiry)

    assert entry is not None
    assert entry.expires_at.tzinfo is UTC


async def test_a_verdict_from_another_pattern_set_is_not_returned_when_asked(
    session: AsyncSession,
) -> None:
    cache = VerdictCacheRepo(session)
    await cache.put("text:abc", "{}", "rev-7", HOUR, now=NOW)

    assert await cache.get("text:abc", NOW, content_version="rev-8") is None
    assert await cache.get("text:abc", NOW, content_version="rev-7") is not None


async def test_putting_again_replaces_the_verdict_and_resets_hits(session: AsyncSession) -> None:
    cache = VerdictCacheRepo(session)
    await cache.put("text:abc", "{}", "rev-7", HOUR, now=NOW)
    await cache.get("text:abc", NOW)

    replaced = await cache.put("text:abc", '{"v": 2}', "rev-8", 2 * HOUR, now=NOW)

    assert (replaced.verdict_json, replaced.content_version, replaced.hits) == (
        '{"v": 2}',
        "rev-8",
        0,
    )
    assert replaced.expires_at == NOW + 2 * HOUR


async def test_purging_deletes_only_expired_verdicts(session: AsyncSession) -> None:
    cache = VerdictCacheRepo(session)
    await cache.put("text:old", "{}", "r", HOUR, now=NOW - 2 * HOUR)
    await cache.put("text:new", "{}", "r", HOUR, now=NOW)

    purged = await cache.purge_expired(NOW)

    assert purged == 1
    assert await cache.get("text:new", NOW) is not None


async def test_invalidating_everything_empties_the_cache(session: AsyncSession) -> None:
    cache = VerdictCacheRepo(session)
    for key in ("text:a", "file:b", "fp:c"):
        await cache.put(key, "{}", "r", HOUR, now=NOW)

    assert await cache.invalidate_all() == 3
    assert await cache.get("fp:c", NOW) is None


async def test_a_non_positive_ttl_is_refused(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await VerdictCacheRepo(session).put("text:a", "{}", "r", timedelta(0), now=NOW)


async def test_a_naive_datetime_is_refused(session: AsyncSession) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        await VerdictCacheRepo(session).get("text:a", datetime(2025, 3, 1, 12, 0))
