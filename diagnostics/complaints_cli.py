"""``netcomplaint ingest complaints FILE…``: bulk complaints CSV, each stored and diagnosed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from diagnostics.chunked import unknown_cells_note
from diagnostics.models import SYMPTOMS, ComplaintIn
from diagnostics.parallel import diagnose_parts
from diagnostics.service import BatchResult, store_batch, submit_batch
from diagnostics.settings import get_diag_settings
from kpi_ingest import values as v
from kpi_ingest.csvsource import Column, FileReport, parse_columns_option, read_rows
from kpi_ingest.reference_cli import options_key
from kpi_ingest.run import ingest_files
from netcomplaint.privacy import pii_key
from netcomplaint.runtime import cli_errors, database
from netcomplaint.settings import get_settings
from storage.db import Conn, resolve_url

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
    """The file's complaints. A row repeating an earlier one (same external_id, same values) is
    counted as repeated; one with the same external_id and other values is rejected, naming the
    line kept: the first, as the API keeps the first of a repeated external_id."""
    complaints: list[ComplaintIn] = []
    first: dict[str, tuple[int, ComplaintIn]] = {}
    for line, row in read_rows(path, complaint_columns(tz), report, rename):
        data: dict[str, Any] = {k: val for k, val in row.items() if val is not None}
        try:
            complaint = ComplaintIn.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error.get("loc", ())) or None
            report.reject_row(
                line, field, str(error.get("msg", "invalid")).removeprefix("Value error, ")
            )
            continue
        earlier = first.setdefault(complaint.external_id, (line, complaint))
        if earlier[0] == line:
            complaints.append(complaint)
        elif earlier[1] == complaint:
            report.repeated += 1
        else:
            report.reject_row(
                line,
                "external_id",
                f"{complaint.external_id!r} repeats line {earlier[0]} with other values "
                "(the first is kept)",
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
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=0,
            max=64,
            help="diagnose each file in N processes once it is stored; 0: one per core for a "
            "file of 2,000 complaints or more [default: NETCOMPLAINT_DIAGNOSIS_PROCESSES, 0]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Load bulk complaint CSV files: store and diagnose each complaint (set-based batches)."""
    rename = parse_columns_option(columns)
    settings = get_settings()
    diag_settings = get_diag_settings()
    zone_name = tz or settings.default_tz
    v.zone(zone_name)  # unknown zone: one clear error before any file is read
    key = pii_key(settings)
    total = BatchResult()
    to_diagnose: list[str] = []  # ids of the files committed first, diagnosed in processes after
    workers = 1
    inferred = 0  # complaints whose symptom was read from the description

    def load(conn: Conn, path: Path, report: FileReport) -> int:
        complaints = read_complaints(path, report, rename, zone_name)
        if strict and report.errors:
            return 0  # the runner rejects the file
        nonlocal inferred
        inferred += sum(1 for c in complaints if c.symptom_inferred)
        nonlocal workers
        wanted = diag_settings.processes_for(len(complaints), processes)
        if wanted > 1:
            result, ids = store_batch(conn, complaints, key=key)
            to_diagnose.extend(ids)  # a file rolled back leaves ids that are skipped
            workers = max(workers, wanted)
        else:
            result = submit_batch(conn, complaints, settings=diag_settings, key=key)
        total.add(result)
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
        if to_diagnose:
            url = resolve_url(settings)
            total.add(diagnose_parts(conn, url, to_diagnose, diag_settings, workers))
    typer.echo(run.summary())
    typer.echo(total.summary())
    if inferred:
        typer.echo(
            f"note: {inferred} complaint(s) gave no symptom of the contract's "
            f"({'|'.join(SYMPTOMS)}): read from the description",
            err=True,
        )
    if (note := unknown_cells_note(total.unknown_cells)) is not None:
        typer.echo(f"note: {note}", err=True)
    for error in dict.fromkeys(total.errors):  # kept stored; retried later
        typer.echo(f"diagnosis failed: {error} (retry: netcomplaint diagnose --pending)", err=True)
    if run.failed:
        raise typer.Exit(1)


def register(ingest_app: typer.Typer) -> None:
    """Add the commands to the ``ingest`` group."""
    ingest_app.command("complaints")(complaints_command)
