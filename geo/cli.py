"""``netcomplaint hotspots --from T --to T [--out F.geojson]``: the hotspot FeatureCollection."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from netcomplaint.errors import InputError
from netcomplaint.runtime import cli_errors, database, err_console
from netcomplaint.settings import get_settings


def parse_time(text: str, option: str, default_tz: str) -> datetime:
    """ISO 8601; without an offset the configured default zone (UTC unless set)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option}: not an ISO 8601 time: {text!r}", field=option) from None
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(default_tz))
        except ZoneInfoNotFoundError:
            raise InputError(f"unknown time zone {default_tz!r}", field="tz") from None
    return moment


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""

    @app.command("hotspots")
    @cli_errors
    def hotspots(
        start: Annotated[
            str, typer.Option("--from", help="start of the period (ISO 8601, inclusive)")
        ],
        end: Annotated[str, typer.Option("--to", help="end of the period (ISO 8601, exclusive)")],
        out: Annotated[
            Path | None,
            typer.Option("--out", help="write the GeoJSON here (default: standard output)"),
        ] = None,
        cause: Annotated[
            str | None, typer.Option("--cause", help="only complaints of this cause")
        ] = None,
        resolution: Annotated[
            int | None,
            typer.Option(
                "--resolution", min=0, max=15, help="h3 resolution (default: configured/auto)"
            ),
        ] = None,
    ) -> None:
        """Complaint hotspots (Getis-Ord Gi* on an h3 grid, FDR-corrected) as RFC 7946 GeoJSON."""
        from geo.hotspots import hotspots_geojson

        settings = get_settings()
        begin = parse_time(start, "from", settings.default_tz)
        finish = parse_time(end, "to", settings.default_tz)
        with database(settings) as conn:
            collection = hotspots_geojson(conn, begin, finish, cause=cause, resolution=resolution)
        text = json.dumps(collection, ensure_ascii=False)
        if out is None:
            typer.echo(text)
        else:
            try:
                out.write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                message = f"--out: cannot write {out}: {exc.strerror}"
                raise InputError(message, field="out") from None
        meta = collection["metadata"]
        exposure = meta["exposure"]["kind"] or "none (counts)"
        err_console.print(
            f"{meta['hotspots']} hotspots from {meta['complaints']} complaints "
            f"(h3 res {meta['grid']['resolution']}, exposure {exposure})"
            + (f" written to {out}" if out else "")
        )
