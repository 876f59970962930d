"""Start-up migrates only a database that is behind, and reads the head without Alembic."""

from __future__ import annotations

from bot.storage.db import current_revision, downgrade, head_revision, upgrade_if_needed


def test_the_head_read_from_the_scripts_is_the_one_alembic_migrates_to() -> None:
    from alembic.script import ScriptDirectory

    from bot.storage.db import alembic_config

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_new_database_is_migrated_and_a_current_one_is_left_alone(db_url: str) -> None:
    assert await upgrade_if_needed(db_url) is True
    assert await current_revision(db_url) == head_revision()
    assert await upgrade_if_needed(db_url) is False
    assert await current_revision(db_url) == head_revision()


async def test_a_database_behind_the_head_is_migrated_at_start(db_url: str) -> None:
    await upgrade_if_needed(db_url)
    await downgrade(db_url, "0001")
    assert await current_revision(db_url) == "0001"
    assert await upgrade_if_needed(db_url) is True
    assert await current_revision(db_url) == head_revision()
