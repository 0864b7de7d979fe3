"""Data behind the map's layers, sized so the browser never gets more than it draws smoothly.

Every layer answers for a box (the visible map) and caps what it returns at
``map_max_features``: beyond that, complaints come as clusters on a square grid whose size
follows the zoom, cells as site clusters, MR grids merged into coarser h3 parents. Responses are
compact rows (lists), not GeoJSON, except hotspots and areas (few polygons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import h3
import numpy as np
from psycopg import sql
from psycopg.rows import dict_row

from diagnostics.settings import get_diag_settings
from geo.h3fast import cell_parents, cell_resolutions
from geo.kpistate import KPIS, summary_query
from geo.queries import MrGrid, mr_grid, sql_text
from netcomplaint.errors import InputError, NotFoundError
from storage.db import Conn

CLUSTER_PX = 48  # complaint cluster square, in screen pixels
HEX_PX = 14  # target MR hexagon edge on screen, in pixels


@dataclass(frozen=True)
class Box:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def params(self) -> dict[str, float]:
        return {
            "min_lon": self.min_lon,
            "min_lat": self.min_lat,
            "max_lon": self.max_lon,
            "max_lat": self.max_lat,
        }


def metres_per_pixel(lat: float, zoom: int) -> float:
    """Web-Mercator ground resolution (256-pixel tiles)."""
    return float(156_543.03 * math.cos(math.radians(lat)) / 2.0**zoom)


def cluster_size_deg(zoom: int) -> float:
    return float(360.0 / 2.0**zoom / 256.0 * CLUSTER_PX)


def session(conn: Conn, default_days: int) -> dict[str, Any]:
    row = conn.cursor(row_factory=dict_row).execute(sql_text("map_session")).fetchone() or {}
    last: datetime | None = row.get("last_complaint")
    bounds = None
    if row.get("min_lat") is not None:
        bounds = [[row["min_lat"], row["min_lon"]], [row["max_lat"], row["max_lon"]]]
    else:
        ext = conn.execute(
            "SELECT min(lat), min(lon), max(lat), max(lon) FROM complaints WHERE lat IS NOT NULL"
        ).fetchone()
        if ext and ext[0] is not None:
            bounds = [[ext[0], ext[1]], [ext[2], ext[3]]]
    period = None
    if last is not None:
        end = (last + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        period = {"from": (end - timedelta(days=default_days)).isoformat(), "to": end.isoformat()}
    first: datetime | None = row.get("first_complaint")
    return {
        "bounds": bounds,
        "period": period,
        "data_period": {
            "from": first.isoformat() if first else None,
            "to": last.isoformat() if last else None,
        },
        "cells": row.get("cells", 0),
    }


def cells(conn: Conn, box: Box, zoom: int, limit: int) -> dict[str, Any]:
    """Sectors (``mode: cells``) or, when more than ``limit``, site clusters (``sites``)."""
    found = conn.execute(sql_text("map_cells_count"), box.params()).fetchone()
    if found is not None and found[0] <= limit:
        rows = conn.execute(sql_text("map_cells"), {**box.params(), "limit": limit}).fetchall()
        return {
            "mode": "cells",
            "fields": [
                "cell_id",
                "site_id",
                "lat",
                "lon",
                "azimuth_deg",
                "beamwidth_deg",
                "technology",
                "status",
                "indoor",
            ],
            "rows": [list(r) for r in rows],
        }
    size = cluster_size_deg(zoom) / 2
    groups = conn.execute(sql_text("map_sites"), {**box.params(), "size": size}).fetchall()
    return {
        "mode": "sites",
        "fields": ["cells", "sites", "lat", "lon", "site_id", "planned"],
        "rows": [list(r) for r in groups],
    }


def cell_states(conn: Conn, box: Box, kpi: str, start: datetime, end: datetime) -> dict[str, Any]:
    """``{cell_id: [value, state]}`` of one KPI over the period for the cells in the box."""
    spec = KPIS.get(kpi)
    if spec is None:
        raise InputError(f"kpi: must be one of {'|'.join(KPIS)}", field="kpi")
    params = {**box.params(), "start": start, "end": end}
    rows = conn.execute(summary_query([kpi], by_cells=False), params).fetchall()
    diag = get_diag_settings()
    states = {
        r[0]: [None if r[1] is None else round(float(r[1]), 3), spec.state(r[1], diag)]
        for r in rows
    }
    return {
        "kpi": kpi,
        "threshold": spec.threshold(diag),
        "unit": spec.unit,
        "high_is_bad": spec.high_is_bad,
        "cells": states,
    }


def sparkline(
    conn: Conn, cell_id: str, kpi: str, start: datetime, end: datetime, points: int
) -> dict[str, Any]:
    spec = KPIS.get(kpi)
    if spec is None:
        raise InputError(f"kpi: must be one of {'|'.join(KPIS)}", field="kpi")
    found = conn.execute(
        "SELECT site_id, technology, status FROM cells WHERE cell_id = %s", (cell_id,)
    ).fetchone()
    if found is None:
        raise NotFoundError(f"no cell {cell_id!r}")
    span = max(1.0, (end - start).total_seconds())
    bucket = max(900, math.ceil(span / points / 900.0) * 900)
    query = sql.SQL(sql_text("map_sparkline")).format(kpi=sql.Identifier(kpi))
    params = {"cell_id": cell_id, "start": start, "end": end, "bucket": bucket}
    rows = conn.execute(query, params).fetchall()
    diag = get_diag_settings()
    values = [None if v is None else round(float(v), 3) for _, v in rows]
    known = [v for v in values if v is not None]
    summary = (max if spec.high_is_bad else min)(known) if known else None
    return {
        "cell_id": cell_id,
        "site_id": found[0],
        "technology": found[1],
        "status": found[2],
        "kpi": kpi,
        "label": spec.label,
        "unit": spec.unit,
        "bucket_s": bucket,
        "threshold": spec.threshold(diag),
        "high_is_bad": spec.high_is_bad,
        "t": [t.isoformat() for t, _ in rows],
        "v": values,
        "worst": summary,
        "state": spec.state(summary, diag),
    }


def complaints(
    conn: Conn,
    box: Box,
    start: datetime,
    end: datetime,
    cause: str | None,
    zoom: int,
    limit: int,
) -> dict[str, Any]:
    """Points (``mode: points``) or, when more than ``limit``, grid clusters (``clusters``)."""
    params: dict[str, Any] = {**box.params(), "start": start, "end": end, "cause": cause}
    size = cluster_size_deg(zoom)
    while True:
        rows = conn.execute(sql_text("map_complaints_clusters"), {**params, "size": size})
        clusters = _clusters(rows.fetchall())
        total = sum(c[0] for c in clusters)
        if total <= limit:
            points = conn.execute(sql_text("map_complaints_points"), {**params, "limit": limit})
            return {
                "mode": "points",
                "total": total,
                "fields": ["complaint_id", "lat", "lon", "cause"],
                "rows": [list(r) for r in points],
            }
        if len(clusters) <= limit:
            break
        size *= 2.0
    return {
        "mode": "clusters",
        "total": total,
        "fields": ["count", "lat", "lon", "cause"],
        "rows": clusters,
    }


def _clusters(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """Merge (square, cause) counts into squares: count, mean position, most frequent cause."""
    squares: dict[tuple[float, float], list[Any]] = {}
    for gy, gx, cause, n, lat_sum, lon_sum in rows:
        entry = squares.setdefault((gy, gx), [0, 0.0, 0.0, None, 0])
        entry[0] += n
        entry[1] += lat_sum
        entry[2] += lon_sum
        if n > entry[4]:
            entry[3], entry[4] = cause, n
    return [
        [n, round(la / n, 6), round(lo / n, 6), cause] for n, la, lo, cause, _ in squares.values()
    ]


def complaint(conn: Conn, complaint_id: str) -> dict[str, Any]:
    row = (
        conn.cursor(row_factory=dict_row)
        .execute(sql_text("map_complaint"), {"complaint_id": complaint_id})
        .fetchone()
    )
    if row is None:
        raise NotFoundError(f"no complaint {complaint_id!r}")
    for key in ("reported_at",):
        if row[key] is not None:
            row[key] = row[key].isoformat()
    return row


def mr_layer(
    conn: Conn, box: Box, start: datetime, end: datetime, zoom: int, limit: int, cache_s: float
) -> dict[str, Any]:
    """MR grids merged to a resolution that suits the zoom: ``[h3, samples, weak, rsrp, ring]``
    (``fallback``: the period had no MR data, so all MR days are shown)."""
    mr = mr_grid(conn, start, end, cache_s=cache_s)
    if len(mr.cells) == 0:
        return {"resolution": None, "rows": []}
    finest = int(cell_resolutions(mr.cells).min())
    lat = (box.min_lat + box.max_lat) / 2
    edge = HEX_PX * metres_per_pixel(lat, zoom)
    res = next(
        (r for r in range(finest, -1, -1) if h3.average_hexagon_edge_length(r, "m") >= edge), 0
    )
    fields = ["h3", "samples", "weak_share", "rsrp_dbm", "boundary"]
    while True:
        out = _mr_rows(mr, res, box, None if res == 0 else limit)
        if out is not None:
            days = [str(mr.first_day), str(mr.last_day)]
            return {
                "resolution": res,
                "days": days,
                "fallback": mr.fallback,
                "fields": fields,
                "rows": out,
            }
        res -= 1


def _mr_rows(mr: MrGrid, res: int, box: Box, limit: int | None) -> list[list[Any]] | None:
    """The rows in the box, or None when there are more than ``limit`` (counted from the
    hexagons' centres first: building every ring of a million fine hexagons only to find there
    are too many took seconds and gigabytes)."""
    parents, where = np.unique(cell_parents(mr.cells, res), return_inverse=True)
    inside = []
    for k, cell in enumerate(parents.tolist()):
        clat, clon = h3.api.basic_int.cell_to_latlng(cell)
        if box.min_lat <= clat <= box.max_lat and box.min_lon <= clon <= box.max_lon:
            inside.append(k)
            if limit is not None and len(inside) > limit:
                return None
    samples = np.bincount(where, weights=mr.samples)
    known_weak = np.bincount(where, weights=np.where(np.isnan(mr.weak_sum), 0.0, mr.samples))
    known_rsrp = np.bincount(where, weights=np.where(np.isnan(mr.rsrp_sum), 0.0, mr.samples))
    with np.errstate(invalid="ignore", divide="ignore"):
        weak = np.bincount(where, weights=np.nan_to_num(mr.weak_sum)) / known_weak
        rsrp = np.bincount(where, weights=np.nan_to_num(mr.rsrp_sum)) / known_rsrp
    out: list[list[Any]] = []
    cells = parents.tolist()
    for k in inside:
        cell = cells[k]
        ring = [[round(a, 5), round(b, 5)] for a, b in h3.api.basic_int.cell_to_boundary(cell)]
        out.append([h3.int_to_str(cell), int(samples[k]), _finite(weak[k]), _finite(rsrp[k]), ring])
    return out


def _finite(value: float) -> float | None:
    return round(float(value), 3) if math.isfinite(value) else None


def areas(conn: Conn, box: Box) -> dict[str, Any]:
    """Known areas (GeoJSON) and planned cells in the box."""
    rows = conn.cursor(row_factory=dict_row).execute(sql_text("areas_in_box"), box.params())
    features = [
        {
            "type": "Feature",
            "id": f"area-{r['area_id']}",
            "geometry": r["geometry"],
            "properties": {
                "kind": r["kind"],
                "name": r["name"],
                "note": r["note"],
                "planned_on_air": r["planned_on_air"].isoformat() if r["planned_on_air"] else None,
            },
        }
        for r in rows
    ]
    for r in conn.cursor(row_factory=dict_row).execute(
        sql_text("planned_cells_in_box"), box.params()
    ):
        features.append(
            {
                "type": "Feature",
                "id": f"cell-{r['cell_id']}",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    "kind": "planned_cell",
                    "name": r["site_id"],
                    "note": f"planned {r['technology']} cell {r['cell_id']}",
                    "planned_on_air": r["on_air_date"].isoformat() if r["on_air_date"] else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
