"""Known areas from GeoJSON: blind spots, weak-coverage areas, planned sites, interference sources,
event venues. Geometry is checked with shapely; invalid rings are repaired, not silently dropped."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from kpi_ingest.csvsource import FileReport
from kpi_ingest.loader import copy_upsert
from netcomplaint.errors import FileFormatError
from storage.db import Conn

AREA_KINDS = ("blind_spot", "weak_coverage", "planned_site", "interference_source", "event_venue")


@dataclass(frozen=True)
class Area:
    feature_hash: str
    kind: str
    name: str | None
    note: str | None
    planned_on_air: date | None
    geometry: dict[str, Any]
    bounds: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


def read_feature_collection(path: Path) -> list[Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise FileFormatError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FileFormatError(f"{path}: not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise FileFormatError(f"{path}: FeatureCollection without a 'features' list")
    return features


def parse_area(feature: Any) -> Area:
    """One feature → Area; ValueError with the reason when it can't be one."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties") or {}
    kind = str(props.get("kind", "")).strip().lower()
    if kind not in AREA_KINDS:
        raise ValueError(
            f"property kind {props.get('kind')!r} is not one of {'|'.join(AREA_KINDS)}"
        )
    raw_geometry = feature.get("geometry")
    if not isinstance(raw_geometry, dict) or raw_geometry.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        kind_name = raw_geometry.get("type") if isinstance(raw_geometry, dict) else None
        raise ValueError(f"geometry must be Polygon or MultiPolygon, not {kind_name}")
    try:
        geometry = shape(raw_geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(f"unreadable geometry: {exc}") from None
    if geometry.is_empty:
        raise ValueError("empty geometry")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError("coordinates out of range (GeoJSON is lon, lat in WGS84)")
    planned = props.get("planned_on_air")
    try:
        planned_on_air = date.fromisoformat(str(planned)[:10]) if planned else None
    except ValueError:
        raise ValueError(f"planned_on_air is not a date: {planned!r}") from None
    geojson = mapping(geometry)
    canonical = json.dumps(
        {"kind": kind, "name": props.get("name"), "geometry": geojson}, sort_keys=True, default=str
    )
    return Area(
        feature_hash=hashlib.sha256(canonical.encode()).hexdigest(),
        kind=kind,
        name=str(props["name"]) if props.get("name") is not None else None,
        note=str(props["note"]) if props.get("note") is not None else None,
        planned_on_air=planned_on_air,
        geometry=json.loads(json.dumps(geojson)),
        bounds=(min_lon, min_lat, max_lon, max_lat),
    )


def load_areas(conn: Conn, path: Path, report: FileReport) -> int:
    features = read_feature_collection(path)
    rows = []
    for index, feature in enumerate(features):
        report.rows_read += 1
        try:
            area = parse_area(feature)
        except ValueError as exc:
            report.reject_row(index + 1, "feature", str(exc))  # "line" = feature number here
            continue
        min_lon, min_lat, max_lon, max_lat = area.bounds
        rows.append(
            (
                area.feature_hash,
                area.kind,
                area.name,
                area.note,
                area.planned_on_air,
                json.dumps(area.geometry),
                min_lat,
                min_lon,
                max_lat,
                max_lon,
            )
        )
    columns = [
        "feature_hash",
        "kind",
        "name",
        "note",
        "planned_on_air",
        "geometry",
        "min_lat",
        "min_lon",
        "max_lat",
        "max_lon",
    ]
    return copy_upsert(conn, "areas", columns, rows, ("feature_hash",), update=False)
