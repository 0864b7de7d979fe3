"""Knobs of the HTTP service (``NETCOMPLAINT_API_…``), beside the core settings."""

from __future__ import annotations

import os

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

    workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="server processes (``serve --workers``); 0 = one per CPU core, at most 8. "
        "Python runs one diagnosis batch at a time per process, so more use more cores",
    )

    batch_window_ms: float = Field(
        default=5.0,
        ge=0,
        description="how long the diagnosis batcher waits for more complaints after the first "
        "(while a batch runs, the next one fills up anyway)",
    )
    batch_max_size: int = Field(
        default=64, ge=1, description="most complaints diagnosed together in one batch"
    )
    batch_workers: int = Field(
        default=1,
        ge=1,
        le=8,
        description="batches diagnosed at the same time (each with its own connection)",
    )
    batch_wait_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="longest a request waits for its batch before answering 503 (the complaint "
        "stays stored and is diagnosed anyway)",
    )
    batch_timing_log_s: float = Field(
        default=0.0,
        ge=0,
        description="log the batches' sizes and time per phase every this many seconds (0 = off)",
    )

    def server_processes(self, asked: int | None = None) -> int:
        """``asked`` (``serve --workers``), else ``workers``; 0 means one per CPU core (≤ 8)."""
        wanted = asked or self.workers
        return wanted if wanted > 0 else max(1, min(8, os.cpu_count() or 1))
