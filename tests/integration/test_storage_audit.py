"""The audit log, on every backend."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.audit import SYSTEM_ACTOR, AuditRepo, actor_user_id, to_json, user_actor
from bot.storage.users import ForgetCounts

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def test_entries_are_listed_newest_first_with_their_snapshots(
    session: AsyncSession,
) -> None:
    audit = AuditRepo(session)
    await audit.record(SYSTEM_ACTOR, "cache.invalidate", "cache", now=NOW)
    await audit.record(
        user_actor(7), "group.settings", "group:-100", {"watch_all": False}, {"watch_all": True}
    )

    newest, oldest = await audit.list()

    assert (newest.actor, newest.action, newest.target) == (
        "user:7",
        "group.settings",
        "group:-100",
    )
    assert json.loads(newest.before_json or "") == {"watch_all": False}
    assert json.loads(newest.after_json or "") == {"watch_all": True}
    assert (oldest.action, oldest.at, oldest.before_json, oldest.after_json) == (
        "cache.invalidate",
        NOW,
        None,
        None,
    )


async def test_entries_can_be_listed_for_one_target_and_limited(session: AsyncSession) -> None:
    audit = AuditRepo(session)
    for n in range(3):
        await audit.record(SYSTEM_ACTOR, "touch", "pattern:a", after={"n": n})
    await audit.record(SYSTEM_ACTOR, "touch", "pattern:b")

    entries = await audit.list(target="pattern:a", limit=2)

    assert [json.loads(e.after_json or "") for e in entries] == [{"n": 2}, {"n": 1}]


def test_snapshots_may_be_dtos_with_datetimes_and_tuples() -> None:
    snapshot = to_json({"counts": ForgetCounts(1, 2, 3, 4), "at": NOW + timedelta(0)})

    assert json.loads(snapshot or "") == {
        "at": "2025-03-01T12:00:00+00:00",
        "counts": {"users": 1, "reports": 2, "false_alarms": 3, "sightings": 4},
    }


def test_an_object_that_is_not_json_is_refused() -> None:
    with pytest.raises(TypeError, match="audit log"):
        to_json({"x": object()})


@pytest.mark.parametrize(
    ("actor", "user_id"),
    [("user:7", 7), ("user:-5", -5), ("system", None), ("user:abc", None), ("bot:7", None)],
)
def test_the_user_id_is_read_back_from_an_actor(actor: str, user_id: int | None) -> None:
    assert actor_user_id(actor) == user_id
