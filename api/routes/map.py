"""The interactive map: the page (``GET /map``, no auth — it asks for a key), its assets (Leaflet
and MarkerCluster served from their xstatic packages, our JS/CSS from ``geo/static``), and the
read-only layer data under ``/v1/map/…`` (planner or engineer)."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from api.deps import Conn, require_role
from api.errors import COMMON_ERRORS, error_responses
from api.params import BBox, BBoxQuery, CauseQuery, TimeRangeQuery
from geo import mapdata
from geo.kpistate import DEFAULT_MAP_KPI, KPIS
from geo.settings import get_geo_settings
from netcomplaint.errors import InputError, NotFoundError

router = APIRouter(tags=["map"])
MapRole = Annotated[str, Depends(require_role("planner", "engineer"))]
Zoom = Annotated[int, Query(ge=0, le=22, description="map zoom (sizes clusters and grids)")]
Kpi = Annotated[str, Query(description="KPI: " + ", ".join(KPIS))]
CAUSE_NAMES = (
    "weak_coverage",
    "interference",
    "congestion",
    "outage",
    "terminal_sim",
    "roaming_registration",
    "no_fault_found",
    "undiagnosed",
)
_ASSET_DIRS = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    "app": Path(str(resources.files("geo").joinpath("static"))),
}
_ASSET_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".map": "application/json",
}


@cache
def _page_template() -> str:
    return resources.files("geo").joinpath("static/map.html").read_text(encoding="utf-8")


@router.get("/map", response_class=HTMLResponse, summary="The interactive map (asks for a key)")
def map_page() -> HTMLResponse:
    settings = get_geo_settings()
    config = {
        "tileUrl": settings.map_tile_url,
        "tileAttribution": settings.map_tile_attribution,
        "defaultDays": settings.map_default_days,
        "maxFeatures": settings.map_max_features,
        "defaultKpi": DEFAULT_MAP_KPI,
        "kpis": [{"name": k.name, "label": k.label, "unit": k.unit} for k in KPIS.values()],
        "causes": list(CAUSE_NAMES),
    }
    text = json.dumps(config).replace("<", "\\u003c")
    return HTMLResponse(
        _page_template().replace("{{CONFIG}}", text),
        headers={"Cache-Control": "no-store", "Content-Security-Policy": _CSP},
    )


_CSP = (
    "default-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'"
)


@router.get("/map/assets/{package}/{path:path}", include_in_schema=False)
def map_asset(package: str, path: str) -> FileResponse:
    base = _ASSET_DIRS.get(package)
    if base is None:
        raise NotFoundError(f"no asset package {package!r}")
    target = (base / path).resolve()
    if not target.is_relative_to(base.resolve()) or not target.is_file():
        raise NotFoundError(f"no asset {package}/{path}")
    return FileResponse(
        target,
        media_type=_ASSET_TYPES.get(target.suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _box(area: Any) -> mapdata.Box:
    box: BBox | None = area.bbox
    if box is None:
        return mapdata.Box(-180.0, -90.0, 180.0, 90.0)
    if box.min_lon > box.max_lon:
        raise InputError("bbox: the map does not take boxes across the antimeridian", field="bbox")
    return mapdata.Box(box.min_lon, box.min_lat, box.max_lon, box.max_lat)


def _period(when: Any) -> tuple[Any, Any]:
    start, end = when.resolve(timedelta(days=get_geo_settings().map_default_days))
    return start, end


@router.get(
    "/v1/map/session",
    summary="Who is signed in, and what the map opens on",
    responses=COMMON_ERRORS,
)
def map_session(conn: Conn, role: MapRole) -> dict[str, Any]:
    info = mapdata.session(conn, get_geo_settings().map_default_days)
    return {"role": role, "hotspots": role in ("planner", "admin"), **info}


@router.get(
    "/v1/map/cells", summary="Cell sectors (or site clusters) in a box", responses=COMMON_ERRORS
)
def map_cells(conn: Conn, _: MapRole, area: BBoxQuery, zoom: Zoom = 12) -> dict[str, Any]:
    return mapdata.cells(conn, _box(area), zoom, get_geo_settings().map_max_features)


@router.get(
    "/v1/map/cell-states",
    summary="One KPI's value and state per cell in a box",
    responses=COMMON_ERRORS,
)
def map_cell_states(
    conn: Conn, _: MapRole, area: BBoxQuery, when: TimeRangeQuery, kpi: Kpi = DEFAULT_MAP_KPI
) -> dict[str, Any]:
    return mapdata.cell_states(conn, _box(area), kpi, *_period(when))


@router.get(
    "/v1/map/cells/{cell_id}/sparkline",
    summary="A cell's KPI over the period",
    responses={**COMMON_ERRORS, **error_responses(404)},
)
def map_sparkline(
    conn: Conn,
    _: MapRole,
    cell_id: Annotated[str, PathParam(min_length=1, max_length=200)],
    when: TimeRangeQuery,
    kpi: Kpi = DEFAULT_MAP_KPI,
) -> dict[str, Any]:
    start, end = _period(when)
    points = get_geo_settings().map_sparkline_points
    return mapdata.sparkline(conn, cell_id, kpi, start, end, points)


@router.get(
    "/v1/map/complaints", summary="Complaints (or clusters) in a box", responses=COMMON_ERRORS
)
def map_complaints(
    conn: Conn,
    _: MapRole,
    area: BBoxQuery,
    when: TimeRangeQuery,
    cause: CauseQuery,
    zoom: Zoom = 12,
) -> dict[str, Any]:
    limit = get_geo_settings().map_max_features
    return mapdata.complaints(conn, _box(area), *_period(when), cause.cause, zoom, limit)


@router.get(
    "/v1/map/complaints/{complaint_id}",
    summary="A complaint with its diagnosis",
    responses={**COMMON_ERRORS, **error_responses(404)},
)
def map_complaint(
    conn: Conn,
    _: MapRole,
    complaint_id: Annotated[str, PathParam(min_length=1, max_length=200)],
) -> dict[str, Any]:
    return mapdata.complaint(conn, complaint_id)


@router.get("/v1/map/mr-grid", summary="MR coverage grid in a box", responses=COMMON_ERRORS)
def map_mr(
    conn: Conn, _: MapRole, area: BBoxQuery, when: TimeRangeQuery, zoom: Zoom = 12
) -> dict[str, Any]:
    settings = get_geo_settings()
    limit, cache_s = settings.map_max_features, settings.mr_cache_s
    return mapdata.mr_layer(conn, _box(area), *_period(when), zoom, limit, cache_s)


@router.get(
    "/v1/map/areas", summary="Known areas and planned cells in a box", responses=COMMON_ERRORS
)
def map_areas(conn: Conn, _: MapRole, area: BBoxQuery) -> dict[str, Any]:
    return mapdata.areas(conn, _box(area))
