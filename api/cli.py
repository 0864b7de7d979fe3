"""``netcomplaint serve``: the HTTP service (uvicorn), with JSON-line logs on stderr."""

from __future__ import annotations

import typer

from api.settings import ApiSettings
from netcomplaint.errors import ConfigurationError
from netcomplaint.runtime import cli_errors, err_console
from netcomplaint.settings import CoreSettings, get_settings


def run_server(settings: CoreSettings, host: str, port: int) -> None:
    """Serve the API until interrupted (``serve`` and ``demo`` both use this)."""
    import uvicorn

    from api.app import create_app
    from api.logs import configure_logging

    api = ApiSettings()
    try:
        keys = settings.parsed_api_keys()
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    configure_logging(settings.log_level, json_lines=api.log_json)
    if not keys:
        err_console.print(
            "warning: NETCOMPLAINT_API_KEYS is empty: every /v1 request will be refused (401)"
        )
    err_console.print(f"serving on http://{host}:{port} (API docs at http://{host}:{port}/docs)")
    uvicorn.run(
        create_app(settings, api),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
        backlog=2048,
        timeout_keep_alive=30,
    )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""

    @app.command("serve")
    @cli_errors
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="port to listen on"),
    ) -> None:
        """The HTTP service: the /v1 API, OpenAPI at /docs, /metrics, /healthz, /readyz."""
        run_server(get_settings(), host, port)
