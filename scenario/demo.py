"""``netcomplaint demo``: the embedded database, the demo scenario, and the service.

Everything goes through the real commands (``ingest …`` diagnoses complaints as they load), so
the demo exercises the product exactly as a user would. Files already loaded are skipped, so a
second start only re-reads hashes and starts serving.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from pathlib import Path

import typer
from pydantic import SecretStr

from netcomplaint.errors import NetcomplaintError
from netcomplaint.settings import CoreSettings, get_settings

DEMO_SIZE = {"cells": 300, "days": 7, "complaints": 400, "seed": 7}

# Order matters: reference data before what refers to it, complaints (diagnosed on load) last.
INGEST_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cells", ("cells.csv",)),
    ("devices", ("devices.csv",)),
    ("subscribers", ("subscribers.csv",)),
    ("registrations", ("registrations.csv",)),
    ("areas", ("areas.geojson",)),
    ("alarms", ("alarms.csv",)),
    ("kpis", ("kpis.csv",)),
    ("mr", ("mr.csv",)),
    ("complaints", ("complaints.csv",)),
)


def demo_start(today: dt.date) -> dt.date:
    """The Monday that makes a demo week end yesterday or the day before, so it looks current."""
    first = today - dt.timedelta(days=DEMO_SIZE["days"])
    return first - dt.timedelta(days=first.weekday())


def ensure_scenario(directory: Path, today: dt.date) -> Path:
    """Generate the demo scenario once; reuse it afterwards."""
    if (directory / "scenario.json").exists() and (directory / "complaints.csv").exists():
        return directory
    from scenario.generate import generate
    from scenario.settings import parse_params

    directory.mkdir(parents=True, exist_ok=True)
    params = parse_params(
        out=directory,
        seed=DEMO_SIZE["seed"],
        cells=DEMO_SIZE["cells"],
        days=DEMO_SIZE["days"],
        complaints=DEMO_SIZE["complaints"],
        start=demo_start(today),
    )
    typer.echo(f"generating the demo scenario in {directory} …")
    generate(params)
    return directory


def run_command(args: Sequence[str]) -> int:
    """Run one ``netcomplaint`` command in this process; return its exit status."""
    from typer.main import get_command

    from netcomplaint.cli import app

    command = get_command(app)
    try:
        result = command.main(list(args), prog_name="netcomplaint", standalone_mode=False)
    except SystemExit as exc:  # pragma: no cover - click may still exit on usage errors
        return int(exc.code or 0)
    return int(result or 0)


def load_scenario(directory: Path) -> None:
    for kind, names in INGEST_STEPS:
        files = [str(directory / name) for name in names if (directory / name).exists()]
        if not files:
            continue
        status = run_command(["ingest", kind, *files])
        if status != 0:
            raise NetcomplaintError(f"demo: `netcomplaint ingest {kind}` failed (exit {status})")


def demo_api_key(settings: CoreSettings) -> tuple[CoreSettings, str]:
    """Use the configured keys; with none, create (once) an admin key kept in the data dir."""
    keys = settings.parsed_api_keys()
    if keys:
        key = next((k for k, role in keys.items() if role == "admin"), next(iter(keys)))
        return settings, key
    path = Path(settings.data_dir) / "demo-api-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"demo-{secrets.token_urlsafe(18)}\n")
        path.chmod(0o600)
    key = path.read_text().strip()
    return settings.model_copy(update={"api_keys": SecretStr(f"{key}:admin")}), key


def run_demo(host: str, port: int, *, serve: bool = True) -> None:
    settings = get_settings()
    directory = ensure_scenario(Path(settings.data_dir) / "demo-scenario", dt.date.today())
    load_scenario(directory)
    settings, key = demo_api_key(settings)
    base = f"http://{host}:{port}"
    typer.echo("")
    typer.echo(f"netcomplaint demo: {base}")
    typer.echo(f"  map:      {base}/map  (paste the API key when it asks)")
    typer.echo(f"  API docs: {base}/docs")
    typer.echo(f"  API key:  {key}  (role admin; use as 'Authorization: Bearer {key}')")
    typer.echo(f"  try:      curl -H 'Authorization: Bearer {key}' '{base}/v1/work-orders'")
    if serve:
        from api.cli import run_server

        run_server(settings, host, port)
