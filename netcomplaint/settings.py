"""Core settings shared by every command and the service.

Each domain keeps its own small settings class (thresholds for diagnostics, grid sizes for geo,
time limits for work orders) beside its code; all read the same ``NETCOMPLAINT_`` environment
prefix, tipg-style, so one ``.env`` or environment configures the whole product.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROLES = ("agent", "engineer", "planner", "admin")

NC_CONFIG = SettingsConfigDict(
    env_prefix="NETCOMPLAINT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
)


class CoreSettings(BaseSettings):
    model_config = NC_CONFIG

    database_url: str | None = Field(
        default=None, description="postgresql://… of an existing server; unset = embedded server"
    )
    data_dir: Path = Field(default=Path(".netcomplaint"), description="embedded database and keys")
    api_keys: SecretStr = Field(default=SecretStr(""), description="key:role,key:role,…")
    pii_key: SecretStr | None = Field(default=None, description="HMAC key for MSISDNs")
    default_tz: str = Field(default="UTC", description="zone for timestamps without an offset")
    connect_timeout_s: float = Field(default=5.0, gt=0)
    pool_min_size: int = Field(default=2, ge=1)
    pool_max_size: int = Field(default=16, ge=1)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    log_level: str = "INFO"

    @field_validator("default_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone (use an IANA name like Asia/Shanghai)"
            ) from None
        return value

    def default_zone(self) -> tzinfo:
        """The zone of timestamps given without an offset (``default_tz``; UTC as ``UTC``)."""
        return UTC if self.default_tz == "UTC" else ZoneInfo(self.default_tz)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("NETCOMPLAINT_DATABASE_URL must start with postgresql://")
        return value

    def parsed_api_keys(self) -> dict[str, str]:
        """Return {key: role}; raise ValueError naming the bad entry."""
        keys: dict[str, str] = {}
        for entry in self.api_keys.get_secret_value().split(","):
            entry = entry.strip()
            if not entry:
                continue
            key, sep, role = entry.rpartition(":")
            if not sep or not key or role not in ROLES:
                raise ValueError(
                    f"NETCOMPLAINT_API_KEYS entry {entry[:4]}… must be key:role, role one of "
                    + "|".join(ROLES)
                )
            keys[key] = role
        return keys


@lru_cache(maxsize=1)
def get_settings() -> CoreSettings:
    return CoreSettings()
