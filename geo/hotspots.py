"""Complaint hotspots from the database as GeoJSON — the domain's public entry point.

``hotspots_geojson(conn, start, end, *, cause=None)`` is used by the API (``GET /v1/hotspots``),
the CLI (``netcomplaint hotspots``), the map and the planners' report. It reads the positions of
the period's complaints, the exposure, runs :func:`geo.detect.detect_hotspots` and adds each
hotspot's context (:mod:`geo.enrich`).

Exposure: MR samples per grid (``mr_grid.samples``, all serving cells) over the days of the
period — MR volume follows traffic, so it is what complaints should be proportional to where
nothing is wrong. If the period has no MR data the whole MR history is used; with no MR data at
all the statistic runs on counts, and the ``metadata.exposure`` member says which it was.
(Subscribers have no location in the schema, so subscriber counts per grid are not available.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from geo.detect import detect_hotspots
from geo.enrich import enrich
from geo.exposure import Exposure
from geo.geojson import feature_collection, geometries, shapes
from geo.queries import MrGrid, complaint_points, mr_grid
from geo.settings import GeoSettings, get_geo_settings
from netcomplaint.errors import InputError
from storage.db import Conn

CAUSES = (
    "terminal_sim",
    "weak_coverage",
    "interference",
    "congestion",
    "outage",
    "roaming_registration",
    "no_fault_found",
)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _exposure(mr: MrGrid) -> Exposure | None:
    if len(mr.cells) == 0 or float(mr.samples.sum()) <= 0:
        return None
    span = f"{mr.first_day}..{mr.last_day}"
    return Exposure.from_grid(
        mr.cells,
        mr.samples,
        kind="mr_samples",
        description=(
            f"MR samples per h3 grid (mr_grid.samples, all cells), days {span}"
            + (" (the period had no MR data: all MR days used)" if mr.fallback else "")
        ),
    )


def hotspots_geojson(
    conn: Conn,
    start: datetime,
    end: datetime,
    *,
    cause: str | None = None,
    settings: GeoSettings | None = None,
    resolution: int | None = None,
) -> dict[str, Any]:
    """RFC 7946 FeatureCollection of the hotspots of complaints reported in [start, end).

    ``cause`` keeps only complaints whose diagnosis has that primary cause. ``resolution``
    overrides the configured/automatic h3 resolution.
    """
    settings = settings or get_geo_settings()
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise InputError("to: must be after from", field="to")
    if cause is not None and cause not in CAUSES:
        raise InputError(f"cause: must be one of {'|'.join(CAUSES)}", field="cause")
    if resolution is not None and not 0 <= resolution <= 15:
        raise InputError("resolution: must be 0–15", field="resolution")
    prev_start = start - (end - start)
    lat, lon = complaint_points(conn, start, end, cause)
    # The database aggregates MR while numpy indexes the points (two processes, two CPUs).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(mr_grid, conn, start, end, cache_s=settings.mr_cache_s)
        result = detect_hotspots(
            lat,
            lon,
            exposure=lambda: _exposure(pending.result()),
            resolution=resolution,
            settings=settings,
        )
        mr = pending.result()
    exposure = _exposure(mr)
    geoms = geometries(result)
    extra = enrich(conn, result, shapes(geoms), mr, (prev_start, start, end), cause, settings)
    metadata = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "previous_period": {"from": prev_start.isoformat(), "to": start.isoformat()},
        "cause": cause,
        "exposure": {
            "kind": exposure.kind if exposure else None,
            "normalised": exposure is not None,
            "description": exposure.description
            if exposure
            else "none known (no MR grid data): hotspots are hexagons with more complaints "
            "than the study area's average, not rates",
        },
    }
    return feature_collection(result, geoms=geoms, extra=extra, metadata=metadata)
