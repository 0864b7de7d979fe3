"""What the operator has on record: alarms (alarms.csv) and known areas (areas.geojson).

Alarms: alarmed outages raise the alarm of their kind on the site (power failures first raise
a mains alarm, then site down when the batteries run out) and ``cell_unavailable`` on each
cell; silent outages raise nothing. Planned works raise minor ``cell_unavailable``. Some
interference sources trip the uplink-interference alarm on their target cell. Background
noise: VSWR, fan and temperature alarms with no service impact.

Areas: planned sites, recorded blind spots / weak-coverage areas, recorded interference
sources, and the event venue; RFC 7946 polygons (lon, lat; exterior counter-clockwise).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from scenario.clock import PERIOD_S, Clock
from scenario.coverage import Hole
from scenario.faults import Faults
from scenario.network import Network

ALARM_COLUMNS = (
    "alarm_id",
    "object_id",
    "alarm_type",
    "severity",
    "raised_at",
    "cleared_at",
    "text",
)
OUTAGE_TEXT = {
    "site_down": "NE disconnected: eNodeB/gNodeB out of service",
    "transmission": "S1/NG link failure: optical signal loss on transport port (fibre cut)",
    "power": "Battery exhausted after mains failure: site powered off",
}
NOISE = (
    ("hardware", "minor", "VSWR over threshold on antenna port"),
    ("other", "warning", "Fan speed abnormal"),
    ("hardware", "warning", "Board temperature high"),
    ("other", "warning", "GPS clock source unavailable, holdover"),
)


def alarms(
    net: Network, faults: Faults, clock: Clock, rng: np.random.Generator
) -> list[tuple[str, str, str, str, str, str, str]]:
    rows: list[tuple[str, str, str, int, int | None, str]] = []

    def cleared(t: int) -> int | None:
        return t if t < clock.end else None

    for o in faults.outages:
        if not o.alarmed:
            continue
        site = net.site_id[o.site]
        raise_at = o.start + int(rng.integers(10, 120))
        clear_at = cleared(o.end + int(rng.integers(30, 300)))
        if o.kind == "power":
            mains = o.start - int(rng.uniform(1.0, 3.0) * 3600)
            rows.append(
                (
                    site,
                    "power",
                    "major",
                    max(mains, clock.start),
                    clear_at,
                    "Mains power failure: running on battery",
                )
            )
            rows.append((site, "site_down", "critical", raise_at, clear_at, OUTAGE_TEXT["power"]))
        else:
            rows.append((site, o.kind, "critical", raise_at, clear_at, OUTAGE_TEXT[o.kind]))
        for c in o.cells.tolist():
            rows.append(
                (
                    net.cell_id[c],
                    "cell_unavailable",
                    "major",
                    raise_at + 5,
                    clear_at,
                    "Cell out of service",
                )
            )
    for o in faults.works:
        for c in o.cells.tolist():
            rows.append(
                (
                    net.cell_id[c],
                    "cell_unavailable",
                    "minor",
                    o.start,
                    cleared(o.end),
                    "Planned works: cell locked for maintenance",
                )
            )
    for src in faults.sources:
        if not src.alarmed:
            continue
        edges = np.diff(np.concatenate([[0], src.active.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        level = float(src.ul_dbm[src.cells.tolist().index(src.target)])
        for s, e in list(zip(starts.tolist(), ends.tolist(), strict=False))[:12]:
            t0 = clock.start + s * PERIOD_S + int(rng.integers(300, 1200))
            t1 = clock.start + e * PERIOD_S + int(rng.integers(60, 900))
            rows.append(
                (
                    net.cell_id[src.target],
                    "interference",
                    "major",
                    t0,
                    cleared(t1),
                    f"Uplink interference detected: mean N+I {level:.1f} dBm/PRB",
                )
            )
    active = np.flatnonzero(net.active)
    for _ in range(max(2, round(0.01 * len(active) * np.sqrt(clock.days)))):
        kind, severity, text = NOISE[int(rng.integers(0, len(NOISE)))]
        c = int(rng.choice(active))
        t0 = int(rng.integers(clock.start, clock.end - 3600))
        t1 = t0 + int(rng.uniform(0.2, 30.0) * 3600)
        rows.append((net.cell_id[c], kind, severity, t0, cleared(t1), text))
    rows.sort(key=lambda r: (r[3], r[0], r[1]))
    return [
        (
            f"ALM{k + 1:06d}",
            obj,
            kind,
            sev,
            clock.iso(t0),
            "" if t1 is None else clock.iso(t1),
            text,
        )
        for k, (obj, kind, sev, t0, t1, text) in enumerate(rows)
    ]


def areas(net: Network, holes: list[Hole], faults: Faults, clock: Clock) -> list[dict[str, Any]]:
    feats: list[dict[str, Any]] = []
    for hole in holes:
        if not hole.area_kind or hole.area is None:
            continue
        props: dict[str, Any] = {"kind": hole.area_kind, "name": hole.name}
        if hole.area_kind == "planned_site":
            props["planned_on_air"] = hole.planned_on_air
            props["note"] = f"new site {net.site_id[hole.site]} in planning"
        elif hole.kind == "indoor":
            props["name"] = "indoor weak coverage (known buildings)"
        else:
            props["note"] = "coverage gap recorded by optimisation team"
        feats.append(_feature(net, hole.area, props))
    for src in faults.sources:
        if not src.recorded:
            continue
        half = 60.0
        poly = box(src.x - half, src.y - half * 0.7, src.x + half, src.y + half * 0.7)
        note = {
            "workhours": "factory equipment, working hours",
            "evening": "suspected illegal signal booster, evenings",
            "continuous": "faulty repeater, continuous",
        }[src.schedule]
        feats.append(
            _feature(net, poly, {"kind": "interference_source", "name": src.name, "note": note})
        )
    if faults.venue is not None:
        v = faults.venue
        th = np.linspace(0, 2 * np.pi, 33)[:-1]
        poly = Polygon(np.column_stack([v.x + v.a * np.cos(th), v.y + v.b * np.sin(th)]))
        note = f"event {clock.iso(v.start)} - {clock.iso(v.end)}"
        feats.append(_feature(net, poly, {"kind": "event_venue", "name": v.name, "note": note}))
    return feats


def _feature(net: Network, geom: BaseGeometry, props: dict[str, Any]) -> dict[str, Any]:
    def to_lonlat(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lat, lon = net.proj.to_latlon(xy[:, 0].copy(), xy[:, 1].copy())
        return np.column_stack([np.round(lon, 6), np.round(lat, 6)])

    geo = shapely.transform(geom, to_lonlat)
    if isinstance(geo, Polygon):
        geo = orient(geo, 1.0)
    elif isinstance(geo, MultiPolygon):
        geo = MultiPolygon([orient(p, 1.0) for p in geo.geoms])
    return {"type": "Feature", "properties": props, "geometry": _plain(mapping(geo))}


def _plain(obj: Any) -> Any:
    """Tuples to lists so the JSON is plain and stable."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.floating):
        return float(obj)
    return obj
