"""/healthz, /metrics and the webhook endpoint over real HTTP."""

from __future__ import annotations

import io

from aiohttp.test_utils import TestClient, TestServer

from bot.web.server import WEBHOOK_PATH, build_web_app


async def _ok() -> dict[str, object]:
    return {"patterns": 18}


async def _broken() -> dict[str, object]:
    raise ConnectionError


async def test_healthz_reports_ok_and_a_failing_dependency_makes_it_503() -> None:
    async with TestClient(TestServer(build_web_app(_ok))) as client:
        resp = await client.get("/healthz")
        assert resp.status == 200
        assert await resp.json() == {"ok": True, "patterns": 18}
    async with TestClient(TestServer(build_web_app(_broken))) as client:
        resp = await client.get("/healthz")
        assert resp.status == 503
        assert (await resp.json())["error"] == "ConnectionError"


async def test_metrics_are_served_in_prometheus_format() -> None:
    async with TestClient(TestServer(build_web_app(_ok))) as client:
        resp = await client.get("/metrics")
        assert resp.status == 200
        assert "ojo_verdicts_total" in await resp.text()


async def test_the_webhook_accepts_only_calls_with_the_secret() -> None:
    received: list[dict[str, object]] = []

    async def sink(data: dict[str, object]) -> None:
        received.append(data)

    app = build_web_app(_ok, webhook=sink, secret="s3cret")
    async with TestClient(TestServer(app)) as client:
        bad = await client.post(WEBHOOK_PATH, json={"update_id": 1})
        assert bad.status == 403
        good = await client.post(
            WEBHOOK_PATH,
            json={"update_id": 2},
            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
        )
        assert good.status == 200
        junk = await client.post(
            WEBHOOK_PATH, data=b"not json", headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert junk.status == 400
    assert received == [{"update_id": 2}]


async def test_without_webhook_mode_there_is_no_telegram_endpoint() -> None:
    async with TestClient(TestServer(build_web_app(_ok))) as client:
        resp = await client.post(WEBHOOK_PATH, json={"update_id": 1})
        assert resp.status in (404, 405)


async def test_healthz_is_503_with_every_part_listed_when_one_part_is_down() -> None:
    async def redis_down() -> dict[str, object]:
        return {"database": {"ok": True}, "redis": {"ok": False, "error": "ConnectionError"}}

    async with TestClient(TestServer(build_web_app(redis_down))) as client:
        resp = await client.get("/healthz")
        assert resp.status == 503
        body = await resp.json()
        assert body["ok"] is False
        assert body["database"] == {"ok": True}
        assert body["redis"]["error"] == "ConnectionError"


async def test_the_webhook_refuses_bodies_over_one_megabyte() -> None:
    received: list[dict[str, object]] = []

    async def sink(data: dict[str, object]) -> None:
        received.append(data)

    app = build_web_app(_ok, webhook=sink, secret="s3cret")
    async with TestClient(TestServer(app)) as client:
        huge = b'{"update_id": 1, "x": "' + b"a" * (1024 * 1024) + b'"}'
        # a file-like body: aiohttp warns about (and so, here, refuses) raw bytes over 1 MB
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        resp = await client.post(WEBHOOK_PATH, data=io.BytesIO(huge), headers=headers)
        assert resp.status == 413
    assert received == []
