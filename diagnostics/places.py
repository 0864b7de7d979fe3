"""Known areas (blind spots, weak-coverage areas, planned sites, interference sources, event
venues) held in memory per process with an STR-tree, reloaded when the ``areas`` table changed."""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
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


# An ISO date, with a time after "T" (then its offset, if any) or after a space (then never an
# offset: "2025-09-04 14:00-23:30" is a range of hours, not 14:00 at UTC−23:30).
_STAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})?| (\d{2}:\d{2}))?"
    r"(?:\s*(?:-|–|~|to|until)\s*(\d{2}:\d{2})(?![:\d]))?"
)


def event_times(note: str | None, zone: tzinfo | None) -> tuple[datetime, datetime] | None:
    """An event's start and end written in a venue's note: ISO times ("2025-06-06T18:30 -
    2025-06-06T22:30"), a date with its hours ("2025-09-04 14:00-23:30", past midnight when the
    end is earlier), dates ("2025-08-27 to 2025-09-06": to the end of the last day) or one date
    (the whole day); times without an offset are the complaint's ``zone``. None: no time."""
    spans: list[tuple[datetime, datetime]] = []
    for day, iso_time, offset, time, until in _STAMP.findall(note or ""):
        try:
            at = datetime.fromisoformat(
                f"{day}T{iso_time or time or '00:00'}"
                + (offset.replace("Z", "+00:00") if offset else "")
            )
        except ValueError:
            continue
        at = at if at.tzinfo else at.replace(tzinfo=zone or UTC)
        if until:
            hours, minutes = (int(x) for x in until.split(":"))
            end = at.replace(hour=hours % 24, minute=minutes % 60)
            spans.append((at, end if end > at else end + timedelta(days=1)))
        else:
            spans.append((at, at + timedelta(days=1) if not (iso_time or time) else at))
    if not spans:
        return None
    first, last = spans[0], spans[1] if len(spans) > 1 else spans[0]
    start, end = min(first[0], last[0]), max(first[1], last[1])
    return start, end if end > start else start + timedelta(days=1)


@dataclass(frozen=True)
class AreaHit:
    """A known area at (or within the margin of) a place."""

    area_id: int
    kind: str
    name: str | None
    note: str | None
    planned_on_air: date | None
    distance_m: float  # 0 = the place is inside


# A planned site whose build is held up (建站计划遇阻, the handbook's own cause): the owners or the
# authorities refuse, or the works are on hold. Read from the area's note.
_BLOCKED = re.compile(
    r"受阻|遇阻|阻挠|阻止|反对|不同意|不让|搁置|暂停|停滞|无法进场|进场难|选址难|选址困难"
    r"|(?<![a-z])(?:blocked|objection|objections|objected|refused|opposed|on hold|stalled"
    r"|not approved|permit (?:denied|refused)|rejected)(?![a-z])",
    re.IGNORECASE,
)


def build_blocked(area: AreaHit) -> bool:
    """The planned site's build is held up, by its note."""
    return area.kind == "planned_site" and bool(area.note and _BLOCKED.search(area.note))


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
