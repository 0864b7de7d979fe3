"""Known areas (blind spots, weak-coverage areas, planned sites, interference sources, event
venues) held in memory per process with an STR-tree, reloaded when the ``areas`` table changed."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely import affinity
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from diagnostics.cell_index import database_key
from storage.db import Conn

AREAS_SQL = "SELECT area_id, kind, name, note, planned_on_air, geometry FROM areas ORDER BY area_id"
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class AreaHit:
    """A known area at (or within the margin of) a place."""

    area_id: int
    kind: str
    name: str | None
    note: str | None
    planned_on_air: date | None
    distance_m: float  # 0 = the place is inside


@dataclass(frozen=True)
class AreaIndex:
    key: tuple[Any, ...]
    rows: list[tuple[int, str, str | None, str | None, date | None]]
    geometries: list[BaseGeometry]
    tree: shapely.STRtree | None

    @classmethod
    def build(cls, records: Sequence[Sequence[Any]], key: tuple[Any, ...] = ()) -> AreaIndex:
        rows: list[tuple[int, str, str | None, str | None, date | None]] = []
        geometries: list[BaseGeometry] = []
        for area_id, kind, name, note, planned, geometry in records:
            raw = json.loads(geometry) if isinstance(geometry, str) else geometry
            try:
                geom = shape(raw)
            except (ValueError, TypeError, AttributeError, KeyError):
                continue  # stored geometries were validated at ingest; skip anything unreadable
            rows.append((int(area_id), str(kind), name, note, planned))
            geometries.append(geom)
        tree = shapely.STRtree(geometries) if geometries else None
        return cls(key, rows, geometries, tree)

    def at(self, lat: float, lon: float, margin_m: float) -> list[AreaHit]:
        """Areas containing the place or within ``margin_m`` of it, nearest first."""
        return self.at_many([lat], [lon], margin_m)[0]

    def at_many(
        self, lats: Sequence[float], lons: Sequence[float], margin_m: float
    ) -> list[list[AreaHit]]:
        """``at`` for many places with one query of the tree (most places hit no area)."""
        found: list[list[AreaHit]] = [[] for _ in lats]
        if self.tree is None or not len(lats):
            return found
        lat_a, lon_a = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
        points: npt.NDArray[np.object_] = np.asarray(shapely.points(lon_a, lat_a))
        margin_deg = margin_m / (METRES_PER_DEGREE * np.maximum(np.cos(np.radians(lat_a)), 0.05))
        which, areas = self.tree.query(points, predicate="dwithin", distance=margin_deg)
        for k, pos in zip(which.tolist(), areas.tolist(), strict=True):
            geom, point, lat = self.geometries[pos], points[k], float(lat_a[k])
            inside = geom.contains(point) or geom.touches(point)
            metres = 0.0 if inside else _metres(geom, point, lat)
            if metres > margin_m:
                continue
            area_id, kind, name, note, planned = self.rows[pos]
            found[k].append(AreaHit(area_id, kind, name, note, planned, metres))
        return [sorted(hits, key=lambda h: (h.distance_m, h.area_id)) for hits in found]


def _metres(geom: BaseGeometry, point: Point, lat: float) -> float:
    """Distance from the point to the geometry in metres (local scaling of degrees)."""
    scale_x = METRES_PER_DEGREE * math.cos(math.radians(lat))
    scaled = affinity.scale(geom, xfact=scale_x, yfact=METRES_PER_DEGREE, origin=(0, 0))
    return float(scaled.distance(Point(point.x * scale_x, point.y * METRES_PER_DEGREE)))


_lock = threading.Lock()
_areas: dict[tuple[Any, ...], AreaIndex] = {}


def area_index(conn: Conn, versions: dict[str, tuple[int, str]]) -> AreaIndex:
    """The cached areas of this database, reloaded when the areas table changed."""
    key = (*database_key(conn), *versions.get("areas", (0, "")))
    with _lock:
        cached = _areas.get(key[:3])
        if cached is not None and cached.key == key:
            return cached
    index = AreaIndex.build(conn.execute(AREAS_SQL).fetchall(), key)
    with _lock:
        _areas[key[:3]] = index
    return index
