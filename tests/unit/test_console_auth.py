"""Console links, sessions and CSRF tokens: signed, expiring, not interchangeable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from bot.settings import Settings
from bot.web.console import auth

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def settings(**values: object) -> Settings:
    """Settings with a token, no .env."""
    base: dict[str, object] = {"telegram_token": "123:abc", "web_port": 8181}
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


def token_of(link: str) -> str:
    """The t= parameter of a login link."""
    return link.split("t=", 1)[1]


def test_a_login_link_points_at_the_public_url_and_names_its_moderator() -> None:
    s = settings(public_url="https://ojo.example.org/")
    link = auth.login_link(s, 42, NOW)
    assert link.startswith("https://ojo.example.org/console/login?t=42.")
    got = auth.check_login(s, token_of(link), NOW + timedelta(minutes=9))
    assert isinstance(got, auth.Signed)
    assert got.user_id == 42


def test_without_a_public_url_links_use_the_web_servers_own_address() -> None:
    assert settings().console_url == "http://127.0.0.1:8181/console"


def test_a_login_link_expires_after_ten_minutes() -> None:
    s = settings()
    token = auth.login_token(s, 42, NOW)
    assert auth.check_login(s, token, NOW + timedelta(minutes=10)) == "expired"


def test_a_changed_user_id_expiry_or_signature_is_a_forgery() -> None:
    s = settings()
    uid, exp, nonce, mac = auth.login_token(s, 42, NOW).split(".")
    later = str(int(exp) + 3600)
    for forged in (
        f"43.{exp}.{nonce}.{mac}",
        f"{uid}.{later}.{nonce}.{mac}",
        f"{uid}.{exp}.{nonce}.{mac[:-2]}xx",
        "garbage",
        "",
    ):
        assert auth.check_login(s, forged, NOW) == "forged", forged


def test_another_deployments_key_does_not_open_this_one() -> None:
    token = auth.login_token(settings(hash_secret=SecretStr("a")), 42, NOW)
    assert auth.check_login(settings(hash_secret=SecretStr("b")), token, NOW) == "forged"
    mine = settings(console_secret=SecretStr("console-key"))
    assert auth.check_login(mine, auth.login_token(mine, 42, NOW), NOW) != "forged"


def test_a_session_cookie_is_not_a_login_token_and_expires_after_the_session_hours() -> None:
    s = settings(console_session_hours=2)
    cookie = auth.session_cookie(s, 42, NOW)
    assert auth.check_login(s, cookie, NOW) == "forged"
    assert auth.check_session(s, auth.login_token(s, 42, NOW), NOW) is None
    assert auth.check_session(s, cookie, NOW + timedelta(hours=1)) is not None
    assert auth.check_session(s, cookie, NOW + timedelta(hours=2)) is None


def test_a_csrf_token_belongs_to_one_session() -> None:
    s = settings()
    one = auth.check_session(s, auth.session_cookie(s, 42, NOW), NOW)
    two = auth.check_session(s, auth.session_cookie(s, 42, NOW), NOW)
    assert one is not None and two is not None
    assert auth.csrf_ok(s, one, auth.csrf_token(s, one))
    assert not auth.csrf_ok(s, two, auth.csrf_token(s, one))
    assert not auth.csrf_ok(s, one, "")
