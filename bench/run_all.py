"""`make bench`: every benchmark in turn, printing their numbers (about 10-20 minutes).

`make bench QUICK=1` runs the short versions.
"""

from __future__ import annotations

import os
import subprocess
import sys

# (name, arguments, extra arguments for QUICK=1)
BENCHES = [
    ("engine", ["-m", "bench.bench_engine"], ["--quick"]),
    ("bot (text, end to end)", ["-m", "bench.bench_bot"], ["--quick"]),
    (
        "start-up: ojo check and the bot's first answer vs bare PTB",
        ["-m", "bench.bench_startup"],
        ["--quick"],
    ),
    ("fingerprints", ["bench/bench_fingerprint.py"], ["--quick"]),
    (
        "speech: our transcriber vs bare faster-whisper",
        ["bench/bench_speech.py"],
        ["--repeat", "1"],
    ),
    ("voice notes end to end", ["-m", "bench.bench_media"], ["--quick"]),
    ("images: OCR, QR, perceptual hashes", ["bench/bench_ocr.py"], ["--quick"]),
    (
        "known images (lookup at 1k/10k) and RSS with speech + OCR + encoder",
        ["-m", "bench.bench_images"],
        ["--quick"],
    ),
    ("screenshots judged like their text", ["-m", "bench.bench_screenshots"], ["--limit", "60"]),
    # needs OJO_TEST_POSTGRES_URL and OJO_TEST_REDIS_URL (as .ci/run sets them)
    ("fleet: 2 webhook replicas vs 1 process", ["-m", "bench.bench_fleet"], ["--quick"]),
]


def main() -> int:
    """Run each benchmark in its own process; report failures at the end."""
    quick = bool(os.environ.get("QUICK"))
    failed = []
    for name, args, quick_args in BENCHES:
        print(f"\n==================== {name} ====================", flush=True)
        code = subprocess.call([sys.executable, *args, *(quick_args if quick else [])])
        if code != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
