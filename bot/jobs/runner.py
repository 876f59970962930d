"""Runs one queued media job: CheckService for the verdict, the Deliverer for the answer."""

from __future__ import annotations

import logging

from telegram import Bot

from bot.delivery import Deliverer
from bot.errors import MediaError, MediaTooLarge, ModelError, OjoError
from bot.jobs.types import MediaJob
from bot.metrics import count_error
from bot.services.check import CheckService, Where, telegram_files
from bot.verdict import Verdict

logger = logging.getLogger(__name__)


class MediaRunner:
    """A worker's side of the media queue: in-process workers and `ojo worker` alike."""

    def __init__(self, checks: CheckService, deliverer: Deliverer) -> None:
        self.checks = checks
        self.deliverer = deliverer

    async def run(self, bot: Bot, job: MediaJob) -> Verdict | None:
        """Process one job end to end; every failure becomes a friendly answer."""
        where = Where(
            job.context,
            fetch=telegram_files(bot),
            user_hash=job.user_hash,
            bot=bot,
            chat_id=job.chat_id,
            message_id=job.message_id,
            look_up_cache=False,  # the door looked before queueing
        )
        try:
            verdict = await self.checks.verdict(job.submission(), where)
        except MediaTooLarge as exc:
            count_error(exc)
            size = f"{(job.size or 0) / 1_048_576:.0f}"
            await self.deliverer.error(bot, job, MediaTooLarge.message_key, size=size)
            return None
        except (MediaError, ModelError) as exc:
            count_error(exc)
            logger.info("media job failed: %s", exc.message_key)
            await self.deliverer.error(bot, job, exc.message_key)
            return None
        except OjoError as exc:  # AnalysisTimeout
            count_error(exc)
            logger.warning("media job failed (chat %s, kind %s): %s", job.chat_id, job.kind, exc)
            await self.deliverer.error(bot, job, exc.message_key)
            return None
        await self.deliverer.verdict(bot, job, verdict)
        return verdict

    async def crashed(self, bot: Bot, job: MediaJob) -> None:
        """Tell the user a job failed unexpectedly (the worker logged why)."""
        await self.deliverer.error(bot, job, "error.generic")
