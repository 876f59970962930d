"""Checks shared by the private chat, groups and moderation: analyse, count, re-derive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.analysis.submission import MEDIA_KINDS, Submission
from bot.jobs.types import MediaJob
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.deps import Deps

MAX_TEXT = 20_000  # longer texts are cut: scams are short, and the engine stays fast


async def check_and_count(deps: Deps, sub: Submission) -> Verdict:
    """Analyse a text off the event loop and count it (no content is stored)."""
    verdict = await deps.analyzer.check_text_async(
        (sub.text or "")[:MAX_TEXT],
        kind=sub.kind,
        lang=sub.lang,
        country=sub.country,
        forward=sub.forward,
    )
    deps.stats.bump(
        sub.kind, verdict.level, verdict.matches[0].pattern_id if verdict.matches else ""
    )
    return verdict


async def verdict_of(deps: Deps, sub: Submission, chat_id: int, message_id: int) -> Verdict | None:
    """The verdict of an earlier message: texts are re-run, media come from the cache."""
    if sub.kind in MEDIA_KINDS and sub.file is not None:
        job = MediaJob.for_submission(sub, chat_id=chat_id, message_id=message_id)
        return await deps.media.cached_verdict(job)
    if not sub.text:
        return None
    return await deps.analyzer.check_text_async(
        sub.text[:MAX_TEXT],
        kind=sub.kind,
        lang=sub.lang,
        country=sub.country,
        forward=sub.forward,
    )
