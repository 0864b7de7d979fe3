"""Knobs of the HTTP service (``NETCOMPLAINT_API_…``), beside the core settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from netcomplaint.settings import NC_CONFIG


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(**{**NC_CONFIG, "env_prefix": "NETCOMPLAINT_API_"})

    db_acquire_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="longest wait for a pooled connection under load before answering 503",
    )
    db_down_acquire_timeout_s: float = Field(
        default=0.25,
        gt=0,
        description="the wait while the database is known to be down (fast 503s)",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1, description="larger request bodies are refused with 422"
    )
    log_json: bool = Field(default=True, description="JSON lines on stderr (false: plain text)")
    retry_interval_s: float = Field(
        default=30.0, ge=0, description="how often failed diagnoses are retried (0 = never)"
    )

