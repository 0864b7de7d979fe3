"""The ``netcomplaint`` command. Each domain registers its own commands; this file only wires."""

from __future__ import annotations

import typer

from storage.cli import db_app

app = typer.Typer(
    name="netcomplaint",
    help="Network-complaint diagnostics: ingest network data, diagnose complaints, serve the API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db_app, name="db")


def _register_domains() -> None:
    # Imported here so `netcomplaint db …` stays fast and a domain's import error names itself.
    from api.cli import register as register_api
    from diagnostics.cli import register as register_diagnostics
    from geo.cli import register as register_geo
    from kpi_ingest.cli import register as register_ingest
    from reports.cli import register as register_reports
    from scenario.cli import register as register_scenario
    from workorders.cli import register as register_workorders

    for register in (
        register_ingest,
        register_diagnostics,
        register_geo,
        register_reports,
        register_api,
        register_scenario,
        register_workorders,
    ):
        register(app)


_register_domains()


def main() -> None:
    app()
