"""``netcomplaint ingest …``: one group, commands registered by their owners."""

from __future__ import annotations

import typer

ingest_app = typer.Typer(help="Load network and reference data (idempotent).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    from diagnostics.complaints_cli import register as register_complaints
    from kpi_ingest.measurements_cli import register as register_measurements
    from kpi_ingest.reference_cli import register as register_reference

    register_reference(ingest_app)
    register_measurements(ingest_app)
    register_complaints(ingest_app)
    app.add_typer(ingest_app, name="ingest")
