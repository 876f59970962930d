"""End-to-end text throughput and latency against a fake Bot API in another process.

Compares Ojo's real Application (as `ojo run` builds it, on its aiohttp Bot API request) with a
bare python-telegram-bot echo bot (PTB's default httpx request) on the same fake server, in the
same run; Ojo on httpx and the echo bot on aiohttp are measured too, to show what the HTTP client
costs. Run: `.venv/bin/python -m bench.bench_bot [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import build_application, start, stop
from bot.telegram_request import make_request
from tests.e2e.harness import make_settings, share_caches

TOKEN = "123456789:AAFakeTokenForOjoTests-0123456789ab"  # noqa: S105 - the fake's token
TEXT = "Hola mamá, se me rompió el móvil, este es mi número nuevo, ¿me haces un Bizum?"


class FakeProcess:
    """The fake Bot API running in a child process."""

    def __enter__(self) -> FakeProcess:
        self.port_file = Path(tempfile.mkstemp()[1])
        self.port_file.write_text("")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_server", str(self.port_file)],
            env={**os.environ, "PTB_TIMEDELTA": "1"},
        )
        for _ in range(300):
            if self.port_file.read_text().strip():
                break
            time.sleep(0.05)
        bot_port, control = self.port_file.read_text().split()
        self.base = f"http://127.0.0.1:{bot_port}"
        self.control = f"http://127.0.0.1:{control}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def _call(self, path: str, body: dict[str, Any] | None = None, timeout: float = 120) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - our own loopback control API
            self.control + path,
            data=data,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return json.loads(resp.read())

    async def burst(self, n: int, users: int, text: str, base: int) -> dict[str, Any]:
        """Push n updates and wait for n answers; return the fake's measurements."""
        await asyncio.to_thread(
            self._call, "/burst", {"n": n, "users": users, "text": text, "user_base": base}
        )
        return await asyncio.to_thread(self._call, f"/wait?n={n}&timeout=120")


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        message = update.effective_message
        await message.reply_text(message.text or "", do_quote=True)


async def run_echo(fake: FakeProcess, n: int, users: int, aiohttp: bool = False) -> dict[str, Any]:
    """The bare PTB echo bot (PTB's defaults, or on our aiohttp request)."""
    builder = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{fake.base}/bot")
        .base_file_url(f"{fake.base}/file/bot")
    )
    if aiohttp:
        builder = builder.request(make_request(connection_pool_size=256)).get_updates_request(
            make_request()
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0)
    await app.start()
    try:
        await fake.burst(20, 5, "warm up", 8_000_000_000)
        return await fake.burst(n, users, TEXT, 8_100_000_000)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def run_ojo(
    fake: FakeProcess, n: int, users: int, httpx: bool = False, singles_n: int = 0
) -> tuple[dict[str, Any], list[float]]:
    """Ojo as `ojo run` builds it (SQLite, paraphrase layer on), burst and one-by-one."""
    data = Path(tempfile.mkdtemp())
    share_caches(data)

    class _Fake:
        token = TOKEN
        base_url = f"{fake.base}/bot"
        base_file_url = f"{fake.base}/file/bot"

    paraphrase = os.environ.get("BENCH_PARAPHRASE", "1") == "1"
    settings = make_settings(_Fake(), data, user_rate=10_000, paraphrase=paraphrase)  # type: ignore[arg-type]
    if httpx:
        app, rt = build_application(
            settings,
            request=make_request(httpx=True, connection_pool_size=32),
            get_updates_request=make_request(httpx=True),
        )
    else:
        app, rt = build_application(settings)  # its default: aiohttp
    await start(app, rt)
    try:
        await fake.burst(20, 5, "warm up", 7_000_000_000)
        burst = await fake.burst(n, users, TEXT, 7_100_000_000)
        singles = []
        for i in range(singles_n):
            one = await fake.burst(1, 1, f"¿Vienes a cenar el sábado? {i}", 7_200_000_000 + i)
            singles.extend(one["latencies_ms"])
        return burst, singles
    finally:
        await stop(app)


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def main_async(quick: bool) -> None:
    """Print the table."""
    n, users = (200, 20) if quick else (1000, 50)
    with FakeProcess() as fake:
        # Interleaved so a slower patch of the shared machine hits both sides.
        echo = await run_echo(fake, n, users)
        ojo, singles = await run_ojo(fake, n, users, singles_n=50 if quick else 100)
        ojo_httpx, _ = await run_ojo(fake, n, users, httpx=True)
        echo_aiohttp = await run_echo(fake, n, users, aiohttp=True)
        echo_again = await run_echo(fake, n, users)

    def rate(r: dict[str, Any]) -> float:
        return float(r["answered"]) / max(float(r["span_s"]), 1e-9)

    echo_rate = (rate(echo) + rate(echo_again)) / 2
    ojo_rate = rate(ojo)
    print(f"# {n} text updates from {users} users in a burst, fake Bot API in another process")
    print(
        f"bare PTB echo bot (httpx, PTB default): {echo_rate:7.1f} updates/s "
        f"(runs {rate(echo):.0f} and {rate(echo_again):.0f})"
    )
    print(f"bare PTB echo bot on aiohttp:         {rate(echo_aiohttp):7.1f} updates/s")
    print(
        f"Ojo (full verdict), aiohttp (default): {ojo_rate:7.1f} updates/s"
        f"  -> ratio {ojo_rate / echo_rate:.2f} vs bare PTB"
    )
    print(
        f"Ojo (full verdict), httpx:             {rate(ojo_httpx):7.1f} updates/s"
        f"  -> ratio {rate(ojo_httpx) / echo_rate:.2f} vs bare PTB"
    )
    print(
        f"Ojo burst latency: p50 {_pct(ojo['latencies_ms'], 50):.0f} ms, "
        f"p99 {_pct(ojo['latencies_ms'], 99):.0f} ms (queueing included)"
    )
    print(
        f"Ojo one message at a time ({len(singles)}): p50 {_pct(singles, 50):.0f} ms, "
        f"p99 {_pct(singles, 99):.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    asyncio.run(main_async(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
