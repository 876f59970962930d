"""Telling "the database is unreachable" from a bug, and what a worker does with each."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.jobs.dbwatch import SLOW_PINGS, DatabaseWatch, database_unreachable
from bot.jobs.types import MediaJob
from bot.jobs.worker import DB_WAIT_SECONDS, MAX_DB_WAITS, analyse_media


def _wrapped(exc: BaseException) -> BaseException:
    try:
        try:
            raise exc
        except BaseException as inner:
            raise RuntimeError("while answering") from inner
    except RuntimeError as outer:
        return outer


def test_refused_connects_and_dropped_connections_count_as_unreachable() -> None:
    assert database_unreachable(ConnectionRefusedError(111, "refused"))
    assert database_unreachable(TimeoutError())
    assert database_unreachable(_wrapped(OSError("Connect call failed")))
    dropped = DBAPIError("SELECT 1", {}, Exception("closed"), connection_invalidated=True)
    assert database_unreachable(dropped)


def test_bugs_and_constraint_errors_do_not() -> None:
    assert not database_unreachable(ValueError("bad"))
    assert not database_unreachable(_wrapped(KeyError("x")))
    assert not database_unreachable(IntegrityError("INSERT", {}, Exception("duplicate key")))


class _Runner:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.crashes: list[MediaJob] = []

    async def run(self, bot: object, job: MediaJob) -> None:
        raise self.error

    async def crashed(self, bot: object, job: MediaJob) -> None:
        self.crashes.append(job)


class _Redis:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    async def enqueue_job(self, name: str, job: dict[str, Any], **kwargs: Any) -> None:
        self.jobs.append((name, job, kwargs))


def _ctx(error: Exception) -> tuple[dict[str, Any], _Runner, _Redis]:
    runner, redis = _Runner(error), _Redis()
    state = SimpleNamespace(deps=SimpleNamespace(runner=runner), bot=object())
    return {"state": state, "redis": redis}, runner, redis


JOB = MediaJob(chat_id=1, message_id=2, file_id="f", file_unique_id="u", kind="voice", lang="es")


async def test_a_job_that_finds_the_database_unreachable_goes_back_to_wait() -> None:
    ctx, runner, redis = _ctx(ConnectionRefusedError(111, "refused"))
    assert await analyse_media(ctx, JOB.to_dict()) == "waiting"
    [(name, job, kwargs)] = redis.jobs
    assert (name, job["db_waits"], kwargs["_defer_by"]) == ("analyse_media", 1, DB_WAIT_SECONDS)
    assert runner.crashes == []  # nothing told to the user yet: the answer comes later


@pytest.mark.parametrize("error", [ValueError("bug"), ConnectionRefusedError(111, "refused")])
async def test_a_crash_or_a_wait_too_long_gets_the_friendly_error(error: Exception) -> None:
    ctx, runner, redis = _ctx(error)
    job = JOB.to_dict() | {"db_waits": MAX_DB_WAITS}
    assert await analyse_media(ctx, job) == "error"
    assert redis.jobs == []
    assert [j.chat_id for j in runner.crashes] == [1]


class _Session:
    def __init__(self, delay: float, error: Exception | None) -> None:
        self.delay, self.error = delay, error

    async def __aenter__(self) -> _Session:
        if self.error is not None:
            raise self.error
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, statement: object) -> None:
        await asyncio.sleep(self.delay)


def _watch(delay: float = 0.0, error: Exception | None = None) -> DatabaseWatch:
    return DatabaseWatch(lambda: _Session(delay, error), timeout=0.01)  # type: ignore[arg-type, return-value]


async def test_the_watch_says_down_at_once_when_the_database_refuses_and_up_when_it_answers() -> (
    None
):
    watch = _watch(error=ConnectionRefusedError(111, "refused"))
    assert await watch.ping() is False
    assert watch.up is False
    watch._db = lambda: _Session(0.0, None)  # type: ignore[assignment, return-value]
    assert await watch.ping() is True
    assert watch.up is True


async def test_one_slow_answer_is_not_an_outage_but_slow_answers_in_a_row_are() -> None:
    watch = _watch(delay=0.5)
    assert await watch.ping() is True  # a busy pool, maybe
    assert [await watch.ping() for _ in range(SLOW_PINGS - 1)][-1] is False
    assert watch.up is False
