"""Voice notes end to end: per-stage latency, verdict time as a fraction of the note's length,
repeat-forward latency, peak RSS — through the real Application and a fake Bot API (getFile
and the download included). Run: `.venv/bin/python -m bench.bench_media [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import FIXTURES
from tests.e2e.harness import running_bot
from tests.fakebot import updates

CLIPS = [("5 s", "es_5s.ogg"), ("30 s", "es_30s.ogg"), ("120 s", "long_es_120s.ogg")]
TIMINGS = re.compile(r"\{.*\}")


class Stages(logging.Handler):
    """Collects the per-stage timings the media runner logs after each analysis."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.last: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("media analysed"):
            found = TIMINGS.search(record.getMessage())
            if found:
                self.last = eval(found.group())  # noqa: S307 - our own log line, a dict literal


async def one_model(model: str, clips: list[tuple[str, str]], stages: Stages) -> None:
    """Bench one speech model on each clip, then a repeat forward."""
    data_dir = Path(tempfile.mkdtemp())
    async with running_bot(data_dir, whisper_model=model) as bot:
        # Warm up: load the model once (first use) with a short clip.
        await _check(bot, (FIXTURES / "audio" / "es_5s.ogg").read_bytes(), 9_000_000)
        print(f"\n## model {model}")
        print(f"{'clip':>6s} {'total s':>8s} {'x dur':>6s}  stages (ms)")
        for i, (label, name) in enumerate(clips):
            data = (FIXTURES / "audio" / name).read_bytes()
            duration = float(label.split()[0])
            total, file_ids = await _check(bot, data, 9_100_000 + i)
            stage = " ".join(f"{k[:-3]} {v:.0f}" for k, v in stages.last.items())
            print(f"{label:>6s} {total:8.2f} {total / duration:6.3f}  {stage}")
            repeat = await _repeat(bot, file_ids, 9_200_000 + i)
            print(f"{'':>6s} repeat forward of the same file: {repeat * 1000:.0f} ms")


async def _check(bot: object, data: bytes, user_id: int) -> tuple[float, tuple[str, str]]:
    fake = bot.fake  # type: ignore[attr-defined]
    file_id, unique = fake.add_file(data, file_path_hint="voice/bench.oga")
    user = updates.user(user_id, "Bench")
    started = time.perf_counter()
    fake.push_update(updates.voice_message(file_id, unique, sender=user))

    def done() -> bool:
        return any(
            m.method == "editMessageText" and not (m.text or "").startswith("🎧")
            for m in fake.sent.get(user_id, [])
        )

    await fake.wait_for(done, 600)
    return time.perf_counter() - started, (file_id, unique)


async def _repeat(bot: object, ids: tuple[str, str], user_id: int) -> float:
    fake = bot.fake  # type: ignore[attr-defined]
    started = time.perf_counter()
    fake.push_update(updates.voice_message(*ids, sender=updates.user(user_id, "Again")))
    await fake.wait_for_messages(user_id, 1, 60)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Print the tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="5 s and 30 s clips only")
    args = ap.parse_args(argv)
    stages = Stages()
    logging.getLogger("bot.jobs.runner").addHandler(stages)
    logging.getLogger("bot.jobs.runner").setLevel(logging.INFO)
    clips = CLIPS[:2] if args.quick else CLIPS
    for model in ("base", "tiny.en"):
        asyncio.run(one_model(model, clips, stages))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\npeak RSS of this process (bot + fake Bot API + both models loaded in turn): "
        f"{rss:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
