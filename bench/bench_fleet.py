"""Fleet throughput: text updates/s through 2 webhook replicas vs 1, same machine, same run.

Both configurations are the real `ojo run --webhook` OS processes on PostgreSQL and Redis (the
fleet of tests/e2e/fleet.py), fed by webhook POSTs spread round robin, with the fake Bot API as
Telegram in this process. An update counts when its answer reached the fake.

    OJO_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
    OJO_TEST_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python -m bench.bench_fleet
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.fleet import Fleet, running_fleet
from tests.fakebot.updates import text_message, user

TEXTS = [
    "Hola mamá, este es mi número nuevo, ¿me haces un Bizum de 300 euros? Es urgente",
    "¿Quedamos mañana a las cinco para el cumple de Lucía?",
    "Su paquete está retenido en aduanas, pague 1,99 EUR aquí: http://correos-envio.info",
]


async def _load(fleet: Fleet, n: int, first_user: int, concurrency: int) -> float:
    """Deliver n texts from n users; seconds until every one is answered."""
    gate = asyncio.Semaphore(concurrency)
    chats = list(range(first_user, first_user + n))

    async def one(i: int, chat: int) -> None:
        async with gate:
            await fleet.deliver(text_message(TEXTS[i % len(TEXTS)], sender=user(chat, "Ana")))

    start = time.perf_counter()
    await asyncio.gather(*(one(i, chat) for i, chat in enumerate(chats)))
    await fleet.fake.wait_for(lambda: all(fleet.fake.sent.get(c) for c in chats), 300)
    return time.perf_counter() - start


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One configuration's throughput and where its CPU went."""

    rate: float
    replica_cpu_ms: float  # per update, all replicas together
    driver_cpu_ms: float  # per update: this process (load generator and fake Telegram)


async def _measure(replicas: int, n: int, concurrency: int) -> Run:
    postgres = os.environ["OJO_TEST_POSTGRES_URL"]
    redis = os.environ["OJO_TEST_REDIS_URL"]
    with tempfile.TemporaryDirectory() as tmp:
        async with running_fleet(
            Path(tmp), postgres, redis, replicas=replicas, workers=0, proxy_database=False
        ) as f:
            await _load(f, 50, 9_000_000, concurrency)  # warm-up: connections, caches
            pids = [r.process.pid for r in f.replicas if r.process]
            cpu0, own0 = sum(map(_cpu_seconds, pids)), time.process_time()
            seconds = await _load(f, n, 9_100_000, concurrency)
            cpu1, own1 = sum(map(_cpu_seconds, pids)), time.process_time()
    return Run(n / seconds, (cpu1 - cpu0) * 1000 / n, (own1 - own0) * 1000 / n)


async def _main(n: int, concurrency: int) -> None:
    one = await _measure(1, n, concurrency)
    two = await _measure(2, n, concurrency)
    cores = os.cpu_count()
    print(f"fleet throughput, {n} text updates from {n} users, {cores} cores:")
    print(f"  {'one process (1 replica)':28} {one.rate:8.1f} updates/s")
    ratio = two.rate / one.rate
    print(f"  {'fleet (2 replicas)':28} {two.rate:8.1f} updates/s   {ratio:.2f}x  (goal 1.5x)")
    # Where the CPU goes: on 2 cores the replicas, this driver (load + fake Telegram),
    # PostgreSQL and Redis share the machine, which bounds what a second replica can add.
    for name, run in (("1 replica", one), ("2 replicas", two)):
        print(
            f"  CPU per update, {name:10}: replicas {run.replica_cpu_ms:5.1f} ms,"
            f" driver {run.driver_cpu_ms:5.1f} ms"
        )


def main() -> None:
    """Parse arguments and run both configurations."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="200 updates")
    args = parser.parse_args()
    asyncio.run(_main(200 if args.quick else args.updates, args.concurrency))


if __name__ == "__main__":
    main()
