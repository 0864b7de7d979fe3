"""``netcomplaint ingest complaints FILE…``: bulk complaints CSV, each stored and diagnosed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from diagnostics.models import ComplaintIn
from diagnostics.service import BatchResult, submit_batch
from kpi_ingest import values as v
from kpi_ingest.csvsource import Column, FileReport, parse_columns_option, read_rows
from kpi_ingest.reference_cli import options_key
from kpi_ingest.run import ingest_files
from netcomplaint.privacy import pii_key
from netcomplaint.runtime import cli_errors, database
from netcomplaint.settings import get_settings
from storage.db import Conn

TEXT_COLUMNS = (
    "msisdn",
    "lat",
    "lon",
    "cell_id",
    "symptom",
    "description",
    "indoor",
    "floor",
    "frequency",
    "neighbours_affected",
    "everywhere",
    "channel",
    "urgent",
)


def complaint_columns(tz: str) -> list[Column]:
    """The CSV columns: times parsed in ``tz`` when they lack an offset; the rest validated by
    ComplaintIn so errors name the field."""
    ts = v.timestamp_parser(v.zone(tz))
    columns = [Column("external_id", v.text), Column("reported_at", ts)]
    columns += [Column(name, v.text, required=name == "msisdn") for name in TEXT_COLUMNS]
    columns += [
        Column("occurred_from", ts, required=False),
        Column("occurred_to", ts, required=False),
    ]
    return columns


def read_complaints(
    path: Path, report: FileReport, rename: dict[str, str], tz: str
) -> list[ComplaintIn]:
    complaints: list[ComplaintIn] = []
    for line, row in read_rows(path, complaint_columns(tz), report, rename):
        data: dict[str, Any] = {k: val for k, val in row.items() if val is not None}
        try:
            complaints.append(ComplaintIn.model_validate(data))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error.get("loc", ())) or None
            report.reject_row(
                line, field, str(error.get("msg", "invalid")).removeprefix("Value error, ")
            )
    return complaints


@cli_errors
def complaints_command(
    files: Annotated[list[Path], typer.Argument(help="complaint CSV files", show_default=False)],
    columns: Annotated[
        str | None, typer.Option("--columns", help="map foreign headers: SRC=dst,…")
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="zone for timestamps without an offset")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="reject a file with any bad row")
    ] = False,
) -> None:
    """Load bulk complaint CSV files: store and diagnose each complaint (set-based batches)."""
    rename = parse_columns_option(columns)
    settings = get_settings()
    zone_name = tz or settings.default_tz
    v.zone(zone_name)  # unknown zone: one clear error before any file is read
    key = pii_key(settings)
    total = BatchResult()

    def load(conn: Conn, path: Path, report: FileReport) -> int:
        complaints = read_complaints(path, report, rename, zone_name)
        if strict and report.errors:
            return 0  # the runner rejects the file
        result = submit_batch(conn, complaints, key=key)
        total.created += result.created
        total.existing += result.existing
        total.diagnosed += result.diagnosed
        total.failed += result.failed
        total.by_cause.update(result.by_cause)
        return result.created

    with database() as conn:
        run = ingest_files(
            conn,
            "complaints",
            files,
            load,
            strict=strict,
            options_key=options_key(columns, tz, None),
        )
    typer.echo(run.summary())
    typer.echo(total.summary())
    if run.failed:
        raise typer.Exit(1)


def register(ingest_app: typer.Typer) -> None:
    """Add the commands to the ``ingest`` group."""
    ingest_app.command("complaints")(complaints_command)
