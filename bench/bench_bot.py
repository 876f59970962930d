"""End-to-end text throughput and latency against a fake Bot API in another process.

The anchor is the issue's: a bare python-telegram-bot echo bot with PTB's DEFAULT settings (httpx
request, one update at a time), on the same fake server, in the same run, measured before and
after Ojo so that a slower patch of a shared machine hits both. Ojo is its real Application as
`ojo run` builds it (aiohttp Bot API request, SQLite, paraphrase layer on). For context only: the
echo bot on our aiohttp request and Ojo on httpx. Each line also gives the process's CPU per
update (both threads): unlike updates/s it hardly moves when other jobs share the machine.
Run: `.venv/bin/python -m bench.bench_bot [--quick]` (1,000 updates from 1,000 users);
`BENCH_PARAPHRASE=0` turns the sentence-encoder layer off (`OJO_PARAPHRASE=false`).
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
        """Push n updates and wait for n answers; the fake's measurements and our CPU time."""
        cpu = time.process_time()
        await asyncio.to_thread(
            self._call, "/burst", {"n": n, "users": users, "text": text, "user_base": base}
        )
        got: dict[str, Any] = await asyncio.to_thread(self._call, f"/wait?n={n}&timeout=120")
        got["cpu_ms"] = (time.process_time() - cpu) * 1000 / max(n, 1)
        return got


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
        reads = rt.deps.prefs.reads
        burst = await fake.burst(n, users, TEXT, 7_100_000_000)
        burst["prefs_reads"] = rt.deps.prefs.reads - reads
        singles = []
        for i in range(singles_n):
            one = await fake.burst(1, 1, f"¿Vienes a cenar el sábado? {i}", 7_200_000_000 + i)
            singles.extend(one["latencies_ms"])
        return burst, singles
    finally:
        await stop(app)


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def rate(r: dict[str, Any]) -> float:
    """Answers per second over the burst (first push to last answer)."""
    return float(r["answered"]) / max(float(r["span_s"]), 1e-9)


def line(label: str, r: dict[str, Any]) -> str:
    """One result: rate and CPU per update."""
    return f"{label:44s} {rate(r):7.1f} updates/s, CPU {r['cpu_ms']:5.2f} ms/update"


async def main_async(quick: bool) -> None:
    """Print the table: the anchor and Ojo side by side, and their ratio."""
    n, users = (200, 200) if quick else (1000, 1000)
    with FakeProcess() as fake:
        # Interleaved so a slower patch of the shared machine hits both sides.
        echo = await run_echo(fake, n, users)
        ojo, singles = await run_ojo(fake, n, users, singles_n=50 if quick else 100)
        ojo_httpx, _ = await run_ojo(fake, n, users, httpx=True)
        echo_aiohttp = await run_echo(fake, n, users, aiohttp=True)
        echo_again = await run_echo(fake, n, users)
        ojo_again, _ = await run_ojo(fake, n, users)
    echo_rate = (rate(echo) + rate(echo_again)) / 2
    ojo_rate = (rate(ojo) + rate(ojo_again)) / 2
    print(f"# {n} text updates from {users} users in a burst, fake Bot API in another process")
    print(
        line("anchor: bare PTB echo bot, PTB defaults", echo), f"(again: {rate(echo_again):.1f})"
    )
    layer = "on" if os.environ.get("BENCH_PARAPHRASE", "1") == "1" else "OFF"
    label = f"Ojo, as `ojo run` builds it, paraphrase {layer}"
    print(line(label, ojo), f"(again: {rate(ojo_again):.1f})")
    print(
        f"ratio Ojo / bare PTB: {ojo_rate / echo_rate:.2f} "
        f"({ojo_rate:.1f} vs {echo_rate:.1f} updates/s; target >= 1.0, goal 1.5)"
    )
    print(line("context: bare PTB echo bot on our aiohttp", echo_aiohttp))
    print(line("context: Ojo on PTB's httpx request", ojo_httpx))
    print(
        f"Ojo preference reads: {ojo['prefs_reads']} queries for {n} updates "
        f"(misses batched); burst latency p50 {_pct(ojo['latencies_ms'], 50):.0f} ms, "
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
