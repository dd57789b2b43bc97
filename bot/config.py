"""Settings, read from the environment and `.env`, validated once at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.mj import AuthStyle, Speed, check_speed

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_TOKEN_INSIDE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what is expected."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    telegram_proxy: str | None = None  # http(s):// or socks5:// for Telegram only; unset: HTTPS_PROXY/ALL_PROXY

    mj_base_url: str
    mj_api_key: SecretStr | None = None
    mj_auth_style: AuthStyle = AuthStyle.BEARER
    mj_speed: Speed = Speed.DEFAULT
    mj_timeout: float = Field(default=30.0, gt=0)
    mj_proxy: str | None = None  # the same for the provider and its image CDN
    mj_callback_base_url: str | None = None  # where the provider reaches our HTTP server; default PUBLIC_URL

    database_path: Path = Path("data/mjbot.sqlite3")
    poll_interval: float = Field(default=3.0, gt=0, le=300)
    job_timeout_minutes: float = Field(default=60.0, gt=0)
    input_timeout_minutes: float = Field(default=15.0, gt=0)
    status_edit_interval: float = Field(default=3.0, ge=0)
    video_weight: int = Field(default=8, ge=1, le=100)  # a video costs about eight images of provider time
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    public_url: str | None = None  # where a TLS proxy makes the bot's HTTP server reachable (the Mini App)
    port: int = Field(default=8080, ge=0, le=65535)
    listen_host: str = "0.0.0.0"
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line, for log collectors
    user_rate_limit: int = Field(default=20, ge=0)  # updates one person may send per minute; 0: no limit

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value().strip()):
            raise ValueError("expected a token from @BotFather, like 123456789:AAH…")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("mj_callback_base_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("mj_base_url", "telegram_api_base_url", "telegram_file_base_url", "mj_callback_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if _TOKEN_INSIDE.search(value):
            raise ValueError("the URL must not contain the bot token (the bot adds it itself)")
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _bot_api_root(cls, value: str) -> str:
        # The token is appended as it is: without /bot it would land in the host's port (InvalidURL).
        if not value.endswith("/bot"):
            raise ValueError("expected the Bot API root ending in /bot, like http://127.0.0.1:8081/bot")
        return value

    @field_validator("telegram_file_base_url")
    @classmethod
    def _bot_file_root(cls, value: str) -> str:
        if not value.endswith("/file/bot"):
            raise ValueError("expected the file root ending in /file/bot, like http://127.0.0.1:8081/file/bot")
        return value

    @field_validator("telegram_proxy", "mj_proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme.lower() not in _PROXY_SCHEMES or not parts.hostname:
            raise ValueError("expected a proxy URL such as http://host:3128 or socks5://user:password@host:1080")
        return value.strip()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        form = value.strip().lower()
        if form not in {"text", "json"}:
            raise ValueError("expected text or json")
        return form

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip().rstrip("/"))
        if parts.scheme != "https":
            raise ValueError("expected an https:// URL (Telegram opens Mini Apps and sends webhooks only over HTTPS)")
        if not parts.netloc or parts.query or parts.fragment:
            raise ValueError("expected a base URL such as https://bot.example.com")
        return value.strip().rstrip("/")

    @field_validator("mj_api_key")
    @classmethod
    def _blank_key_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(value.get_secret_value().strip())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("expected comma-separated numeric Telegram user ids, like 12345,67890")
            return frozenset(int(p) for p in parts)
        return value

    @model_validator(mode="after")
    def _speed_offered(self) -> Settings:
        try:
            check_speed(self.mj_base_url, self.mj_speed)
        except ValueError as exc:
            raise ValueError(f"MJ_SPEED={self.mj_speed.value} does not fit MJ_BASE_URL: {exc}") from None
        return self

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return level


class StorageSettings(BaseSettings):
    """Only where the data lives: what `mjbot healthcheck` needs, without the bot's other settings."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_path: Path = Path("data/mjbot.sqlite3")


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Build settings or raise ConfigError naming every bad setting (never the secret values)."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        reason = str(error["msg"]).removeprefix("Value error, ")
        if not error["loc"]:  # a rule about several settings names them itself
            lines.append(f"{reason}.")
            continue
        name = str(error["loc"][0]).upper()
        if error["type"] == "missing":
            lines.append(f"{name} is required but not set (put it in .env or the environment).")
        else:
            lines.append(f"{name} is invalid: {reason}.")
    return "Configuration error:\n  " + "\n  ".join(lines)
