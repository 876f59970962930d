"""Start-up: `ojo check --text` wall time and the bot's time to its first answer, vs bare PTB.

`ojo check --text` runs as a fresh process each time: "cold" with an empty data dir (no build
cache, sentence encoder not unpacked yet: a first run on a new machine), "warm" with the data
dir a previous run left. The bot is `ojo run` (long polling, SQLite) started as a process
against the fake Bot API in another process (bench/fake_server.py): one text update waits
there, and the time runs from the process start to the fake receiving the answer's
sendMessage. The anchor is a bare python-telegram-bot echo bot (PTB's defaults, as in
bench/bench_bot.py) started and measured the same way. Medians of several runs.

Run: `.venv/bin/python -m bench.bench_startup [--runs N] [--quick]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_bot import TOKEN, FakeProcess

TEXT = "Hola mamá, se me rompió el móvil, este es mi número nuevo, ¿me haces un Bizum?"
ROOT = Path(__file__).resolve().parents[1]
OJO = [sys.executable, "-m", "bot"]


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OJO_")}
    env.update({"OJO_DATA_DIR": str(data), "OJO_LOG_LEVEL": "WARNING", **extra})
    return env


def time_check(data: Path) -> float:
    """Wall seconds of one `ojo check --text` process."""
    started = time.perf_counter()
    subprocess.run(
        [*OJO, "check", "--text", TEXT],
        env=_env(data),
        cwd=tempfile.gettempdir(),  # no .env file of the checkout is read
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def time_first_answer(fake: FakeProcess, command: list[str], env: dict[str, str], n: int) -> float:
    """Seconds from starting a bot process to the fake Bot API receiving its first answer."""
    started = time.time()
    proc = subprocess.Popen(command, env=env, cwd=tempfile.gettempdir())
    try:
        pushed = time.time()
        fake._call("/burst", {"n": 1, "users": 1, "text": TEXT, "user_base": 6_000_000_000 + n})
        got = fake._call("/wait?n=1&timeout=120")
        if not got["answered"]:
            raise RuntimeError(f"{command[2:]} did not answer within 120 s")
        return pushed - started + got["latencies_ms"][0] / 1000
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bare_bot() -> int:
    """The anchor: a bare PTB echo bot on PTB's defaults, polling the fake."""
    from telegram.ext import Application, MessageHandler, filters

    from bench.bench_bot import _echo

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(os.environ["BENCH_API_URL"])
        .base_file_url(os.environ["BENCH_FILE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    app.run_polling(poll_interval=0.0)
    return 0


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})"


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="3 runs of each")
    ap.add_argument("--bare-bot", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.bare_bot:
        return bare_bot()
    runs = 3 if args.quick else args.runs
    work = Path(tempfile.mkdtemp(prefix="ojo-startup-"))
    try:
        cold = []
        for i in range(runs):
            cold.append(time_check(work / f"cold-{i}"))
        warm_dir = work / "warm"
        time_check(warm_dir)  # leaves the caches a first run writes
        warm = [time_check(warm_dir) for _ in range(runs)]
        with FakeProcess() as fake:
            env = _env(
                work / "bot",
                OJO_TELEGRAM_TOKEN=TOKEN,
                OJO_TELEGRAM_API_URL=f"{fake.base}/bot",
                OJO_TELEGRAM_FILE_URL=f"{fake.base}/file/bot",
                OJO_WEB_PORT="0",
                OJO_DEFAULT_COUNTRY="ES",
            )
            bare_env = {
                **env,
                "BENCH_API_URL": f"{fake.base}/bot",
                "BENCH_FILE_URL": f"{fake.base}/file/bot",
            }
            bare_cmd = [sys.executable, "-m", "bench.bench_startup", "--bare-bot"]
            ojo_cmd = [*OJO, "run"]
            first = time_first_answer(fake, ojo_cmd, env, 0)  # migrates, builds the caches
            ojo, bare = [], []
            for i in range(runs):  # interleaved: a slow patch of the machine hits both
                bare.append(time_first_answer(fake, bare_cmd, bare_env, 100 + i))
                ojo.append(time_first_answer(fake, ojo_cmd, env, 200 + i))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    compiled = any((ROOT / "bot").glob("__pycache__/*.pyc"))
    print(f"# start-up, median of {runs} runs; bytecode of bot/ compiled: {compiled}")
    print(f"ojo check --text, cold (empty data dir):   {_median(cold)}")
    print(f"ojo check --text, warm (caches in place):  {_median(warm)}")
    print(f"ojo run, first start: first answer after   {first:6.2f} s")
    print(f"ojo run, restart:     first answer after   {_median(ojo)}")
    print(f"bare PTB echo bot:    first answer after   {_median(bare)}")
    print(
        f"-> ojo run restart / bare PTB: {statistics.median(ojo) / statistics.median(bare):.2f}x"
        f"; target: ojo check warm and ojo run restart <= 1.5 s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
