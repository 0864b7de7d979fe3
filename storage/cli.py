"""``netcomplaint db …``"""

from __future__ import annotations

import json

import typer

from netcomplaint.runtime import cli_errors, err_console
from netcomplaint.settings import get_settings
from storage.db import connect, describe_url, resolve_url
from storage.migrate import latest_version, migrate
from storage.status import database_status

db_app = typer.Typer(help="Create, upgrade and inspect the database.", no_args_is_help=True)


@db_app.command("init")
@cli_errors
def init_command() -> None:
    """Create or upgrade the schema (idempotent)."""
    settings = get_settings()
    url = resolve_url(settings)
    with connect(settings, url, autocommit=True) as conn:
        applied = migrate(conn)
    target = describe_url(url)
    if applied:
        typer.echo(
            f"schema at version {latest_version()} on {target}: applied {', '.join(applied)}"
        )
    else:
        typer.echo(f"schema already at version {latest_version()} on {target}")


@db_app.command("status")
@cli_errors
def status_command(
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Database in use, schema version, TimescaleDB on/off, row count per table."""
    settings = get_settings()
    url = resolve_url(settings)
    where = describe_url(url) if settings.database_url else f"embedded ({settings.data_dir})"
    with connect(settings, url, autocommit=True) as conn:
        status = database_status(conn, where)
    if as_json:
        typer.echo(json.dumps(status.as_json()))
        return
    version = status.schema_version if status.schema_version is not None else "none (run db init)"
    typer.echo(f"database: {status.database}")
    typer.echo(f"schema version: {version}")
    typer.echo(f"timescaledb: {'on' if status.timescaledb else 'off'}")
    for table, rows in status.tables.items():
        typer.echo(f"  {table:<24} {rows:>12,}")
    if status.schema_version is None:
        err_console.print("the schema is not created yet: run `netcomplaint db init`")
