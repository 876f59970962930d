"""Prometheus metrics, defined once (the web server exports them; services update them).

Every process exports its own: webhook replicas and `ojo worker`s serve /metrics on
OJO_WEB_PORT, and a fleet's figures are the sum over its processes (PromQL `sum by (kind)`).
Texts are counted by the replica that answered them, media by the worker that analysed them,
under the same names and labels, so `kind` tells them apart.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("ojo_updates_total", "Telegram updates received")
VERDICTS = Counter("ojo_verdicts_total", "Verdicts given", ["kind", "level"])
QUEUE = Gauge("ojo_media_queue", "Media jobs waiting or running")
# From a few milliseconds (texts) to minutes (long videos transcribed).
ANALYSIS_SECONDS = Histogram(
    "ojo_analysis_seconds",
    "Seconds from receiving an item to its verdict",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180),
)
ERRORS = Counter("ojo_errors_total", "Failures answered with an error message", ["type"])
DUPLICATES = Counter(
    "ojo_duplicate_updates_total", "Redelivered updates dropped at the webhook (same update_id)"
)
DB_WAITS = Counter(
    "ojo_database_waits_total", "Media jobs put back to wait while the database was unreachable"
)


def count_verdict(kind: str, level: str, seconds: float) -> None:
    """One verdict given, text or media alike, and how long it took."""
    VERDICTS.labels(kind, level).inc()
    ANALYSIS_SECONDS.labels(kind).observe(seconds)


def count_error(error: BaseException | str) -> None:
    """One failure answered to a user, by its type (class name, or a message key)."""
    ERRORS.labels(error if isinstance(error, str) else type(error).__name__).inc()
