"""``netcomplaint ingest cells|alarms|subscribers|devices|registrations|areas``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from kpi_ingest.alarms import load_alarms
from kpi_ingest.areas import load_areas
from kpi_ingest.csvsource import FileReport, parse_columns_option
from kpi_ingest.reference import SPECS, LoadContext, load_reference_csv
from kpi_ingest.run import IngestRun, ingest_files
from kpi_ingest.values import zone
from netcomplaint.errors import InputError
from netcomplaint.privacy import pii_key
from netcomplaint.runtime import cli_errors, database
from netcomplaint.settings import get_settings
from storage.db import Conn

Files = Annotated[list[Path], typer.Argument(help="files to load", show_default=False)]
Columns = Annotated[
    str | None, typer.Option("--columns", help="map foreign headers: SRC=dst,SRC2=dst2")
]
Tz = Annotated[str | None, typer.Option("--tz", help="zone for timestamps without an offset")]
Set = Annotated[
    list[str] | None,
    typer.Option("--set", help="value for a column the file lacks, e.g. --set technology=LTE"),
]
Strict = Annotated[bool, typer.Option("--strict", help="reject a file with any bad row")]


def parse_set_option(values: list[str] | None) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for item in values or []:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise InputError(f"--set {item!r} must look like column=value")
        defaults[column.strip()] = value.strip()
    return defaults


def options_key(columns: str | None, tz: str | None, defaults: list[str] | None) -> str:
    """What, besides its bytes, decides how a file is read."""
    return f"columns={columns or ''};tz={tz or ''};set={','.join(sorted(defaults or []))}"


def finish(run: IngestRun) -> None:
    typer.echo(run.summary())
    if run.failed:
        raise typer.Exit(1)


def _context(tz: str | None, defaults: dict[str, str]) -> LoadContext:
    settings = get_settings()
    return LoadContext(zone(tz or settings.default_tz), pii_key(settings), defaults)


def _csv_command(kind: str) -> Callable[..., None]:
    spec = SPECS[kind]

    @cli_errors
    def command(
        files: Files,
        columns: Columns = None,
        tz: Tz = None,
        set_: Set = None,
        strict: Strict = False,
    ) -> None:
        rename = parse_columns_option(columns)
        ctx = _context(tz, parse_set_option(set_))

        def load(conn: Conn, path: Path, report: FileReport) -> int:
            return load_reference_csv(conn, spec, path, report, rename, ctx)

        with database() as conn:
            run = ingest_files(
                conn, kind, files, load, strict=strict, options_key=options_key(columns, tz, set_)
            )
        finish(run)

    command.__doc__ = f"Load {kind} CSV files (contract format; --columns for foreign headers)."
    return command


@cli_errors
def alarms_command(
    files: Files,
    columns: Columns = None,
    tz: Tz = None,
    set_: Set = None,
    strict: Strict = False,
) -> None:
    """Load alarm CSV files or VES fault-event JSON (batched eventList or single events)."""
    rename = parse_columns_option(columns)
    ctx = _context(tz, parse_set_option(set_))

    def load(conn: Conn, path: Path, report: FileReport) -> int:
        return load_alarms(conn, path, report, rename, ctx)

    with database() as conn:
        run = ingest_files(
            conn, "alarms", files, load, strict=strict, options_key=options_key(columns, tz, set_)
        )
    finish(run)


@cli_errors
def areas_command(files: Files, strict: Strict = False) -> None:
    """Load known areas from GeoJSON FeatureCollections (Polygon/MultiPolygon with a 'kind')."""
    with database() as conn:
        run = ingest_files(conn, "areas", files, load_areas, strict=strict)
    finish(run)


def register(ingest_app: typer.Typer) -> None:
    for kind in ("cells", "subscribers", "devices", "registrations"):
        ingest_app.command(kind)(_csv_command(kind))
    ingest_app.command("alarms")(alarms_command)
    ingest_app.command("areas")(areas_command)
