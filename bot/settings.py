"""Ojo's one settings object (pydantic-settings, prefix OJO_, reads .env)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_SHAPE = r"^\d+:[A-Za-z0-9_-]+$"  # noqa: S105 (a shape, not a secret)


class Settings(BaseSettings):
    """Every OJO_* variable; each one is documented in .env.example and the README."""

    model_config = SettingsConfigDict(
        env_prefix="OJO_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )

    telegram_token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL; the token is appended (python-telegram-bot base_url).",
    )
    telegram_file_url: str = Field(
        default="https://api.telegram.org/file/bot",
        description="Bot API file URL; the token is appended (base_file_url).",
    )
    data_dir: Path = Field(default=Path("data"), description="Where SQLite and model caches live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default sqlite+aiosqlite:///<data_dir>/ojo.sqlite3.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL; enables the scaled mode (job queue, shared limits)."
    )
    moderators: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids of the moderators (comma list)."
    )
    moderator_chat: int | None = Field(
        default=None, description="Chat id where reports and trend alerts are posted."
    )
    whisper_model: str = Field(
        default="base", description="Speech model: base (default, es+en), tiny.en, or a path."
    )
    whisper_allow_download: bool = Field(
        default=False, description="Let faster-whisper fetch other model names from the hub."
    )
    whisper_threads: int = Field(default=2, ge=1, description="CPU threads for transcription.")
    paraphrase: bool = Field(default=True, description="Use the sentence-encoder layer.")
    default_country: str | None = Field(
        default=None, description="ISO country for reporting channels when the user set none."
    )
    webhook_url: str | None = Field(default=None, description="Public URL for webhook mode.")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Secret token Telegram sends with each webhook call."
    )
    web_host: str = Field(default="127.0.0.1", description="Bind address of the web server.")
    web_port: int = Field(default=8080, description="Port of /healthz, /metrics, webhook.")
    public_url: str | None = Field(
        default=None,
        description="Base URL of the console links; default http://<web_host>:<web_port>.",
    )
    console_secret: SecretStr | None = Field(
        default=None,
        description="Key signing console links and sessions; default derived from the token.",
    )
    console_session_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="Hours a console session lasts."
    )
    content_dir: Path | None = Field(default=None, description="Content pack directory.")
    max_media_seconds: int = Field(default=600, ge=5, description="Longer media: cut here.")
    media_workers: int = Field(default=1, ge=1, description="Parallel media analyses.")
    media_queue: int = Field(default=20, ge=1, description="Media jobs waiting at most.")
    media_timeout: float = Field(default=180.0, gt=0, description="Seconds per media job.")
    user_rate: int = Field(default=20, ge=1, description="Checks per user per minute.")
    cache_ttl_hours: int = Field(default=24 * 7, ge=1, description="Verdict cache lifetime.")
    report_retention_days: int = Field(default=90, ge=1, description="Reports kept this long.")
    trend_users: int = Field(
        default=5, ge=2, description="Distinct users forwarding the same unknown item: alert."
    )
    trend_hours: int = Field(
        default=6, ge=1, description="Window in hours for counting those users (trend alerts)."
    )
    hash_secret: SecretStr = Field(
        default=SecretStr("ojo-local"),
        description="Key for hashing user ids in reports and trends (set it in production).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Logging level."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines: text, or json (one object per line, for shippers)."
    )

    @field_validator("moderators", mode="before")
    @classmethod
    def _split_ids(cls, v: object) -> object:
        if isinstance(v, str):
            return [int(x) for x in v.replace(";", ",").split(",") if x.strip()]
        if isinstance(v, int):
            return [v]
        return v

    @field_validator("default_country")
    @classmethod
    def _upper(cls, v: str | None) -> str | None:
        return v.upper() if v else None

    @property
    def console_url(self) -> str:
        """The console's base URL (OJO_PUBLIC_URL, else the web server's own address)."""
        base = self.public_url or f"http://{self.web_host}:{self.web_port}"
        return base.rstrip("/") + "/console"

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to a SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'ojo.sqlite3').resolve()}"


def token_problem(settings: Settings) -> str | None:
    """A friendly problem description when the token is missing or malformed."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        return "OJO_TELEGRAM_TOKEN is not set: get a token from @BotFather and put it in .env"
    if not re.fullmatch(TOKEN_SHAPE, settings.telegram_token.get_secret_value()):
        return "OJO_TELEGRAM_TOKEN does not look like a bot token (it should be 123456:ABC-...)"
    return None
