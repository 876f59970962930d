"""Prometheus metrics, defined once (the web server exports them; services update them)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

UPDATES = Counter("ojo_updates_total", "Telegram updates received")
VERDICTS = Counter("ojo_verdicts_total", "Verdicts given", ["kind", "level"])
QUEUE = Gauge("ojo_media_queue", "Media jobs waiting or running")
