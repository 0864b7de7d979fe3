"""``netcomplaint serve``: the HTTP service (uvicorn), with JSON-line logs on stderr.

Several processes by default, one per CPU core (at most 8): Python runs one diagnosis batch at a
time per process. ``--workers N`` (``NETCOMPLAINT_API_WORKERS``) sets how many; with 1 this
process serves alone. With more, uvicorn runs them on one port, and this process first resolves
the database (it starts and keeps the embedded server) and the PII key and hands every setting to
the workers through the environment, so they all use the same server and key; the metrics of all
workers are added up at ``/metrics`` (prometheus_client's multiprocess mode, in a directory
removed on exit).
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

from api.settings import ApiSettings
from netcomplaint.errors import ConfigurationError
from netcomplaint.runtime import cli_errors, err_console
from netcomplaint.settings import CoreSettings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def run_server(settings: CoreSettings, host: str, port: int, workers: int | None = None) -> None:
    """Serve the API until interrupted (``serve`` and ``demo`` both use this)."""
    from api.app import create_app
    from api.logs import configure_logging

    api = ApiSettings()
    workers = api.server_processes(workers)
    try:
        keys = settings.parsed_api_keys()
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    configure_logging(settings.log_level, json_lines=api.log_json)
    if not keys:
        err_console.print(
            "warning: NETCOMPLAINT_API_KEYS is empty: every /v1 request will be refused (401)"
        )
    err_console.print(
        f"serving on http://{host}:{port} (API docs at http://{host}:{port}/docs)"
        + (f" with {workers} worker processes" if workers > 1 else "")
    )
    _exit_on_sigterm()
    if workers == 1:
        _uvicorn(create_app(settings, api), settings, host, port)
        return
    with tempfile.TemporaryDirectory(prefix="netcomplaint-metrics-") as metrics_dir:
        os.environ.update(worker_environment(settings, Path(metrics_dir)))
        _uvicorn("api.app:create_worker_app", settings, host, port, workers=workers, factory=True)


def _exit_on_sigterm() -> None:
    """uvicorn shuts down on SIGTERM, then raises it again for its default action, which ends the
    process on the spot: no ``atexit``, and the embedded PostgreSQL this process started (the
    wheel stops it from ``atexit``) ran on after ``serve --workers 1`` (gen 28). Exit the Python
    way instead, with the same status (128 + 15)."""

    def _exit(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    main = threading.current_thread() is threading.main_thread()
    if main and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit)


def worker_environment(settings: CoreSettings, metrics_dir: Path) -> dict[str, str]:
    """Every core setting as ``NETCOMPLAINT_…`` variables, with the database resolved here (the
    embedded server is started by this process and outlives the workers) and the PII key made."""
    from netcomplaint.privacy import pii_key
    from storage.db import resolve_url

    values = settings.model_dump()
    values["database_url"] = resolve_url(settings)
    values["pii_key"] = pii_key(settings).decode()
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    for name, value in values.items():
        if value is not None:
            secret = getattr(value, "get_secret_value", None)
            environment[f"NETCOMPLAINT_{name.upper()}"] = str(secret() if secret else value)
    return environment


def _uvicorn(
    app: FastAPI | str,
    settings: CoreSettings,
    host: str,
    port: int,
    *,
    workers: int | None = None,
    factory: bool = False,
) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
        backlog=2048,
        timeout_keep_alive=30,
        workers=workers,
        factory=factory,
    )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""

    @app.command("serve")
    @cli_errors
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="port to listen on"),
        workers: int | None = typer.Option(
            None,
            "--workers",
            min=1,
            max=64,
            help="server processes (default NETCOMPLAINT_API_WORKERS, else one per CPU core)",
        ),
    ) -> None:
        """The HTTP service: the /v1 API, OpenAPI at /docs, /metrics, /healthz, /readyz."""
        run_server(get_settings(), host, port, workers)
