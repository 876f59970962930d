"""Check counters, trend sightings and runtime settings, on every backend."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.reports import ReportRepo
from bot.storage.settings_kv import KeyValueRepo
from bot.storage.sightings import SightingRepo
from bot.storage.stats import DayStat, PatternCount, StatsRepo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
YESTERDAY = TODAY - timedelta(days=1)
WINDOW = timedelta(hours=6)


async def test_counters_are_summed_per_day_kind_and_level(session: AsyncSession) -> None:
    stats = StatsRepo(session)
    await stats.bump(TODAY, "voice", "scam", "fake-relative")
    await stats.bump(TODAY, "voice", "scam", "fake-relative")
    await stats.bump(TODAY, "voice", "scam", "bank-otp")
    await stats.bump(TODAY, "text", "no_match")
    await stats.bump(YESTERDAY, "text", "no_match", by=4)
    await stats.bump(date(2024, 1, 1), "text", "no_match")

    two_days = await stats.per_day(2, today=TODAY)
    one_day = await stats.per_day(1, today=TODAY)

    assert two_days == (
        DayStat(YESTERDAY, "text", "no_match", 4),
        DayStat(TODAY, "text", "no_match", 1),
        DayStat(TODAY, "voice", "scam", 3),
    )
    assert one_day == two_days[1:]


async def test_top_patterns_are_ranked_without_the_no_match_bucket(session: AsyncSession) -> None:
    stats = StatsRepo(session)
    await stats.bump(TODAY, "voice", "scam", "fake-relative", by=3)
    await stats.bump(YESTERDAY, "text", "suspicious", "bank-otp", by=2)
    await stats.bump(YESTERDAY, "text", "scam", "bank-otp", by=2)
    await stats.bump(TODAY, "text", "no_match", by=50)
    await stats.bump(TODAY - timedelta(days=30), "text", "scam", "old-hoax", by=99)

    top = await stats.top_patterns(7, 5, today=TODAY)
    first = await stats.top_patterns(7, 1, today=TODAY)

    assert top == (PatternCount("bank-otp", 4), PatternCount("fake-relative", 3))
    assert first == top[:1]


async def _report(
    session: AsyncSession, verdict: str, *, text: str | None = None, file: str | None = None
) -> int:
    return await ReportRepo(session).add(
        reporter_hash="h",
        source="private",
        kind="text" if file is None else "voice",
        text=text,
        file_unique_id=file,
        verdict_json=f'{{"verdict": "{verdict}", "score": 0.1}}',
        consent_at=NOW,
        retention=timedelta(days=30),
        now=NOW,
    )


async def test_the_most_reported_unrecognised_contents_come_first(session: AsyncSession) -> None:
    for _ in range(3):
        last_voice = await _report(session, "no_match", file="AgADvoice")
    for _ in range(2):
        last_text = await _report(session, "suspicious", text="premio gratis")
    for _ in range(5):
        await _report(session, "scam", text="known scam")
    resolved = await _report(session, "no_match", text="already reviewed")
    await ReportRepo(session).set_status(resolved, "rejected", 7)

    top = await StatsRepo(session).top_reported_unknown(5)

    assert [(item.report_id, item.kind, item.count) for item in top] == [
        (last_voice, "voice", 3),
        (last_text, "text", 2),
    ]
    assert top[0].last_reported_at == NOW


async def test_sightings_count_distinct_users_within_the_window(session: AsyncSession) -> None:
    sightings = SightingRepo(session)

    long_ago, an_hour_ago = NOW - 2 * WINDOW, NOW - timedelta(hours=1)

    counts = [
        await sightings.record("file:x", "user-old", "voice", long_ago, window=WINDOW),
        await sightings.record("file:x", "user-a", "voice", an_hour_ago, window=WINDOW),
        await sightings.record("file:x", "user-b", "voice", NOW, window=WINDOW),
        await sightings.record("file:x", "user-b", "voice", NOW, window=WINDOW),
        await sightings.record("file:y", "user-a", "voice", NOW, window=WINDOW),
    ]

    assert counts == [1, 1, 2, 2, 1]


async def test_a_returning_user_counts_again_and_old_sightings_are_purged(
    session: AsyncSession,
) -> None:
    sightings = SightingRepo(session)
    await sightings.record("file:x", "user-a", "voice", NOW - 2 * WINDOW, window=WINDOW)
    await sightings.record("file:x", "user-b", "voice", NOW - 2 * WINDOW, window=WINDOW)

    back = await sightings.record("file:x", "user-a", "voice", NOW, window=WINDOW)
    purged = await sightings.purge_older(NOW - WINDOW)

    assert (back, purged) == (1, 1)


async def test_a_trend_alert_is_remembered_from_when_it_was_sent(session: AsyncSession) -> None:
    sightings = SightingRepo(session)
    await sightings.mark_alerted("file:x", 5, NOW - timedelta(days=2))
    await sightings.mark_alerted("file:x", 12, NOW)

    assert await sightings.alerted_since("file:x", NOW - timedelta(hours=1))
    assert not await sightings.alerted_since("file:x", NOW + timedelta(seconds=1))
    assert not await sightings.alerted_since("file:y", NOW - timedelta(days=9))


async def test_runtime_settings_are_stored_and_counters_start_at_one(
    session: AsyncSession,
) -> None:
    kv = KeyValueRepo(session)
    await kv.set("maintenance", "on")
    await kv.set("maintenance", "off")

    counted = [await kv.increment("my.counter"), await kv.increment("my.counter")]

    assert await kv.get("maintenance") == "off"
    assert await kv.get("missing") is None
    assert counted == [1, 2]
