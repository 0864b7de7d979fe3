"""``netcomplaint scenario generate``: a synthetic scenario with truth, in the input formats."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from netcomplaint.runtime import cli_errors, is_terminal

scenario_app = typer.Typer(help="Synthetic scenarios with known truth.", no_args_is_help=True)


@scenario_app.command("generate")
@cli_errors
def generate_command(
    out: str = typer.Option("", "--out", metavar="DIR", help="output directory (required)"),
    seed: str = typer.Option("7", "--seed", metavar="N", help="random seed"),
    cells: str = typer.Option("300", "--cells", metavar="N", help="number of cells"),
    days: str = typer.Option("7", "--days", metavar="N", help="days of data"),
    complaints: str = typer.Option("400", "--complaints", metavar="N", help="complaints"),
    start: str = typer.Option("2025-06-02", "--start", metavar="DATE", help="first day"),
    tz: str = typer.Option("Asia/Shanghai", "--tz", metavar="ZONE", help="local time zone"),
    kpi_format: str = typer.Option(
        "csv", "--kpi-format", metavar="csv|xml|xml.gz", help="KPIs as CSV or 3GPP XML"
    ),
) -> None:
    """Generate cells, KPIs, MR, alarms, subscribers, devices, registrations, areas,
    complaints and truth.csv into --out (same seed: byte-identical files)."""
    from netcomplaint.errors import InputError
    from scenario.generate import generate
    from scenario.settings import parse_params

    if not out:
        raise InputError("--out DIR is required", field="out")
    params = parse_params(
        out=out,
        seed=seed,
        cells=cells,
        days=days,
        complaints=complaints,
        start=start,
        tz=tz,
        kpi_format=kpi_format,
    )
    console = Console(stderr=True, highlight=False)
    t0 = time.monotonic()
    tty = is_terminal()

    def step(name: str) -> None:
        if tty:
            console.print(f"[dim]{time.monotonic() - t0:6.1f}s[/dim] {name}…")

    manifest = generate(params, step=step)
    counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
    size = manifest["sizes"]
    typer.echo(
        f"scenario written to {params.out}: {size['cells']} cells, {size['days']} days, "
        f"{size['complaints']} complaints ({counts}), {size['mr_samples']} MR samples "
        f"in {time.monotonic() - t0:.1f}s"
    )


@cli_errors
def demo_command(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="port to listen on"),
    no_serve: bool = typer.Option(False, "--no-serve", help="load the demo, don't serve"),
) -> None:
    """Embedded database + the demo scenario (generated once, loaded through the real ingest
    commands, complaints diagnosed) + the HTTP service with the map."""
    from scenario.demo import run_demo

    run_demo(host, port, serve=not no_serve)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    from diagnostics.scoring import score_command

    scenario_app.command("score")(score_command)
    app.add_typer(scenario_app, name="scenario")
    app.command("demo")(demo_command)
