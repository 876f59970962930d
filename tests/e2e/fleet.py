"""A fleet of real Ojo processes (`ojo run --webhook` replicas, `ojo worker`s) for tests and bench.

The processes talk to a FakeBotApi in the calling process, and to a fresh PostgreSQL database and
to Redis through TCP proxies the caller controls (cutting a proxy is how a database or Redis
outage is simulated without touching the machine's own servers).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
from redis.asyncio import Redis

from bot.storage.db import upgrade
from bot.web.server import WEBHOOK_PATH
from tests.e2e.harness import share_caches
from tests.fakebot.server import FakeBotApi

OJO = Path(sys.executable).with_name("ojo")
SECRET = "fleet-secret-token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Our own index: the other Redis tests use the one in OJO_TEST_REDIS_URL (helpers running side
# by side give each run its own with OJO_TEST_FLEET_REDIS_DB).
FLEET_REDIS_DB = int(os.environ.get("OJO_TEST_FLEET_REDIS_DB", "12"))


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 that can be cut (all connections dropped) and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen (on the same port again after a cut)."""
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and drop every open one: Redis is 'down' for the clients."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@dataclass
class Proc:
    """One Ojo OS process with its log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    cwd: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        """Its stderr (logs)."""
        return self.cwd / f"{self.name}.log"

    def start(self) -> None:
        """Start it (again), appending to its log."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(OJO), *self.args],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_text(self) -> str:
        """Everything it logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        """Still running."""
        return self.process is not None and self.process.poll() is None

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Send `sig` and wait for the exit."""
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(sig)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.process.poll() is None:
            if loop.time() > deadline:
                self.process.kill()
            await asyncio.sleep(0.05)


@dataclass
class Fleet:
    """Replicas, workers, the fake Telegram, the Redis proxy and an HTTP client to post updates."""

    fake: FakeBotApi
    redis_proxy: TcpProxy
    db_proxy: TcpProxy | None
    replicas: list[Proc]
    workers: list[Proc]
    http: aiohttp.ClientSession
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def url(self, replica: Proc) -> str:
        """The replica's webhook URL."""
        return f"http://127.0.0.1:{replica.port}{WEBHOOK_PATH}"

    async def post(self, replica: Proc, body: Any, headers: dict[str, str] | None = None) -> int:
        """One webhook POST; the HTTP status (0 when the replica is not reachable)."""
        try:
            async with self.http.post(
                self.url(replica), data=body, headers=headers or {}, timeout=_TIMEOUT
            ) as resp:
                return resp.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    def stamp(self, update: dict[str, Any]) -> dict[str, Any]:
        """The update with its update_id, as Telegram would send it (the fake records it)."""
        update = {"update_id": next(self._update_ids), **update}
        self.fake.state.observe(update)
        return update

    async def deliver(self, update: dict[str, Any]) -> int:
        """Deliver like Telegram: round robin, and again (to the next replica) until a 200."""
        update = self.stamp(update)
        body = aiohttp.JsonPayload(update)
        headers = {SECRET_HEADER: SECRET}
        for attempt in range(600):
            replica = self.replicas[next(self._turn) % len(self.replicas)]
            if await self.post(replica, body, headers) == 200:
                return int(update["update_id"])
            await asyncio.sleep(min(0.05 * (attempt + 1), 0.5))  # Telegram backs off too
        raise AssertionError(f"update {update['update_id']} never accepted")

    async def wait_healthy(self, replica: Proc, timeout: float = 120.0) -> None:  # noqa: ASYNC109
        """Until its /healthz answers 200."""
        await self._wait(replica, lambda: self._healthz(replica), timeout)

    async def wait_log(
        self,
        proc: Proc,
        needle: str,
        count: int = 1,
        timeout: float = 120.0,  # noqa: ASYNC109
    ) -> None:
        """Until `needle` appears `count` times in the process' log."""

        async def seen() -> bool:
            return proc.log_text().count(needle) >= count

        await self._wait(proc, seen, timeout)

    async def health(self, proc: Proc) -> tuple[int, dict[str, Any]]:
        """The process' /healthz: status and JSON body."""
        async with self.http.get(f"http://127.0.0.1:{proc.port}/healthz", timeout=_TIMEOUT) as r:
            return r.status, await r.json()

    async def metrics(self, procs: list[Proc]) -> dict[tuple[str, tuple[str, ...]], float]:
        """The /metrics samples of `procs`, summed: (name, label values) -> value."""
        from prometheus_client.parser import text_string_to_metric_families

        total: dict[tuple[str, tuple[str, ...]], float] = {}
        for proc in procs:
            async with self.http.get(f"http://127.0.0.1:{proc.port}/metrics") as resp:
                assert resp.status == 200, proc.name
                text = await resp.text()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    total[key] = total.get(key, 0.0) + sample.value  # type: ignore[arg-type]
        return {
            (name, tuple(f"{k}={v}" for k, v in labels)): v for (name, labels), v in total.items()
        }

    async def _healthz(self, replica: Proc) -> bool:
        try:
            async with self.http.get(
                f"http://127.0.0.1:{replica.port}/healthz", timeout=_TIMEOUT
            ) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def _wait(self, proc: Proc, check: Any, timeout: float) -> None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await check():
            if not proc.alive():
                raise AssertionError(f"{proc.name} exited:\n{proc.log_text()[-3000:]}")
            if loop.time() > deadline:
                raise AssertionError(f"{proc.name} not ready:\n{proc.log_text()[-3000:]}")
            await asyncio.sleep(0.1)


_TIMEOUT = aiohttp.ClientTimeout(total=10)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _via(url: str, proxy: TcpProxy | None) -> str:
    """The database URL through the proxy (the same URL without one)."""
    if proxy is None:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    return parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host).geturl()


@asynccontextmanager
async def fresh_database(base_url: str) -> AsyncIterator[str]:
    """A new PostgreSQL database, migrated; dropped afterwards. Yields its SQLAlchemy URL."""
    name = f"ojo_fleet_{uuid.uuid4().hex[:10]}"
    plain = base_url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(plain)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    parts = urlsplit(base_url)
    url = parts._replace(path=f"/{name}").geturl()
    try:
        await upgrade(url)
        yield url
    finally:
        admin = await asyncpg.connect(plain)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def running_fleet(
    work_dir: Path,
    postgres_url: str,
    redis_url: str,
    *,
    replicas: int = 2,
    workers: int = 2,
    proxy_database: bool = True,
    **env: str,
) -> AsyncIterator[Fleet]:
    """Start the fake Telegram, the proxies, a fresh database and the processes; stop all.

    proxy_database=False connects the processes to PostgreSQL directly (benchmarks: the proxy
    in this process would cost them time).
    """
    redis_parts = urlsplit(redis_url)
    own_redis = Redis.from_url(
        redis_parts._replace(path=f"/{FLEET_REDIS_DB}").geturl(), decode_responses=True
    )
    await own_redis.flushdb()
    proxy = TcpProxy(redis_parts.hostname or "127.0.0.1", redis_parts.port or 6379)
    await proxy.start()
    pg = urlsplit(postgres_url)
    db_proxy = TcpProxy(pg.hostname or "127.0.0.1", pg.port or 5432) if proxy_database else None
    if db_proxy is not None:
        await db_proxy.start()
    share_caches(work_dir)
    async with (
        FakeBotApi(strict_chats=False) as fake,
        fresh_database(postgres_url) as db_url,
        aiohttp.ClientSession() as http,
    ):
        base_env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(work_dir)),
            "OJO_TELEGRAM_TOKEN": fake.token,
            "OJO_TELEGRAM_API_URL": fake.base_url,
            "OJO_TELEGRAM_FILE_URL": fake.base_file_url,
            "OJO_DATA_DIR": str(work_dir),
            "OJO_DATABASE_URL": _via(db_url, db_proxy),
            "OJO_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/{FLEET_REDIS_DB}",
            "OJO_WEBHOOK_SECRET": SECRET,
            "OJO_DEFAULT_COUNTRY": "ES",
            "OJO_PARAPHRASE": "false",  # start-up in seconds; the encoder is not what is tested
            "OJO_USER_RATE": "1000",
            "OJO_MEDIA_QUEUE": "200",
            "OJO_MEDIA_TIMEOUT": "20",  # a killed worker's job is retried 20 + 5 + 10 s later
            "OJO_WHISPER_THREADS": "1",
            "OJO_LOG_LEVEL": "INFO",
            **env,
        }
        reps = []
        for i in range(replicas):
            port = _free_port()
            reps.append(
                Proc(
                    f"replica{i}",
                    ["run", "--webhook"],
                    base_env
                    | {
                        "OJO_WEB_PORT": str(port),
                        "OJO_WEBHOOK_URL": "https://ojo.example.org",  # the load balancer
                        # the second replica logs JSON lines: the option is exercised for real
                        "OJO_LOG_FORMAT": "json" if i == 1 else "text",
                    },
                    work_dir,
                    port,
                )
            )
        wrks = []
        for i in range(workers):
            port = _free_port()  # a worker serves /metrics and /healthz too
            wrks.append(
                Proc(
                    f"worker{i}",
                    ["worker"],
                    base_env | {"OJO_WEB_PORT": str(port)},
                    work_dir,
                    port,
                )
            )
        fleet = Fleet(fake, proxy, db_proxy, reps, wrks, http)
        try:
            for proc in [reps[0], *wrks]:
                proc.start()
            # Replicas one after the other: each seeds the known audio at start-up.
            await fleet.wait_healthy(reps[0])
            for rep in reps[1:]:
                rep.start()
                await fleet.wait_healthy(rep)
            for wrk in wrks:
                await fleet.wait_log(wrk, "worker ready")
            yield fleet
        finally:
            for proc in [*reps, *wrks]:
                await proc.stop()
            await proxy.cut()
            if db_proxy is not None:
                await db_proxy.cut()
            await own_redis.flushdb()
            await own_redis.aclose()
