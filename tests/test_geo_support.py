"""Factories for the geo tests and benchmarks: synthetic points and direct SQL inserts.

No tests here. Points are generated with an explicit seed; rows go in with COPY (fast enough to
load a million complaints for the benchmark).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import h3
import numpy as np
import numpy.typing as npt

from geo.h3fast import index_points

FloatArray = npt.NDArray[np.float64]
CENTRE = (31.2304, 121.4737)  # People's Square, Shanghai (the scenario's centre)
START = datetime(2026, 3, 2, tzinfo=UTC)
END = START + timedelta(days=7)


@dataclass(frozen=True)
class Planted:
    lat: float
    lon: float
    radius_m: float
    count: int


def disc(
    rng: np.random.Generator, lat: float, lon: float, radius_m: float, n: int
) -> tuple[FloatArray, FloatArray]:
    """``n`` points uniform in a disc."""
    r = radius_m * np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    dlat = r * np.cos(a) / 111_320.0
    dlon = r * np.sin(a) / (111_320.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def square(
    rng: np.random.Generator, half_km: float, n: int, centre: tuple[float, float] = CENTRE
) -> tuple[FloatArray, FloatArray]:
    """``n`` points uniform in a square of side 2·half_km around ``centre``."""
    dlat = half_km / 111.32
    dlon = dlat / math.cos(math.radians(centre[0]))
    return (
        rng.uniform(centre[0] - dlat, centre[0] + dlat, n),
        rng.uniform(centre[1] - dlon, centre[1] + dlon, n),
    )


def offset(
    km_north: float, km_east: float, centre: tuple[float, float] = CENTRE
) -> tuple[float, float]:
    lat = centre[0] + km_north / 111.32
    return lat, centre[1] + km_east / (111.32 * math.cos(math.radians(centre[0])))


def times(
    rng: np.random.Generator, n: int, start: datetime = START, end: datetime = END
) -> list[datetime]:
    span = (end - start).total_seconds()
    return [start + timedelta(seconds=float(s)) for s in rng.uniform(0, span, n)]


def insert_complaints(
    conn: Any,
    lat: Sequence[float] | FloatArray,
    lon: Sequence[float] | FloatArray,
    reported: Sequence[datetime],
    *,
    causes: Sequence[str | None] | None = None,
    indoor: Sequence[bool | None] | None = None,
    serving: Sequence[Sequence[str]] | None = None,
    prefix: str = "c",
) -> list[str]:
    """Complaints (and a diagnosis where ``causes[i]`` is set) by COPY; returns their ids."""
    ids = [f"{prefix}{i:08d}" for i in range(len(reported))]
    with conn.cursor() as cur:
        with cur.copy(
            "COPY complaints (complaint_id, external_id, msisdn_hash, msisdn_masked, reported_at,"
            " lat, lon, symptom, indoor, diagnosis_status) FROM STDIN"
        ) as copy:
            for i, cid in enumerate(ids):
                status = "done" if causes is not None and causes[i] else "pending"
                copy.write_row(
                    (
                        cid,
                        f"ext-{cid}",
                        f"h{i % 5000}",
                        "138****0000",
                        reported[i],
                        float(lat[i]),
                        float(lon[i]),
                        "weak_signal",
                        indoor[i] if indoor is not None else None,
                        status,
                    )
                )
        if causes is not None:
            with cur.copy(
                "COPY diagnoses (complaint_id, primary_cause, attribution, confidence,"
                " serving_cells, result) FROM STDIN"
            ) as copy:
                for i, cid in enumerate(ids):
                    cause = causes[i]
                    if not cause:
                        continue
                    cells = list(serving[i]) if serving is not None else []
                    result = {
                        "primary_cause": cause,
                        "attribution": "network",
                        "confidence": 0.8,
                        "causes": [{"cause": cause, "score": 0.8}],
                        "evidence": [
                            {
                                "check": "mr_coverage",
                                "cause": cause,
                                "finding": "abnormal",
                                "cell_id": cells[0] if cells else None,
                                "value": -117.0,
                                "threshold": -110.0,
                                "unit": "dBm",
                                "window": None,
                                "detail": "median RSRP below the coverage threshold",
                            }
                        ],
                        "serving_cells": cells,
                        "actions": [],
                        "work_order_id": None,
                        "mass_event_id": None,
                    }
                    copy.write_row((cid, cause, "network", 0.8, cells, json.dumps(result)))
    conn.commit()
    return ids


def insert_cells(conn: Any, rows: Sequence[dict[str, Any]]) -> None:
    cols = (
        "cell_id",
        "site_id",
        "lat",
        "lon",
        "technology",
        "azimuth_deg",
        "beamwidth_deg",
        "status",
        "on_air_date",
    )
    with conn.cursor() as cur, cur.copy(f"COPY cells ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row.get(c) for c in cols))
    conn.commit()


def grid_of_cells(
    half_km: float, isd_km: float, centre: tuple[float, float] = CENTRE
) -> list[dict[str, Any]]:
    """Three-sector sites on a square grid (azimuths 0/120/240, 65° beams)."""
    rows: list[dict[str, Any]] = []
    steps = int(half_km // isd_km)
    for i in range(-steps, steps + 1):
        for j in range(-steps, steps + 1):
            lat, lon = offset(i * isd_km, j * isd_km, centre)
            site = f"S{i + steps:03d}{j + steps:03d}"
            for k, az in enumerate((0.0, 120.0, 240.0)):
                rows.append(
                    {
                        "cell_id": f"{site}-{k + 1}",
                        "site_id": site,
                        "lat": lat,
                        "lon": lon,
                        "technology": "LTE",
                        "azimuth_deg": az,
                        "beamwidth_deg": 65.0,
                        "status": "active",
                    }
                )
    return rows


def insert_mr_grid(
    conn: Any,
    lat: FloatArray,
    lon: FloatArray,
    *,
    day: date,
    res: int = 10,
    weak_share: float = 0.02,
) -> int:
    """MR samples at the given points, summarised per h3 grid for one day (cell_id '')."""
    cells, where = index_points(lat, lon, res)
    counts = np.bincount(where, minlength=len(cells))
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY mr_grid (grid_id, cell_id, day, samples, rsrp_mean, weak_share, sinr_mean,"
            " poor_sinr_share) FROM STDIN"
        ) as copy,
    ):
        for cell, n in zip(cells.tolist(), counts.tolist(), strict=True):
            copy.write_row((h3.int_to_str(cell), "", day, n, -95.0, weak_share, 12.0, 0.05))
    conn.commit()
    return len(cells)


def insert_area(conn: Any, kind: str, name: str, ring: list[tuple[float, float]]) -> None:
    """A polygon area from (lat, lon) corners."""
    coords = [[lon, lat] for lat, lon in ring] + [[ring[0][1], ring[0][0]]]
    lats = [p[0] for p in ring]
    lons = [p[1] for p in ring]
    conn.execute(
        "INSERT INTO areas (feature_hash, kind, name, geometry, min_lat, min_lon, max_lat, max_lon)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            f"{kind}-{name}",
            kind,
            name,
            json.dumps({"type": "Polygon", "coordinates": [coords]}),
            min(lats),
            min(lons),
            max(lats),
            max(lons),
        ),
    )
    conn.commit()


def insert_kpis(
    conn: Any, cells: Sequence[str], start: datetime, hours: int, values: dict[str, float]
) -> None:
    """Hourly KPI rows for ``cells`` with constant ``values`` (others null)."""
    names = sorted(values)
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY kpis (ts, cell_id, period_s, {', '.join(names)}) FROM STDIN") as copy,
    ):
        for cell in cells:
            for h in range(hours):
                ts = start + timedelta(hours=h)
                copy.write_row((ts, cell, 3600, *(values[n] for n in names)))
    conn.commit()


@dataclass(frozen=True)
class City:
    cells: list[dict[str, Any]]
    cluster: tuple[float, float]  # planted weak-coverage cluster centre (lat, lon)
    complaints: int


def seed_city(
    conn: Any,
    *,
    half_km: float = 3.0,
    isd_km: float = 1.0,
    complaints: int = 600,
    cluster: int = 120,
    mr_samples: int = 40_000,
    kpi_hours: int = 24,
    seed: int = 7,
) -> City:
    """A small synthetic city: sites on a grid, complaints (uniform + one weak-coverage
    cluster beside a planned site), MR samples, hourly KPIs, known areas."""
    rng = np.random.default_rng(seed)
    cells = grid_of_cells(half_km, isd_km)
    centre = offset(half_km / 3, -half_km / 3)
    planned = {
        "cell_id": "PLAN-1",
        "site_id": "PLAN",
        "lat": centre[0] + 0.001,
        "lon": centre[1] + 0.001,
        "technology": "NR",
        "azimuth_deg": 90.0,
        "beamwidth_deg": 65.0,
        "status": "planned",
        "on_air_date": date(2026, 6, 1),
    }
    insert_cells(conn, [*cells, planned])
    lat, lon = square(rng, half_km, complaints - cluster)
    clat, clon = disc(rng, *centre, 250.0, cluster)
    all_lat, all_lon = np.r_[lat, clat], np.r_[lon, clon]
    others = ["congestion", "terminal_sim", "no_fault_found", "interference", None]
    causes: list[str | None] = [others[i % len(others)] for i in range(len(lat))]
    causes += ["weak_coverage"] * cluster
    near = [cells[int(rng.integers(len(cells)))]["cell_id"] for _ in range(len(all_lat))]
    insert_complaints(
        conn,
        all_lat,
        all_lon,
        times(rng, len(all_lat)),
        causes=causes,
        indoor=[bool(i % 4 == 0) for i in range(len(all_lat))],
        serving=[[c] for c in near],
    )
    mlat, mlon = square(rng, half_km, mr_samples)
    insert_mr_grid(conn, mlat, mlon, day=START.date())
    wlat, wlon = disc(rng, *centre, 300.0, mr_samples // 400)
    insert_mr_grid(conn, wlat, wlon, day=START.date() + timedelta(days=1), weak_share=0.4)
    ids = [c["cell_id"] for c in cells]
    insert_kpis(
        conn,
        ids[3:],
        START,
        kpi_hours,
        {"availability_pct": 100.0, "prb_util_dl_pct": 45.0, "call_drop_rate_pct": 0.4},
    )
    insert_kpis(
        conn,
        ids[:3],
        START,
        kpi_hours,
        {"availability_pct": 96.0, "prb_util_dl_pct": 92.0, "call_drop_rate_pct": 3.1},
    )
    d = 0.003
    insert_area(
        conn,
        "planned_site",
        "New site A",
        [
            (centre[0] - d, centre[1] - d),
            (centre[0] - d, centre[1] + d),
            (centre[0] + d, centre[1] + d),
            (centre[0] + d, centre[1] - d),
        ],
    )
    far = offset(-half_km / 2, half_km / 2)
    insert_area(
        conn,
        "interference_source",
        "Factory B",
        [
            (far[0] - d, far[1] - d),
            (far[0] - d, far[1] + d),
            (far[0] + d, far[1] + d),
            (far[0] + d, far[1] - d),
        ],
    )
    return City(cells=cells, cluster=centre, complaints=len(all_lat))


def assert_rfc7946(collection: dict[str, Any]) -> None:
    """Check a FeatureCollection against RFC 7946 (what GIS tools rely on)."""
    from shapely.geometry import LinearRing, shape

    text = json.dumps(collection, allow_nan=False)  # no NaN/Infinity in JSON
    assert collection["type"] == "FeatureCollection"
    assert isinstance(collection["features"], list)
    ids = [f.get("id") for f in collection["features"]]
    assert len(set(ids)) == len(ids), "feature ids must be unique"
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["id"], str | int)
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for rings in polygons:
            for k, ring in enumerate(rings):
                assert len(ring) >= 4 and ring[0] == ring[-1], "rings are closed, ≥ 4 positions"
                for lon, lat in ring:
                    assert -180 <= lon <= 180 and -90 <= lat <= 90, "positions are [lon, lat]"
                # §3.1.6: exterior rings counter-clockwise, holes clockwise
                assert LinearRing(ring).is_ccw == (k == 0)
        assert shape(geometry).is_valid
    if "bbox" in collection:
        w, s, e, n = collection["bbox"]
        for feature in collection["features"]:
            bw, bs, be, bn = shape(feature["geometry"]).bounds
            assert w <= bw and s <= bs and be <= e and bn <= n
    assert text
