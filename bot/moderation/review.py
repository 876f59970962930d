"""The review workflow: open a report, turn it into a pattern, attach it, or resolve it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError
from telegram import Bot

from bot.analysis.submission import MEDIA_KINDS
from bot.content.models import Localized, Pattern
from bot.matching.langdetect import detect_language
from bot.moderation import live, pictures
from bot.moderation.drafts import pattern_from_draft, propose_draft, with_phrases
from bot.moderation.proposals import CorpusIndex, propose_phrases
from bot.moderation.recordings import fingerprint, listen
from bot.moderation.safety import LegitText, Refusal, gate, legit_texts, solo_engine
from bot.moderation.store import Draft, ModerationStore
from bot.services.check import image_text
from bot.storage.audit import AuditRepo, user_actor
from bot.storage.cache import VerdictCacheRepo
from bot.storage.patterns import PatternRepo
from bot.storage.reports import ReportRecord, ReportRepo, ReportStatus

if TYPE_CHECKING:
    from bot.moderation.context import ModerationContext

logger = logging.getLogger(__name__)
MAX_EXAMPLE = 1000  # characters of a report kept as the new pattern's example


@dataclass(frozen=True)
class Outcome:
    """What a moderator's action did: the pattern version made, or why it was refused."""

    pattern_id: str | None = None
    version: int | None = None
    refusals: tuple[Refusal, ...] = ()
    fingerprint: bool = False
    picture: bool = False  # the reported picture is now a known image of the pattern
    problem: str | None = None  # a message key when the action could not even be tried

    @property
    def ok(self) -> bool:
        """Whether the change went live."""
        return self.version is not None


async def legit_corpus(deps: ModerationContext) -> tuple[LegitText, ...]:
    """The false-alarm corpus: shipped messages plus reports marked legit."""
    async with deps.db() as session:
        reports = await ModerationStore(session).legit_reports()
    return legit_texts(deps.analyzer.engines.pack, reports)


async def vet(
    deps: ModerationContext, candidate: Pattern, corpus: tuple[LegitText, ...] | None = None
) -> list[Refusal]:
    """Run the safety gate on a pattern about to go live (in a thread: it is CPU work)."""
    engines = deps.analyzer.engines
    corpus = corpus if corpus is not None else await legit_corpus(deps)
    # The holder's sentence encoder (None when the paraphrase layer is off): the gate must see
    # the paraphrase hits a live engine would make.
    build = solo_engine(engines.pack.engine, engines.encoder)
    # Its own thread, not the analyzer's: a first gate with the paraphrase layer embeds the
    # whole corpus (seconds), and people's checks must not wait behind it.
    return await asyncio.to_thread(gate, engines.pack, build, candidate, corpus)


def content_of(report: ReportRecord) -> str:
    """The words of a report: its text and its transcript."""
    return " ".join(t for t in (report.text, report.transcript) if t).strip()


class Review:
    """Report-queue actions; every pattern change is versioned, audited, gated and synced."""

    def __init__(self, deps: ModerationContext) -> None:
        self.deps = deps

    async def report(self, report_id: int) -> ReportRecord | None:
        """A report by id."""
        async with self.deps.db() as session:
            return await ReportRepo(session).get(report_id)

    async def next_open(self, after_id: int | None = None) -> ReportRecord | None:
        """The oldest open report (after `after_id` when skipping)."""
        async with self.deps.db() as session:
            return await ReportRepo(session).next_open(after_id)

    async def prepare(self, bot: Bot, report: ReportRecord) -> ReportRecord:
        """Make sure a voice or picture report has a transcript (what the note or image says)."""
        if report.transcript or not report.file_id:
            return report
        said: str | None = None
        if report.kind in MEDIA_KINDS:
            heard = await listen(self.deps, bot, report, transcribe=True)
            said = heard.transcript if heard is not None else None
        if not said and report.kind in pictures.PICTURE_KINDS:
            reading = await pictures.read(self.deps, bot, report)
            said = image_text(reading, None) if reading is not None else None
        if not said:
            return report
        async with self.deps.db() as session, session.begin():
            await ModerationStore(session).enrich_report(report.id, transcript=said)
        return await self.report(report.id) or report

    async def corpus(self) -> tuple[LegitText, ...]:
        """The false-alarm corpus: shipped messages plus reports marked legit."""
        return await legit_corpus(self.deps)

    async def draft(self, report: ReportRecord) -> Draft:
        """The report's pattern draft, proposed now if there is none yet."""
        async with self.deps.db() as session:
            existing = await ModerationStore(session).draft(report.id)
        if existing is not None:
            return existing
        corpus = await self.corpus()
        text = content_of(report)
        engine = self.deps.analyzer.engines.engine
        result = await self.deps.analyzer.run(engine.analyze, text) if text else None
        index = CorpusIndex(c.text for c in corpus)
        phrases = propose_phrases(text, index) if text else ()
        nearest = result.best.pattern_id if result and result.best else None
        draft = propose_draft(
            report,
            phrases,
            lang=detect_language(text) if text else "es",
            nearest=self._pattern(nearest, await live.load_overrides(self.deps.db)),
        )
        async with self.deps.db() as session, session.begin():
            await ModerationStore(session).save_draft(draft)
        return draft

    async def save_draft(self, draft: Draft) -> None:
        """Store a moderator's edit of a draft."""
        async with self.deps.db() as session, session.begin():
            await ModerationStore(session).save_draft(draft)

    async def create(self, bot: Bot, report_id: int, actor_id: int) -> Outcome:
        """Make the report's draft a live pattern (with the voice note's fingerprint)."""
        report = await self.report(report_id)
        if report is None:
            return Outcome(problem="mod.report.gone")
        draft = await self.draft(report)
        t = self.deps.messages.t
        summary = Localized(
            es=t("es", "mod.pattern.summary", id=report.id),
            en=t("en", "mod.pattern.summary", id=report.id),
        )
        try:
            candidate = pattern_from_draft(draft, content_of(report)[:MAX_EXAMPLE], summary)
        except ValidationError as exc:
            return Outcome(
                refusals=(Refusal("rule", "draft", draft.pattern_id, _first_error(exc)),)
            )
        async with self.deps.db() as session:
            if await PatternRepo(session).get(candidate.id) is not None or self._preset(
                candidate.id
            ):
                return Outcome(problem="mod.draft.id_taken", pattern_id=candidate.id)
        return await self._go_live(
            bot, report, candidate, actor_id, origin="moderator", action="pattern"
        )

    async def attach(self, bot: Bot, report_id: int, pattern_id: str, actor_id: int) -> Outcome:
        """Add the report's fingerprint and proposed phrases to an existing pattern."""
        report = await self.report(report_id)
        if report is None:
            return Outcome(problem="mod.report.gone")
        revision_and_overrides = await live.load_overrides(self.deps.db)
        current = self._pattern(pattern_id, revision_and_overrides)
        if current is None:
            return Outcome(problem="mod.patterns.unknown", pattern_id=pattern_id)
        # A photo is attached by its picture: the words it shows are not this pattern's to learn
        # (its known image flags copies; a new pattern is the way to learn them). Its caption is.
        text = (report.text or "").strip() if pictures.is_picture(report) else content_of(report)
        corpus = await self.corpus()
        taken = [p for phrases in current.match.phrases.values() for p in phrases]
        proposals = propose_phrases(text, CorpusIndex(c.text for c in corpus), taken=taken)
        lang = detect_language(text) if text else "es"
        candidate = with_phrases(current, proposals, lang, text[:MAX_EXAMPLE])
        origin = "preset" if self._preset(pattern_id) else "moderator"
        return await self._go_live(
            bot, report, candidate, actor_id, origin=origin, action="attach", corpus=corpus
        )

    async def resolve(self, report_id: int, status: ReportStatus, actor_id: int) -> bool:
        """Mark a report legit (it joins the corpus guard) or rejected; audited."""
        async with self.deps.db() as session, session.begin():
            before = await ReportRepo(session).get(report_id)
            after = await ReportRepo(session).set_status(report_id, status, actor_id, status)
            if before is None or after is None:
                return False
            await AuditRepo(session).record(
                user_actor(actor_id),
                f"report.{status}",
                f"report:{report_id}",
                before={"status": before.status},
                after={"status": after.status},
            )
            await ModerationStore(session).drop_draft(report_id)
        return True

    async def still_flagging(self, report: ReportRecord) -> list[str]:
        """Live patterns that flag a message just marked legitimate (to fix or disable)."""
        text = content_of(report)
        if not text:
            return []
        result = await self.deps.analyzer.run(self.deps.analyzer.engines.engine.analyze, text)
        return [m.pattern_id for m in result.matches if m.level == "scam"]

    def suggestions(self, report: ReportRecord, overrides: list[Pattern]) -> list[str]:
        """Patterns a report could be attached to: what its verdict matched, newest ones."""
        verdict = json.loads(report.verdict_json or "{}")
        ids = [m.get("pattern_id", "") for m in verdict.get("matches", [])]
        ids += [p.id for p in overrides if p.status == "active"]
        known = {p.id for p in self.deps.analyzer.engines.engine.patterns}
        return [i for i in dict.fromkeys(ids) if i in known][:5]

    async def _go_live(
        self,
        bot: Bot,
        report: ReportRecord,
        candidate: Pattern,
        actor_id: int,
        *,
        origin: str,
        action: str,
        corpus: tuple[LegitText, ...] | None = None,
    ) -> Outcome:
        refusals = await vet(self.deps, candidate, corpus)
        if refusals:
            return Outcome(pattern_id=candidate.id, refusals=tuple(refusals))
        actor = user_actor(actor_id)
        async with self.deps.db() as session, session.begin():
            version = await PatternRepo(session).upsert_version(
                candidate.id,
                candidate.model_dump_json(),
                "active",
                "preset" if origin == "preset" else "moderator",
                actor,
                note=f"{action} from report #{report.id}",
            )
            resolution = f"{action} {candidate.id} v{version}"
            await ReportRepo(session).set_status(report.id, "accepted", actor_id, resolution)
            await AuditRepo(session).record(
                actor,
                "report.accepted",
                f"report:{report.id}",
                before={"status": report.status},
                after={"status": "accepted", "pattern": candidate.id, "version": version},
            )
            await ModerationStore(session).drop_draft(report.id)
            # Cached analyses of unflagged notes dropped their transcript (privacy), so a new
            # phrase could never reach them: let them be analysed afresh.
            await VerdictCacheRepo(session).invalidate_all()
        pictured = await pictures.remember(self.deps, bot, report, candidate)
        fingerprinted = not pictured and await fingerprint(self.deps, bot, report, candidate)
        await self.deps.patterns.sync()
        return Outcome(candidate.id, version, (), fingerprinted, pictured)

    def _preset(self, pattern_id: str) -> Pattern | None:
        pack = self.deps.analyzer.engines.pack
        return pack.pattern(pattern_id)

    def _pattern(
        self, pattern_id: str | None, loaded: tuple[int, list[Pattern]]
    ) -> Pattern | None:
        """The current definition of a pattern: the database's, else the shipped preset."""
        if pattern_id is None:
            return None
        _revision, overrides = loaded
        return next((p for p in overrides if p.id == pattern_id), None) or self._preset(pattern_id)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return re.sub(r"\s+", " ", f"{where}: {err['msg']}")
