"""A console login link is spent once, across replicas sharing the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.settings import Settings
from bot.storage.db import create_engine, session_maker, upgrade
from bot.web.console import auth


async def test_a_login_link_spent_by_one_replica_is_refused_by_another(db_url: str) -> None:
    await upgrade(db_url)
    s = Settings(_env_file=None, telegram_token="123:abc")  # type: ignore[call-arg]
    signed = auth.check_login(s, auth.login_token(s, 42))
    assert isinstance(signed, auth.Signed)
    one, two = create_engine(db_url), create_engine(db_url)
    try:
        first, second = session_maker(one), session_maker(two)
        assert not await auth.was_spent(second, signed)
        assert await auth.spend(first, signed)
        assert await auth.was_spent(second, signed)
        assert not await auth.spend(second, signed)
        assert not await auth.spend(first, signed)
    finally:
        await one.dispose()
        await two.dispose()


async def test_spent_links_are_forgotten_once_they_would_have_expired(db_url: str) -> None:
    await upgrade(db_url)
    s = Settings(_env_file=None, telegram_token="123:abc")  # type: ignore[call-arg]
    engine = create_engine(db_url)
    try:
        db = session_maker(engine)
        old = auth.check_login(s, auth.login_token(s, 1))
        new = auth.check_login(s, auth.login_token(s, 2))
        assert isinstance(old, auth.Signed) and isinstance(new, auth.Signed)
        assert await auth.spend(db, old, datetime.now(UTC) - timedelta(minutes=30))
        assert await auth.spend(db, new)
        assert not await auth.was_spent(db, old)  # purged: its link is expired anyway
        assert await auth.was_spent(db, new)
    finally:
        await engine.dispose()
