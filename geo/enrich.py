"""Context for each hotspot from the database: causes, serving cells, KPIs, MR, areas, trend.

Everything is fetched in a handful of set-based queries for all hotspots at once (boxes around
them), then assigned to hotspots by h3 cell membership.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import h3
import numpy as np
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from diagnostics.settings import get_diag_settings
from geo.detect import Hotspot, HotspotResult
from geo.grid import centre, with_rings
from geo.h3fast import cell_parents, cell_resolutions, index_points
from geo.kpistate import worst_kpis
from geo.queries import (
    MrGrid,
    areas_in_box,
    cell_kpis,
    cells_in_box,
    hotspot_complaints,
    mr_summary,
)
from geo.recommend import Evidence, recommend
from geo.settings import GeoSettings
from storage.db import Conn

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass
class Context:
    causes: Counter[str] = field(default_factory=Counter)
    serving: Counter[str] = field(default_factory=Counter)
    indoor_known: int = 0
    indoor_yes: int = 0
    previous: int = 0
    sample_ids: list[str] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first; ties by name, so the same data always gives the same answer."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _pad(box: Box, metres: float) -> Box:
    dlat = metres / 111_320.0
    dlon = dlat / max(0.05, math.cos(math.radians((box[1] + box[3]) / 2)))
    return box[0] - dlon, box[1] - dlat, box[2] + dlon, box[3] + dlat


def _hex_boxes(cells: dict[int, int]) -> list[Box]:
    """Bounding boxes of the hotspots' hexagons, padded a little (rounded output coordinates)."""
    boxes: list[Box] = []
    for cell in cells:
        ring = h3.api.basic_int.cell_to_boundary(cell)
        lats = [p[0] for p in ring]
        lons = [p[1] for p in ring]
        boxes.append(_pad((min(lons), min(lats), max(lons), max(lats)), 1.0))
    return boxes


def _envelope(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def enrich(
    conn: Conn,
    result: HotspotResult,
    shapes: list[BaseGeometry],
    mr: MrGrid | None,
    period: tuple[datetime, datetime, datetime],
    cause: str | None,
    settings: GeoSettings,
) -> list[dict[str, Any]]:
    """Properties to add to each hotspot (same order as ``result.hotspots``)."""
    prev_start, start, end = period
    spots = result.hotspots
    if not spots:
        return []
    res = result.resolution
    owner: dict[int, int] = {int(c): k for k, h in enumerate(spots) for c in h.cells.tolist()}
    ctx = [Context() for _ in spots]
    _complaints(conn, _hex_boxes(owner), owner, ctx, (prev_start, start, end), cause, res)
    bounds: list[Box] = [s.bounds for s in shapes]
    envelope = _pad(_envelope(bounds), settings.hotspot_nearest_cells_m)
    cells = cells_in_box(conn, envelope)
    serving = _serving(spots, ctx, cells, settings)
    kpis = cell_kpis(conn, sorted({c for cs in serving for c in cs}), start, end)
    mr_sum = _mr_summary(conn, mr, owner, len(spots), res)
    areas = _areas(conn, shapes, envelope)
    planned = _planned(spots, cells, res)
    diag = get_diag_settings()
    out: list[dict[str, Any]] = []
    for k, spot in enumerate(spots):
        c = ctx[k]
        dominant, share = (None, None)
        if c.causes:
            dominant, top = _ranked(c.causes)[0]
            share = top / sum(c.causes.values())
        indoor_share = c.indoor_yes / c.indoor_known if c.indoor_known else None
        worst = worst_kpis({cell: kpis[cell] for cell in serving[k] if cell in kpis}, diag)
        planned_names = [p["name"] for p in planned[k]] + [
            a["name"] or f"area {a['area_id']}" for a in areas[k] if a["kind"] == "planned_site"
        ]
        sources = [
            a["name"] or f"area {a['area_id']}"
            for a in areas[k]
            if a["kind"] == "interference_source"
        ]
        action, reason = recommend(
            Evidence(
                dominant_cause=dominant,
                indoor_share=indoor_share,
                mr_weak_share=mr_sum[k].get("weak_share") if mr_sum[k] else None,
                weak_grid_share=diag.weak_grid_max_weak_share,
                indoor_threshold=settings.hotspot_indoor_share,
                planned=planned_names,
                interference_sources=sources,
                worst_kpis=worst,
            )
        )
        out.append(
            {
                "cause_counts": dict(_ranked(c.causes)),
                "dominant_cause": dominant,
                "dominant_share": round(share, 3) if share is not None else None,
                "indoor_share": round(indoor_share, 3) if indoor_share is not None else None,
                "serving_cells": [
                    {"cell_id": cell, "complaints": c.serving.get(cell, 0)} for cell in serving[k]
                ],
                "worst_kpis": worst,
                "mr": mr_sum[k] or None,
                "planned_sites": planned[k]
                + [_area_out(a) for a in areas[k] if a["kind"] == "planned_site"],
                "areas": [_area_out(a) for a in areas[k] if a["kind"] != "planned_site"],
                "trend": _trend(spot.complaints, c.previous, settings.hotspot_trend_change),
                "sample_complaints": sorted(c.sample_ids)[:5],
                "recommendation": action,
                "recommendation_reason": reason,
            }
        )
    return out


def _complaints(
    conn: Conn,
    boxes: list[Box],
    owner: dict[int, int],
    ctx: list[Context],
    period: tuple[datetime, datetime, datetime],
    cause: str | None,
    res: int,
) -> None:
    rows = hotspot_complaints(conn, boxes, *period, cause)
    if not rows:
        return
    cells, where = index_points([r["lat"] for r in rows], [r["lon"] for r in rows], res)
    for row, cell in zip(rows, cells[where].tolist(), strict=True):
        k = owner.get(int(cell))
        if k is None:
            continue
        c = ctx[k]
        if not row["current"]:
            c.previous += 1
            continue
        c.causes[row["primary_cause"] or "undiagnosed"] += 1
        c.serving.update(row["serving_cells"] or [])
        if row["indoor"] is not None:
            c.indoor_known += 1
            c.indoor_yes += bool(row["indoor"])
        c.sample_ids.append(row["complaint_id"])


def _serving(
    spots: list[Hotspot], ctx: list[Context], cells: list[dict[str, Any]], settings: GeoSettings
) -> list[list[str]]:
    """Most named serving cells; without diagnoses, the nearest active cells to the peak."""
    limit = settings.hotspot_serving_cells
    active = [c for c in cells if c["status"] == "active"]
    out: list[list[str]] = []
    for spot, c in zip(spots, ctx, strict=True):
        if c.serving:
            out.append([cell for cell, _ in _ranked(c.serving)[:limit]])
            continue
        lat, lon = centre(spot.peak)
        scale = math.cos(math.radians(lat))
        near = sorted(active, key=lambda r: (r["lat"] - lat) ** 2 + ((r["lon"] - lon) * scale) ** 2)
        out.append([r["cell_id"] for r in near[:limit]])
    return out


def _mr_summary(
    conn: Conn, mr: MrGrid | None, owner: dict[int, int], count: int, res: int
) -> list[dict[str, Any]]:
    """Sample-weighted MR coverage of each hotspot (grids at or finer than the hotspot grid)."""
    out: list[dict[str, Any]] = [{} for _ in range(count)]
    if mr is None or len(mr.cells) == 0 or mr.first_day is None or mr.last_day is None:
        return out
    fine = np.flatnonzero(cell_resolutions(mr.cells) >= res)
    parents = cell_parents(mr.cells[fine], res)
    hot = np.fromiter(owner, dtype=np.uint64, count=len(owner))
    inside = np.isin(parents, hot)
    chosen = zip(mr.cells[fine][inside].tolist(), parents[inside].tolist(), strict=True)
    grids = {h3.int_to_str(c): owner[p] for c, p in chosen}
    acc = np.zeros((count, 4))  # samples, and samples × rsrp / weak / poor SINR
    seen = np.zeros((count, 3))  # samples behind each mean
    for row in mr_summary(conn, sorted(grids), mr.first_day, mr.last_day):
        k, n = grids[row["grid_id"]], float(row["samples"] or 0.0)
        acc[k, 0] += n
        for j, name in enumerate(("rsrp_mean", "weak_share", "poor_sinr_share")):
            if row[name] is not None:
                acc[k, j + 1] += n * float(row[name])
                seen[k, j] += n
    for k in range(count):
        if acc[k, 0] > 0:
            out[k] = {
                "samples": int(acc[k, 0]),
                "rsrp_mean_dbm": _ratio(acc[k, 1], seen[k, 0], 1),
                "weak_share": _ratio(acc[k, 2], seen[k, 1], 3),
                "poor_sinr_share": _ratio(acc[k, 3], seen[k, 2], 3),
            }
    return out


def _ratio(total: float, n: float, digits: int) -> float | None:
    return round(total / n, digits) if n > 0 else None


def _areas(conn: Conn, shapes: list[BaseGeometry], envelope: Box) -> list[list[dict[str, Any]]]:
    rows = areas_in_box(conn, envelope)
    geoms = [(row, shape(row["geometry"])) for row in rows]
    return [[row for row, g in geoms if g.intersects(s)] for s in shapes]


def _area_out(row: dict[str, Any]) -> dict[str, Any]:
    planned = row.get("planned_on_air")
    return {
        "area_id": row["area_id"],
        "kind": row["kind"],
        "name": row["name"],
        "note": row["note"],
        "planned_on_air": planned.isoformat() if planned else None,
    }


def _planned(
    spots: list[Hotspot], cells: list[dict[str, Any]], res: int
) -> list[list[dict[str, Any]]]:
    """Planned cells in or next to (one ring) each hotspot, one entry per site."""
    planned = [c for c in cells if c["status"] == "planned"]
    out: list[list[dict[str, Any]]] = [[] for _ in spots]
    if not planned:
        return out
    found, where = index_points([c["lat"] for c in planned], [c["lon"] for c in planned], res)
    for k, spot in enumerate(spots):
        inside = set(spot.cells.tolist())
        near = set(with_rings(spot.cells, 1).tolist())
        sites: dict[str, dict[str, Any]] = {}
        for row, cell in zip(planned, found[where].tolist(), strict=True):
            if int(cell) in near and row["site_id"] not in sites:
                on_air = row["on_air_date"]
                sites[row["site_id"]] = {
                    "kind": "planned_cell",
                    "name": row["site_id"],
                    "cell_id": row["cell_id"],
                    "inside": int(cell) in inside,
                    "planned_on_air": on_air.isoformat() if on_air else None,
                }
        out[k] = list(sites.values())
    return out


def _trend(current: float, previous: int, change: float) -> dict[str, Any]:
    if previous == 0:
        direction = "new" if current > 0 else "stable"
        pct = None
    else:
        ratio = current / previous - 1.0
        pct = round(100.0 * ratio, 1)
        direction = "rising" if ratio > change else "falling" if ratio < -change else "stable"
    return {"previous_complaints": previous, "change_pct": pct, "direction": direction}
