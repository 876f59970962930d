"""Pattern versions, rollback, audit and the revision counter, on every backend."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.audit import AuditRepo
from bot.storage.patterns import PatternRepo

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
V1 = json.dumps({"id": "fake-relative", "category": "impersonation", "severity": "high"})
V2 = json.dumps({"id": "fake-relative", "category": "impersonation", "severity": "medium"})


async def test_a_new_pattern_starts_at_version_one_and_is_audited(session: AsyncSession) -> None:
    patterns = PatternRepo(session)

    version = await patterns.upsert_version(
        "fake-relative", V1, "active", "moderator", "user:7", "from report 12", now=NOW
    )

    current = await patterns.get("fake-relative")
    (entry,) = await AuditRepo(session).list(target="pattern:fake-relative")
    assert version == 1
    assert current is not None
    assert (current.version, current.status, current.origin) == (1, "active", "moderator")
    assert (current.body_json, current.updated_by, current.updated_at) == (V1, 7, NOW)
    assert (entry.actor, entry.action, entry.before_json) == ("user:7", "pattern.create", None)
    assert json.loads(entry.after_json or "")["body"]["severity"] == "high"


async def test_each_change_is_a_new_version_with_before_and_after_in_the_audit(
    session: AsyncSession,
) -> None:
    patterns = PatternRepo(session)
    await patterns.upsert_version("fake-relative", V1, "active", "moderator", "user:7", now=NOW)

    version = await patterns.upsert_version(
        "fake-relative", V2, "active", "moderator", "user:8", "lower severity"
    )

    history = await patterns.history("fake-relative")
    latest = (await AuditRepo(session).list(target="pattern:fake-relative"))[0]
    assert version == 2
    assert [(v.version, v.actor, v.body_json, v.note) for v in history] == [
        (1, "user:7", V1, None),
        (2, "user:8", V2, "lower severity"),
    ]
    assert latest.action == "pattern.update"
    assert json.loads(latest.before_json or "")["version"] == 1
    assert json.loads(latest.after_json or "")["body"]["severity"] == "medium"


async def test_rolling_back_makes_an_old_body_current_as_a_new_version(
    session: AsyncSession,
) -> None:
    patterns = PatternRepo(session)
    await patterns.upsert_version("fake-relative", V1, "active", "preset", "system", now=NOW)
    await patterns.upsert_version("fake-relative", V2, "disabled", "preset", "user:7")

    version = await patterns.rollback("fake-relative", 1, "user:8", now=NOW + timedelta(days=1))

    current = await patterns.get("fake-relative")
    history = await patterns.history("fake-relative")
    latest = (await AuditRepo(session).list(target="pattern:fake-relative"))[0]
    assert version == 3
    assert current is not None
    assert (current.version, current.body_json, current.status) == (3, V1, "active")
    assert (current.origin, current.updated_by) == ("preset", 8)
    assert [v.version for v in history] == [1, 2, 3]
    assert history[-1].note == "rollback to v1"
    assert (latest.action, latest.actor) == ("pattern.rollback", "user:8")


async def test_rolling_back_to_a_missing_version_is_refused(session: AsyncSession) -> None:
    patterns = PatternRepo(session)
    await patterns.upsert_version("fake-relative", V1, "active", "moderator", "user:7")

    with pytest.raises(LookupError, match="no version 5"):
        await patterns.rollback("fake-relative", 5, "user:7")
    with pytest.raises(LookupError, match="unknown pattern"):
        await patterns.rollback("nope", 1, "user:7")


async def test_disabling_keeps_the_body_and_adds_a_version(session: AsyncSession) -> None:
    patterns = PatternRepo(session)
    await patterns.upsert_version("fake-relative", V1, "active", "moderator", "user:7")

    version = await patterns.set_status("fake-relative", "disabled", "user:7", "too noisy")

    current = await patterns.get("fake-relative")
    assert current is not None
    assert (version, current.status, current.body_json) == (2, "disabled", V1)


async def test_patterns_are_listed_by_origin_and_status(session: AsyncSession) -> None:
    patterns = PatternRepo(session)
    await patterns.upsert_version("b-preset", V1, "disabled", "preset", "system")
    await patterns.upsert_version("a-mod", V1, "active", "moderator", "user:7")
    await patterns.upsert_version("c-mod", V1, "disabled", "moderator", "user:7")

    everything = [p.id for p in await patterns.list()]
    moderators = [p.id for p in await patterns.list(origin="moderator")]
    disabled_mods = [p.id for p in await patterns.list(origin="moderator", status="disabled")]

    assert everything == ["a-mod", "b-preset", "c-mod"]
    assert moderators == ["a-mod", "c-mod"]
    assert disabled_mods == ["c-mod"]


async def test_every_change_bumps_the_shared_revision(session: AsyncSession) -> None:
    patterns = PatternRepo(session)
    start = await patterns.revision()

    await patterns.upsert_version("fake-relative", V1, "active", "moderator", "user:7")
    await patterns.set_status("fake-relative", "disabled", "user:7")
    await patterns.rollback("fake-relative", 1, "user:7")

    assert await patterns.revision() == start + 3


@pytest.mark.parametrize(
    ("body", "status", "origin"),
    [("{not json", "active", "moderator"), (V1, "live", "moderator"), (V1, "active", "user")],
)
async def test_an_invalid_version_is_refused_and_nothing_is_written(
    session: AsyncSession, body: str, status: str, origin: str
) -> None:
    patterns = PatternRepo(session)

    with pytest.raises(ValueError):  # noqa: PT011  (json, status and origin errors differ)
        await patterns.upsert_version("x", body, status, origin, "user:7")  # type: ignore[arg-type]

    assert await patterns.get("x") is None
    assert await patterns.history("x") == ()
