"""``GET /v1/hotspots?from&to[&cause][&resolution]`` (planner): RFC 7946 FeatureCollection."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import Conn, PlannerRole
from api.params import CauseQuery, TimeRangeQuery
from geo.hotspots import hotspots_geojson
from geo.settings import get_geo_settings

router = APIRouter(tags=["hotspots"])


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


@router.get(
    "/hotspots",
    summary="Complaint hotspots (Getis-Ord Gi* on h3, FDR-corrected) as GeoJSON",
    response_class=GeoJSONResponse,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def get_hotspots(
    conn: Conn,
    _: PlannerRole,
    when: TimeRangeQuery,
    cause: CauseQuery,
    resolution: Annotated[
        int | None, Query(ge=0, le=15, description="h3 resolution (default: configured/auto)")
    ] = None,
) -> GeoJSONResponse:
    """Hotspots of the complaints reported in [from, to) (default: the last
    ``NETCOMPLAINT_MAP_DEFAULT_DAYS`` days), optionally of one diagnosed cause. Each feature has
    its polygon, complaint count, z and q, causes, serving cells, worst KPIs, MR coverage,
    planned sites and areas, trend against the previous period, and a recommendation;
    ``metadata`` says how the statistic was run and which exposure normalised it."""
    settings = get_geo_settings()
    start, end = when.resolve(timedelta(days=settings.map_default_days))
    collection: dict[str, Any] = hotspots_geojson(
        conn, start, end, cause=cause.cause, settings=settings, resolution=resolution
    )
    return GeoJSONResponse(collection)
