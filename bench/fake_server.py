"""A FakeBotApi in its own process with a small control API, for end-to-end benchmarks.

`python -m bench.fake_server PORT_FILE` starts the fake on a random port and writes
"<bot api port> <control port>" to PORT_FILE. Control routes:
  POST /burst {"n": 500, "users": 50, "text": "..."}  push n text updates round-robin
  GET  /wait?n=500&timeout=60                          wait for n answers; return latencies
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fakebot import updates
from tests.fakebot.server import FakeBotApi


class Control:
    """Pushes bursts and measures push-to-answer latency inside the fake's process."""

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self.pushed: dict[tuple[int, int], float] = {}

    async def burst(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        n, users, text = int(body["n"]), int(body.get("users", 10)), str(body["text"])
        base = int(body.get("user_base", 9_000_000_000))
        self.pushed.clear()
        self.fake.sent.clear()
        for i in range(n):
            uid = base + i % users
            update = updates.text_message(f"{text} #{i}", sender=updates.user(uid, f"U{uid}"))
            self.pushed[(uid, update["message"]["message_id"])] = time.time()
            self.fake.push_update(update)
        return web.json_response({"pushed": n})

    def _answers(self) -> list[tuple[float, float]]:
        out = []
        for chat_id, messages in self.fake.sent.items():
            for m in messages:
                reply = m.params.get("reply_parameters") or {}
                mid = reply.get("message_id") if isinstance(reply, dict) else None
                if mid is None:
                    mid = m.params.get("reply_to_message_id")
                key = (chat_id, int(mid)) if mid is not None else None
                if key in self.pushed:
                    out.append((self.pushed[key], m.time))
        return out

    async def wait(self, request: web.Request) -> web.Response:
        n = int(request.query["n"])
        deadline = time.perf_counter() + float(request.query.get("timeout", "60"))
        # Polling the fake's state is simplest here (a benchmark helper, not the bot).
        while len(self._answers()) < n and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        answers = self._answers()
        latencies = sorted((a - p) * 1000 for p, a in answers)
        first = min((p for p, _ in answers), default=0.0)
        last = max((a for _, a in answers), default=0.0)
        return web.json_response(
            {"answered": len(answers), "latencies_ms": latencies, "span_s": last - first}
        )


async def main(port_file: Path) -> None:
    """Run until killed."""
    async with FakeBotApi(strict_chats=False) as fake:
        control = Control(fake)
        app = web.Application()
        app.router.add_post("/burst", control.burst)
        app.router.add_get("/wait", control.wait)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        bot_port = int(fake.base_url.split(":")[2].split("/")[0])
        port_file.write_text(f"{bot_port} {port}")  # noqa: ASYNC240 - once, at start-up
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
