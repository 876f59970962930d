"""Moderator patterns reach every process: each one polls the revision and swaps its engine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.engines import EngineHolder
from bot.content.loader import ContentPack, load_pack
from bot.moderation.live import PatternSync
from bot.storage.db import create_engine, session_maker, upgrade
from bot.storage.patterns import PatternRepo

CUMPLE = "Hola tía, el sábado es el cumple de Lucía, habrá tarta y piñata, avísame si venís"
HOLA_MAMA = (
    "Hola mamá, se me rompió el móvil, este es mi número nuevo. ¿Me haces un Bizum de 300€?"
)


def _body() -> dict[str, object]:
    return {
        "id": "cumple-lucia-r1",
        "category": "hoax",
        "severity": "medium",
        "title": {"es": "Bulo del cumple", "en": "Birthday hoax"},
        "summary": {"es": "De una denuncia.", "en": "From a report."},
        "match": {
            "phrases": {"es": {"cumple de lucia": 0.5, "habra tarta y pinata": 0.6}},
            "min_hits": 2,
        },
    }


@pytest_asyncio.fixture
async def db(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database of this test's own (the sync commits for real)."""
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        yield session_maker(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def pack(minimal_pack_dir: Path) -> ContentPack:
    return load_pack(minimal_pack_dir)


async def _write(db: async_sessionmaker[AsyncSession], body: dict[str, object], **kw: str) -> None:
    async with db() as session, session.begin():
        await PatternRepo(session).upsert_version(
            str(body["id"]),
            json.dumps(body),
            kw.get("status", "active"),  # type: ignore[arg-type]
            kw.get("origin", "moderator"),  # type: ignore[arg-type]
            "user:1",
        )


async def test_a_pattern_saved_by_one_process_flags_texts_in_another_after_its_sync(
    db: async_sessionmaker[AsyncSession], pack: ContentPack
) -> None:
    writer, reader = EngineHolder(pack, None), EngineHolder(pack, None)
    await PatternSync(db, writer).sync()
    await PatternSync(db, reader).sync()
    assert reader.engine.analyze(CUMPLE).level == "no_match"

    await _write(db, _body())
    assert await PatternSync(db, reader).sync() is True

    result = reader.engine.analyze(CUMPLE)
    assert result.level == "scam"
    assert result.best is not None and result.best.pattern_id == "cumple-lucia-r1"
    assert reader.revision == 1
    assert await PatternSync(db, reader).sync() is False  # nothing changed since


async def test_the_polling_loop_picks_a_change_up_without_a_restart(
    db: async_sessionmaker[AsyncSession], pack: ContentPack
) -> None:
    holder = EngineHolder(pack, None)
    swapped = asyncio.Event()
    sync = PatternSync(db, holder, on_change=swapped.set)
    task = asyncio.create_task(sync.run(interval=0.05))
    try:
        await asyncio.wait_for(swapped.wait(), 30)  # the start-up sync (revision 0)
        swapped.clear()
        await _write(db, _body())
        await asyncio.wait_for(swapped.wait(), 30)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert holder.revision == 1
    assert holder.engine.analyze(CUMPLE).level == "scam"


async def test_a_disabled_override_switches_a_shipped_pattern_off_everywhere(
    db: async_sessionmaker[AsyncSession], pack: ContentPack
) -> None:
    holder = EngineHolder(pack, None)
    assert holder.engine.analyze(HOLA_MAMA).level == "scam"
    preset = pack.pattern("family-new-number")
    assert preset is not None

    await _write(db, preset.model_dump(mode="json"), status="disabled", origin="preset")
    await PatternSync(db, holder).sync()

    assert all(
        m.pattern_id != "family-new-number" for m in holder.engine.analyze(HOLA_MAMA).matches
    )


async def test_a_stored_body_that_no_longer_validates_is_skipped_not_fatal(
    db: async_sessionmaker[AsyncSession], pack: ContentPack
) -> None:
    holder = EngineHolder(pack, None)
    await _write(db, {"id": "broken-r2", "category": "aliens"})
    await _write(db, _body())

    await PatternSync(db, holder).sync()

    assert holder.revision == 2
    assert "broken-r2" not in {p.id for p in holder.engine.patterns}
    assert holder.engine.analyze(CUMPLE).level == "scam"
