"""Reports: the review queue, resolution, retention, on every backend."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.reports import ReportRepo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RETENTION = timedelta(days=90)


async def _report(session: AsyncSession, text: str | None = "send money", **extra: object) -> int:
    fields: dict[str, object] = {
        "reporter_hash": "h" * 64,
        "source": "private",
        "kind": "text",
        "text": text,
        "verdict_json": '{"verdict": "no_match"}',
        "consent_at": NOW,
        "retention": RETENTION,
        "now": NOW,
    }
    fields.update(extra)
    return await ReportRepo(session).add(**fields)  # type: ignore[arg-type]


async def test_a_report_is_stored_with_its_consent_and_retention(session: AsyncSession) -> None:
    report_id = await _report(
        session,
        kind="voice",
        text=None,
        transcript="mamá mándame dinero",
        file_id="AwACAg",
        file_unique_id="AgADxyz",
        source="group",
        chat_hash="c" * 64,
    )

    report = await ReportRepo(session).get(report_id)

    assert report is not None
    assert (report.kind, report.transcript, report.file_unique_id) == (
        "voice",
        "mamá mándame dinero",
        "AgADxyz",
    )
    assert (report.source, report.chat_hash, report.status) == ("group", "c" * 64, "new")
    assert (report.consent_at, report.created_at, report.expires_at) == (NOW, NOW, NOW + RETENTION)
    assert report.resolved_by is None


async def test_an_unknown_report_is_none(session: AsyncSession) -> None:
    assert await ReportRepo(session).get(987_654) is None


async def test_an_unknown_source_is_refused(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="source"):
        await _report(session, source="channel")


async def test_the_review_queue_walks_open_reports_oldest_first(session: AsyncSession) -> None:
    first, second, third = [await _report(session, f"text {n}") for n in range(3)]
    reports = ReportRepo(session)
    await reports.set_status(second, "rejected", 7, now=NOW)

    head = await reports.next_open()
    after_first = await reports.next_open(after_id=first)
    after_third = await reports.next_open(after_id=third)

    assert head is not None
    assert after_first is not None
    assert (head.id, after_first.id, after_third) == (first, third, None)


async def test_resolving_a_report_records_who_when_and_why(session: AsyncSession) -> None:
    report_id = await _report(session)
    later = NOW + timedelta(hours=3)

    resolved = await ReportRepo(session).set_status(
        report_id, "accepted", 7_000_000_001, "new pattern fake-relative", now=later
    )

    assert resolved is not None
    assert (resolved.status, resolved.resolved_by, resolved.resolved_at) == (
        "accepted",
        7_000_000_001,
        later,
    )
    assert resolved.resolution == "new pattern fake-relative"


async def test_reopening_a_report_clears_its_resolution(session: AsyncSession) -> None:
    reports = ReportRepo(session)
    report_id = await _report(session)
    await reports.set_status(report_id, "legit", 7, "a real bank message", now=NOW)

    reopened = await reports.set_status(report_id, "new", 8)

    assert reopened is not None
    assert (reopened.status, reopened.resolved_by, reopened.resolution) == ("new", None, None)


async def test_resolving_a_missing_report_returns_none(session: AsyncSession) -> None:
    assert await ReportRepo(session).set_status(987_654, "rejected", 7) is None


async def test_an_unknown_status_is_refused(session: AsyncSession) -> None:
    report_id = await _report(session)

    with pytest.raises(ValueError, match="status"):
        await ReportRepo(session).set_status(report_id, "deleted", 7)  # type: ignore[arg-type]


async def test_reports_are_counted_by_status_including_empty_ones(session: AsyncSession) -> None:
    reports = ReportRepo(session)
    ids = [await _report(session, f"text {n}") for n in range(3)]
    await reports.set_status(ids[0], "accepted", 7)

    counts = await reports.count_by_status()

    assert counts == {"new": 2, "accepted": 1, "legit": 0, "rejected": 0}


async def test_retention_purges_only_reports_past_their_date(session: AsyncSession) -> None:
    reports = ReportRepo(session)
    old = await _report(session, "old", now=NOW - RETENTION - timedelta(days=1))
    fresh = await _report(session, "fresh")

    purged = await reports.purge_expired(NOW)

    assert purged == 1
    assert await reports.get(old) is None
    assert await reports.get(fresh) is not None


async def test_a_purged_report_id_is_never_reused(session: AsyncSession) -> None:
    reports = ReportRepo(session)
    await _report(session, "kept")
    purged_id = await _report(session, "purged", now=NOW - 2 * RETENTION)
    await reports.purge_expired(NOW)

    next_id = await _report(session, "next")

    assert next_id > purged_id
