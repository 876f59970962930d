"""Ojo: a Telegram bot that tells you whether a forwarded message or voice note is a scam."""

import os

__version__ = "0.1.0"

# Set before numpy loads OpenBLAS (every entry point imports this package first). OpenBLAS
# worker threads busy-wait: on 2 shared cores they made each encoder call 10-100x slower
# (measured: 40 concurrent checks took 9 s instead of 0.9 s). Ojo parallelises across
# requests instead; speech uses CTranslate2's own threads (OJO_WHISPER_THREADS).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# python-telegram-bot 22: durations as datetime.timedelta (the future default; no warnings).
os.environ.setdefault("PTB_TIMEDELTA", "1")
