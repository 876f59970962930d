"""The fleet: 2 webhook replicas and 2 `ojo worker`s as OS processes on PostgreSQL and Redis.

One fleet is started for the module (start-up is most of the cost); the tests run in order and
the destructive ones (restart, outage, SIGKILL) come last. Every wait is on a positive event: an
answer arriving, a log line, a health probe; "nothing else happened" is checked after a later
update has been answered.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import FIXTURES
from tests.e2e.fleet import SECRET, SECRET_HEADER, Fleet, Proc, running_fleet
from tests.fakebot.state import SentMessage
from tests.fakebot.updates import text_message, user, voice_message

POSTGRES_URL = os.environ.get("OJO_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("OJO_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.fleet,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL), reason="OJO_TEST_POSTGRES_URL / OJO_TEST_REDIS_URL unset"
    ),
]

SCAM = "Hola mamá, este es mi número nuevo, ¿me haces un Bizum de 300 euros? Es urgente"
BENIGN = "¿Quedamos mañana a las cinco para el cumple de Lucía?"
VOICES = ["scam_es_hola_mama.ogg", "benign_es_cumple.ogg", "scam_es_banco.ogg"]
FAILED = "Algo ha fallado"  # error.generic: what an update caught by an outage gets
_users = iter(range(7_000_001, 8_000_000))  # one private chat per update: answers are countable


@pytest_asyncio.fixture(loop_scope="session", scope="module")  # e2e tests share one loop
async def fleet(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Fleet]:
    """The running fleet, shared by the module's tests."""
    async with running_fleet(tmp_path_factory.mktemp("fleet"), POSTGRES_URL, REDIS_URL) as f:
        yield f


def _text(body: str) -> tuple[int, dict[str, Any]]:
    chat = next(_users)
    return chat, text_message(body, sender=user(chat, "Ana"))


def _voice(fleet: Fleet, name: str) -> tuple[int, dict[str, Any]]:
    chat = next(_users)
    file_id, unique = fleet.fake.add_file(
        (FIXTURES / "audio" / name).read_bytes(), file_path_hint="voice/n.oga"
    )
    return chat, voice_message(file_id, unique, duration=5, sender=user(chat, "Ana"))


def _answers(fleet: Fleet, chat: int) -> list[SentMessage]:
    """The bot's answers in a chat: its sent messages and edits, minus 'wait' notes."""
    return [m for m in fleet.fake.sent.get(chat, []) if not _is_status(m)]


def _is_status(message: SentMessage) -> bool:
    # The replica's "listening…" / "you are number N" note, edited later into the verdict.
    return (message.text or "").startswith("🎧")  # sent, or edited to "you are number N"


async def _answered(fleet: Fleet, chats: list[int], timeout: float = 90.0) -> None:  # noqa: ASYNC109
    await fleet.fake.wait_for(lambda: all(_answers(fleet, c) for c in chats), timeout)


async def _settled(fleet: Fleet) -> None:
    """A later text and voice note answered: anything still in flight has had its chance."""
    text_chat, text = _text(BENIGN)
    voice_chat, voice = _voice(fleet, VOICES[1])
    await fleet.deliver(voice)
    await fleet.deliver(text)
    await _answered(fleet, [text_chat, voice_chat])


def _once(fleet: Fleet, chats: list[int]) -> dict[int, int]:
    """Chats not answered exactly once (chat -> number of answers)."""
    counts = {chat: len(_answers(fleet, chat)) for chat in chats}
    return {chat: n for chat, n in counts.items() if n != 1}


async def test_a_webhook_call_without_the_secret_is_refused_and_nothing_is_processed(
    fleet: Fleet,
) -> None:
    intruder, update = _text(SCAM)
    body = json.dumps({"update_id": 999_999, **update})
    for replica in fleet.replicas:
        assert await fleet.post(replica, body) == 403
        assert await fleet.post(replica, body, {SECRET_HEADER: "wrong"}) == 403
    await _settled(fleet)
    assert intruder not in fleet.fake.sent


async def test_healthz_reports_database_redis_and_model_ready_on_every_replica(
    fleet: Fleet,
) -> None:
    for replica in fleet.replicas:
        async with fleet.http.get(f"http://127.0.0.1:{replica.port}/healthz") as resp:
            assert resp.status == 200
            body = await resp.json()
        assert body["ok"] is True
        assert body["database"] == {"ok": True}
        assert body["redis"] == {"ok": True}
        assert body["model"]["ok"] is True


async def test_a_body_over_one_megabyte_is_refused_with_413(fleet: Fleet) -> None:
    chat, update = _text("x" * (1024 * 1024 + 10))
    body = io.BytesIO(json.dumps({"update_id": 999_998, **update}).encode())
    assert await fleet.post(fleet.replicas[0], body, {SECRET_HEADER: SECRET}) == 413
    await _settled(fleet)
    assert chat not in fleet.fake.sent


async def test_a_mixed_load_over_both_replicas_is_answered_exactly_once(fleet: Fleet) -> None:
    load = [_text(SCAM if i % 2 else BENIGN) for i in range(80)]
    load += [_voice(fleet, VOICES[i % len(VOICES)]) for i in range(4)]
    await asyncio.gather(*(fleet.deliver(update) for _, update in load))
    chats = [chat for chat, _ in load]
    await _answered(fleet, chats)
    await _settled(fleet)
    assert _once(fleet, chats) == {}
    # Both replicas and both workers did part of it.
    for proc in fleet.workers:
        assert "analyse_media(" in proc.log_text(), proc.name
    json_lines = [line for line in fleet.replicas[1].log_text().splitlines() if line.strip()]
    assert json.loads(json_lines[-1])["level"]  # OJO_LOG_FORMAT=json: every line is an object


async def test_the_same_update_posted_to_both_replicas_is_answered_once(fleet: Fleet) -> None:
    chats = []
    for body in (SCAM, BENIGN):
        chat, update = _text(body)
        stamped = json.dumps(fleet.stamp(update))
        headers = {SECRET_HEADER: SECRET}
        # Telegram redelivers an update it got no 200 for, maybe to another replica, maybe
        # while the first is still on it: both get it at once, then each once more.
        first = await asyncio.gather(*(fleet.post(r, stamped, headers) for r in fleet.replicas))
        again = [await fleet.post(r, stamped, headers) for r in fleet.replicas]
        assert [*first, *again] == [200] * 4  # a duplicate is confirmed, or it comes back
        chats.append(chat)
    await _answered(fleet, chats)
    await _settled(fleet)
    assert _once(fleet, chats) == {}


def _by_kind(samples: dict[tuple[str, tuple[str, ...]], float], name: str) -> dict[str, float]:
    """A metric's samples summed by their `kind` label."""
    out: dict[str, float] = {}
    for (metric, labels), value in samples.items():
        kind = next((lab[5:] for lab in labels if lab.startswith("kind=")), None)
        if metric == name and kind is not None:
            out[kind] = out.get(kind, 0.0) + value
    return out


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v != before.get(k, 0.0)}


def _answered_media(samples: dict[tuple[str, tuple[str, ...]], float]) -> float:
    """Voice verdicts plus analyses that timed out (a loaded machine): answered either way."""
    timeouts = samples.get(("ojo_errors_total", ("type=AnalysisTimeout",)), 0.0)
    return _by_kind(samples, "ojo_verdicts_total").get("voice", 0.0) + timeouts


async def test_the_fleets_metrics_count_texts_and_voice_notes_as_sent(fleet: Fleet) -> None:
    before = {"replicas": await fleet.metrics(fleet.replicas)}
    before["workers"] = await fleet.metrics(fleet.workers)
    texts = [_text(SCAM if i % 3 else BENIGN) for i in range(12)]
    voices = [_voice(fleet, "es_5s.ogg") for _ in range(3)]
    await asyncio.gather(*(fleet.deliver(u) for _, u in [*texts, *voices]))
    # One update delivered twice more (a redelivery): answered and counted once.
    chat, update = _text(BENIGN)
    stamped = json.dumps(fleet.stamp(update))
    for replica in [*fleet.replicas, fleet.replicas[0]]:
        assert await fleet.post(replica, stamped, {SECRET_HEADER: SECRET}) == 200
    await _answered(fleet, [c for c, _ in [*texts, *voices, (chat, update)]])
    after = {"replicas": await fleet.metrics(fleet.replicas)}
    after["workers"] = await fleet.metrics(fleet.workers)
    # The same families in every process, by kind: texts counted by the replicas that answered
    # them, voice notes by the workers that analysed them.
    name, latency = "ojo_verdicts_total", "ojo_analysis_seconds_count"
    replicas = _delta(_by_kind(after["replicas"], name), _by_kind(before["replicas"], name))
    assert replicas == {"text": len(texts) + 1}
    workers = _delta(_by_kind(after["workers"], name), _by_kind(before["workers"], name))
    assert set(workers) <= {"voice"}
    assert _answered_media(after["workers"]) - _answered_media(before["workers"]) == len(voices)
    for part in ("replicas", "workers"):  # one latency observation per verdict
        verdicts = _delta(_by_kind(after[part], name), _by_kind(before[part], name))
        assert _delta(_by_kind(after[part], latency), _by_kind(before[part], latency)) == verdicts
    for part in ("replicas", "workers"):  # no other failure than a timeout
        errors = {
            labels: n - before[part].get((metric, labels), 0.0)
            for (metric, labels), n in after[part].items()
            if metric == "ojo_errors_total" and labels != ("type=AnalysisTimeout",)
        }
        assert not any(errors.values()), errors
    dupes, updates = ("ojo_duplicate_updates_total", ()), ("ojo_updates_total", ())
    assert after["replicas"][dupes] - before["replicas"].get(dupes, 0.0) == 2
    sent = len(texts) + len(voices) + 1
    assert after["replicas"][updates] - before["replicas"][updates] == sent


async def test_a_replica_restarted_mid_load_loses_nothing(fleet: Fleet) -> None:
    load = [_text(SCAM if i % 2 else BENIGN) for i in range(60)]
    pushing = asyncio.gather(*(fleet.deliver(update) for _, update in load))
    restarted = fleet.replicas[1]
    await fleet.fake.wait_for(lambda: sum(bool(_answers(fleet, c)) for c, _ in load) >= 5, 30)
    await restarted.stop(signal.SIGTERM)  # a rolling deploy: Telegram retries what got no 200
    restarted.start()
    await pushing
    await fleet.wait_healthy(restarted)
    chats = [chat for chat, _ in load]
    await _answered(fleet, chats)
    await _settled(fleet)
    assert _once(fleet, chats) == {}


async def test_ten_seconds_without_redis_then_service_resumes_without_a_restart(
    fleet: Fleet,
) -> None:
    pids = [p.process.pid for p in [*fleet.replicas, *fleet.workers] if p.process]
    await fleet.redis_proxy.cut()
    cut_at = time.monotonic()
    during = [_text(SCAM) for _ in range(6)]
    voice_chat, voice = _voice(fleet, VOICES[0])
    await asyncio.gather(*(fleet.deliver(u) for _, u in [*during, (voice_chat, voice)]))
    # Texts cannot be rate-limited without Redis: a friendly "try again in a moment".
    await _answered(fleet, [c for c, _ in during], timeout=30)
    for chat, _ in during:
        [answer] = _answers(fleet, chat)
        assert "Inténtalo de nuevo" in (answer.text or "") or "Estafa" in (answer.text or "")
    assert not await fleet._healthz(fleet.replicas[0])  # 503: Redis is down
    await asyncio.sleep(max(0.0, 10.0 - (time.monotonic() - cut_at)))  # the outage lasts 10 s
    await fleet.redis_proxy.start()
    # The voice note waited (its enqueue retried) and is answered once Redis is back.
    await _answered(fleet, [voice_chat])
    after = [_text(SCAM) for _ in range(4)]
    await asyncio.gather(*(fleet.deliver(u) for _, u in after))
    await _answered(fleet, [c for c, _ in after])
    for chat, _ in after:
        assert "Inténtalo" not in (_answers(fleet, chat)[0].text or "")
    await _settled(fleet)
    assert _once(fleet, [c for c, _ in [*during, (voice_chat, voice), *after]]) == {}
    assert [p.process.pid for p in [*fleet.replicas, *fleet.workers] if p.process] == pids
    dead = {
        p.name: p.log_text()[-2500:] for p in [*fleet.replicas, *fleet.workers] if not p.alive()
    }
    assert dead == {}


def _jobs_started(proc: Proc) -> int:
    return proc.log_text().count("analyse_media(")


async def test_ten_seconds_without_postgresql_updates_wait_and_are_answered_once_after(
    fleet: Fleet,
) -> None:
    assert fleet.db_proxy is not None
    procs = [*fleet.replicas, *fleet.workers]
    pids = [p.process.pid for p in procs if p.process]
    # Two voice notes are being analysed or queued when the database goes away.
    in_flight = [_voice(fleet, "es_5s.ogg") for _ in range(2)]
    before = sum(_jobs_started(w) for w in fleet.workers)
    await asyncio.gather(*(fleet.deliver(u) for _, u in in_flight))
    await fleet.fake.wait_for(lambda: sum(_jobs_started(w) for w in fleet.workers) > before, 60)
    noticed = [r.log_text().count("database unreachable") for r in fleet.replicas]
    await fleet.db_proxy.cut()
    cut_at = time.monotonic()
    for replica, seen in zip(fleet.replicas, noticed, strict=True):  # each replica's watch
        await fleet.wait_log(replica, "database unreachable", seen + 1, timeout=10)
    for replica in fleet.replicas:
        status, body = await fleet.health(replica)
        assert (status, body["database"]["ok"]) == (503, False)
    # Arriving now: the webhook answers 503, so they wait at Telegram (redelivered).
    during = [_text(SCAM) for _ in range(6)] + [_voice(fleet, VOICES[0])]
    delivering = asyncio.gather(*(fleet.deliver(u) for _, u in during))
    await asyncio.sleep(max(0.0, 10.0 - (time.monotonic() - cut_at)))  # the outage lasts 10 s
    assert not delivering.done()  # none taken while the database was unreachable
    assert not any(_answers(fleet, c) for c, _ in [*during, *in_flight])
    await fleet.db_proxy.start()
    await delivering
    chats = [c for c, _ in [*in_flight, *during]]
    await _answered(fleet, chats, timeout=120)
    for chat, _ in during[:-1]:  # real verdicts, no "try again": they waited instead
        [answer] = _answers(fleet, chat)
        assert (answer.text or "").startswith("🚨"), answer.text
    for chat, _ in [*in_flight, during[-1]]:  # not the failure answer (a slow machine may
        [answer] = _answers(fleet, chat)  # answer "it took too long": unrelated to the database)
        assert not (answer.text or "").startswith(FAILED), answer.text
    # The voice notes cut mid-analysis waited in the queue rather than failing.
    assert any("media job waits" in w.log_text() for w in fleet.workers)
    for replica in fleet.replicas:
        status, body = await fleet.health(replica)
        assert (status, body["database"]) == (200, {"ok": True})
    await _settled(fleet)
    assert _once(fleet, chats) == {}
    assert [p.process.pid for p in procs if p.process] == pids  # nothing was restarted
    assert {p.name: p.log_text()[-2500:] for p in procs if not p.alive()} == {}


async def test_a_worker_killed_mid_job_has_the_job_retried_on_the_other_and_answered_once(
    fleet: Fleet,
) -> None:
    before = {w.name: _jobs_started(w) for w in fleet.workers}
    chat, voice = _voice(fleet, "es_30s.ogg")  # long enough to be killed in the middle
    await fleet.deliver(voice)

    def running() -> Proc | None:
        return next((w for w in fleet.workers if _jobs_started(w) > before[w.name]), None)

    victim = await fleet.fake.wait_for(running, 60)
    await victim.stop(signal.SIGKILL)
    assert not _answers(fleet, chat)  # killed before it answered
    [other] = [w for w in fleet.workers if w is not victim]
    # arq runs it again once the dead worker's in-progress key expires (job_timeout + 10 s).
    await _answered(fleet, [chat], timeout=90)
    assert "try=2" in other.log_text()
    await _settled(fleet)
    assert _once(fleet, [chat]) == {}
