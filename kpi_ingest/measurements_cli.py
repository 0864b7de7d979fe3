"""``netcomplaint ingest kpis|mr|recompute-kpis|regrid-mr``: network measurements."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from kpi_ingest.compressed import open_binary
from kpi_ingest.csvsource import FileReport, parse_columns_option
from kpi_ingest.formulas import FormulaSet, load_formulas
from kpi_ingest.kpi_csv import KpiCsvOptions, load_kpi_csv
from kpi_ingest.mr import MrOptions
from kpi_ingest.mr_loader import GridThresholds, load_mr_file, regrid_all
from kpi_ingest.pm.derive import Deriver
from kpi_ingest.pm.ldn import CellRule
from kpi_ingest.pm.loader import PmContext, load_pm_file
from kpi_ingest.run import IngestRun, expand_paths, ingest_files
from kpi_ingest.settings import IngestSettings, builtin_formulas_path
from kpi_ingest.stats import make_visible
from kpi_ingest.values import parse_date, timestamp_parser, zone
from netcomplaint.errors import FileFormatError, InputError
from netcomplaint.runtime import cli_errors, database, err_console
from netcomplaint.settings import get_settings
from storage.db import Conn

KPI_SUFFIXES = (".xml", ".xml.gz", ".csv", ".csv.gz")
MR_SUFFIXES = (".csv", ".csv.gz")
Files = Annotated[list[Path], typer.Argument(help="files or directories", show_default=False)]
Columns = Annotated[
    str | None, typer.Option("--columns", help="map foreign headers: SRC=dst,SRC2=dst2")
]
Tz = Annotated[str | None, typer.Option("--tz", help="zone for timestamps without an offset")]
Strict = Annotated[bool, typer.Option("--strict", help="reject a file with any bad row or value")]


def _batch(conn: Conn) -> None:
    """Bulk loads run as long as they need: the statement timeout is for the API."""
    conn.execute("SELECT set_config('statement_timeout', '0', false)")
    conn.execute("SET temp_buffers = '256MB'")


def _zone(tz: str | None, conn: Conn) -> str:
    name = tz or get_settings().default_tz
    zone(name)
    known = conn.execute("SELECT 1 FROM pg_timezone_names WHERE name = %s", (name,)).fetchone()
    if known is None and name.upper() != "UTC":
        raise InputError(f"unknown time zone {name!r} for the database (use an IANA name)")
    return name


def _finish(run: IngestRun, notes: list[str]) -> None:
    for note in notes:
        err_console.print(note, markup=False, highlight=False)
    typer.echo(run.summary())
    if run.failed:
        raise typer.Exit(1)


def _is_xml(path: Path) -> bool:
    if path.name.lower().endswith((".xml", ".xml.gz")):
        return True
    if path.name.lower().endswith((".csv", ".csv.gz")):
        return False
    try:
        with open_binary(path) as handle:
            head = handle.read(512)
    except (FileFormatError, OSError):  # unreadable: let the CSV reader say why
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _formulas(settings: IngestSettings) -> FormulaSet:
    return load_formulas(settings.formulas_path(), builtin_formulas_path())


def _config_key(settings: IngestSettings) -> str:
    formulas = settings.formulas_path().read_bytes()
    return hashlib.sha256(
        formulas
        + repr(
            (
                settings.pm_cell_classes,
                settings.pm_cell_id_template,
                settings.pm_bare_ldn_is_cell,
                settings.pm_non_cell,
                settings.pm_suspect,
                settings.pm_snap_s,
            )
        ).encode()
    ).hexdigest()[:16]


@cli_errors
def kpis_command(
    files: Files,
    columns: Columns = None,
    tz: Tz = None,
    day: Annotated[
        str | None, typer.Option("--date", help="date (YYYY-MM-DD) for time-only ts values")
    ] = None,
    strict: Strict = False,
) -> None:
    """Load 3GPP PM XML files (.xml, .xml.gz) and per-cell KPI CSV files; dirs are walked."""
    settings = IngestSettings()
    rename = parse_columns_option(columns)
    the_day: date | None = None
    if day is not None:
        try:
            the_day = parse_date(day)
        except ValueError as exc:
            raise InputError(f"--date: {exc}") from None
    formulas = _formulas(settings)
    rule = CellRule(
        settings.cell_classes(), settings.pm_cell_id_template, settings.pm_bare_ldn_is_cell
    )
    with database() as conn:
        _batch(conn)
        zone_name = _zone(tz, conn)
        csv_options = KpiCsvOptions(rename, zone_name, zone(zone_name), the_day)
        pm = PmContext(
            formulas,
            rule,
            zone(zone_name),
            settings.pm_non_cell == "keep",
            settings.pm_suspect,
            settings.pm_snap_s,
        )
        shas: dict[Path, str] = {}

        def load(conn: Conn, path: Path, report: FileReport) -> int:
            if _is_xml(path):
                return load_pm_file(conn, path, report, pm, shas.get(path, ""))
            return load_kpi_csv(conn, path, report, csv_options)

        key = f"columns={columns or ''};tz={zone_name};date={day or ''};cfg={_config_key(settings)}"
        run = ingest_files(
            conn, "kpis", expand_paths(files, KPI_SUFFIXES), load, strict=strict, options_key=key
        )
        vacuumed = make_visible(conn, "kpis") if run.rows_loaded else None
    notes = [*pm.notes, *([vacuumed] if vacuumed else [])]
    if pm.counter_values or pm.kpi_rows:
        notes.append(
            f"pm: {pm.counter_values:,} counter values parsed and stored in {pm.store_s:.1f} s, "
            f"{pm.kpi_rows:,} KPI rows derived in {pm.derive_s:.1f} s (formulas: {formulas.source})"
        )
    missing = [k for k in formulas.kpis if k not in pm.filled]
    if pm.counter_values and missing:
        unread = sorted(pm.unused)
        hint = f"; counters no formula reads include {', '.join(unread[:8])}" if unread else ""
        notes.append(
            f"pm: no formula gave a value for {', '.join(missing)}{hint}. A vendor's names go in "
            "a formulas file (NETCOMPLAINT_KPI_FORMULAS); then run `netcomplaint ingest "
            "recompute-kpis` (the raw counters are kept)"
        )
    if pm.non_cell_objects:
        examples = ", ".join(sorted(pm.non_cell_objects)[:3])
        action = "kept raw, no KPIs" if settings.pm_non_cell == "keep" else "skipped"
        notes.append(
            f"pm: {len(pm.non_cell_objects):,} measured object(s) are not cells "
            f"({action}; NETCOMPLAINT_PM_NON_CELL), e.g. {examples}"
        )
    _finish(run, notes)


@cli_errors
def mr_command(
    files: Files,
    columns: Columns = None,
    tz: Tz = None,
    time_format: Annotated[
        str | None,
        typer.Option("--time-format", help="strftime layout of ts, e.g. %Y.%m.%d_%H.%M.%S"),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="source name for rows without one")
    ] = None,
    strict: Strict = False,
) -> None:
    """Load geolocated MR / MDT / drive-test sample CSV files and update the coverage grid."""
    settings = IngestSettings()
    rename = parse_columns_option(columns)
    if time_format is not None and "%" not in time_format:
        raise InputError(f"--time-format {time_format!r} needs strftime fields like %Y")
    with database() as conn:
        _batch(conn)
        zone_name = _zone(tz, conn)
        options = MrOptions(
            rename,
            zone_name,
            time_format,
            source,
            settings.mr_h3_resolution,
            settings.mr_chunk_rows,
        )
        thresholds = GridThresholds(settings.weak_rsrp_dbm, settings.poor_sinr_db)

        def load(conn: Conn, path: Path, report: FileReport) -> int:
            return load_mr_file(conn, path, report, options, thresholds)

        key = (
            f"columns={columns or ''};tz={zone_name};fmt={time_format or ''};"
            f"source={source or ''};res={settings.mr_h3_resolution}"
        )
        run = ingest_files(
            conn, "mr", expand_paths(files, MR_SUFFIXES), load, strict=strict, options_key=key
        )
        vacuumed = make_visible(conn, "mr_samples", "mr_grid") if run.rows_loaded else None
    _finish(run, [vacuumed] if vacuumed else [])


@cli_errors
def recompute_kpis_command(
    start: Annotated[str | None, typer.Option("--from", help="first period start (ISO)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="periods starting before (ISO)")] = None,
) -> None:
    """Derive KPIs again from the stored raw PM counters (after editing the formulas)."""
    settings = IngestSettings()
    formulas = _formulas(settings)
    parse = timestamp_parser(zone(get_settings().default_tz))
    bounds: list[datetime | None] = []
    for name, value in (("--from", start), ("--to", end)):
        try:
            bounds.append(parse(value) if value else None)
        except ValueError as exc:
            raise InputError(f"{name}: {exc}") from None
    with database() as conn:
        _batch(conn)
        conn.execute(
            "CREATE TEMP TABLE _pm_all_keys ON COMMIT DROP AS SELECT DISTINCT cell_id, ts, "
            "period_s FROM pm_counters WHERE cell_id IS NOT NULL "
            "AND (%(a)s::timestamptz IS NULL OR ts >= %(a)s) "
            "AND (%(b)s::timestamptz IS NULL OR ts < %(b)s)",
            {"a": bounds[0], "b": bounds[1]},
        )
        result = Deriver(conn, formulas, settings.pm_suspect).derive("_pm_all_keys")
    if result.out_of_range:
        err_console.print(
            f"{result.out_of_range} KPI value(s) out of range stored as NULL, "
            f"e.g. {'; '.join(result.examples)}",
            markup=False,
        )
    typer.echo(
        f"recompute-kpis: {result.kpi_rows:,} KPI rows changed (formulas: {formulas.source})"
    )


@cli_errors
def regrid_mr_command() -> None:
    """Recompute the whole MR coverage grid (after changing the weak/poor thresholds)."""
    settings = IngestSettings()
    with database() as conn:
        _batch(conn)
        rows = regrid_all(conn, GridThresholds(settings.weak_rsrp_dbm, settings.poor_sinr_db))
    typer.echo(f"regrid-mr: {rows:,} grid rows written")


def register(ingest_app: typer.Typer) -> None:
    """Add the commands to the ``ingest`` group."""
    ingest_app.command("kpis")(kpis_command)
    ingest_app.command("mr")(mr_command)
    ingest_app.command("recompute-kpis")(recompute_kpis_command)
    ingest_app.command("regrid-mr")(regrid_mr_command)
