"""Settings read OJO_* variables, and README and .env.example document every one of them."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings, token_problem
from tests.conftest import ROOT


def _documented(path: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE))


def _fields() -> set[str]:
    return {f"OJO_{name.upper()}" for name in Settings.model_fields}


def test_every_setting_is_in_env_example_and_nothing_else_is() -> None:
    assert _documented(".env.example", r"^(OJO_[A-Z_]+)=") == _fields()


def test_every_setting_is_in_the_readme_settings_table_and_nothing_else_is() -> None:
    assert _documented("README.md", r"^\| `(OJO_[A-Z_]+)` \|") == _fields()


def test_variables_are_read_with_the_ojo_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OJO_MODERATORS", "11, 22")
    monkeypatch.setenv("OJO_DEFAULT_COUNTRY", "mx")
    monkeypatch.setenv("OJO_MODERATOR_CHAT", "")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.moderators == [11, 22]
    assert s.default_country == "MX"
    assert s.moderator_chat is None


def test_the_database_defaults_to_a_sqlite_file_under_the_data_dir(tmp_path: object) -> None:
    s = Settings(_env_file=None, data_dir="somewhere")  # type: ignore[call-arg]
    assert s.db_url.startswith("sqlite+aiosqlite:///")
    assert s.db_url.endswith("somewhere/ojo.sqlite3")


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (None, "is not set"),
        ("", "is not set"),
        ("not a token", "does not look like"),
        ("123:abc", None),
        ("123456789:AAFakeToken-abc_123", None),
    ],
)
def test_a_missing_or_malformed_token_is_explained_in_one_line(
    token: str | None, problem: str | None
) -> None:
    s = Settings(_env_file=None, telegram_token=token)  # type: ignore[call-arg]
    found = token_problem(s)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
        assert "\n" not in found
