"""Hotspots as an RFC 7946 FeatureCollection (opens in QGIS).

Geometry: the union of the hotspot's hexagons (Polygon or MultiPolygon, WGS84 lon/lat,
counter-clockwise shells). Properties keep scalar fields flat (``complaints``, ``z``, ``q``,
``dominant_cause``, ``recommendation`` …) so GIS tools can style and filter on them; lists and
objects (cause counts, serving cells, KPIs) stay nested. How the statistic was run — grid, FDR,
exposure — is in the collection's ``metadata`` foreign member (RFC 7946 §6.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import h3
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.detect import Hotspot, HotspotResult
from geo.grid import cell_ids, centre, hex_area_km2, hex_edge_m, polygon


def hotspot_id(spot: Hotspot) -> str:
    """Stable id: the h3 cell of the hotspot's peak (same data and grid → same id)."""
    return f"hs-{h3.int_to_str(spot.peak)}"


def geometries(result: HotspotResult) -> list[dict[str, Any]]:
    return [polygon(spot.cells) for spot in result.hotspots]


def shapes(geoms: Sequence[Mapping[str, Any]]) -> list[BaseGeometry]:
    return [shape(dict(g)) for g in geoms]


def _num(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def base_properties(spot: Hotspot, resolution: int) -> dict[str, Any]:
    lat, lon = centre(spot.peak)
    return {
        "id": hotspot_id(spot),
        "complaints": round(spot.complaints),
        "z": round(spot.z, 3),
        "q": float(f"{spot.q:.3g}"),
        "exposure": _num(spot.exposure, 1),
        "expected": _num(spot.expected, 2),
        "rate_ratio": _num(spot.rate_ratio, 3),
        "hexagons": len(spot.cells),
        "area_km2": round(len(spot.cells) * hex_area_km2(resolution), 3),
        "resolution": resolution,
        "peak": [round(lon, 6), round(lat, 6)],
        "cells": cell_ids(spot.cells),
        "cause_counts": {k: round(v) for k, v in spot.categories.items()},
        "dominant_cause": next(iter(spot.categories), None),
    }


def feature_collection(
    result: HotspotResult,
    *,
    geoms: Sequence[dict[str, Any]] | None = None,
    extra: Sequence[Mapping[str, Any]] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The FeatureCollection of ``result``; ``extra[k]`` is merged into hotspot k's properties."""
    geoms = list(geoms) if geoms is not None else geometries(result)
    features: list[dict[str, Any]] = []
    for k, spot in enumerate(result.hotspots):
        props = base_properties(spot, result.resolution)
        if extra is not None:
            props.update(extra[k])
        features.append(
            {"type": "Feature", "id": props["id"], "geometry": geoms[k], "properties": props}
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if geoms:
        bounds = [shape(g).bounds for g in geoms]
        collection["bbox"] = [
            round(min(b[0] for b in bounds), 6),
            round(min(b[1] for b in bounds), 6),
            round(max(b[2] for b in bounds), 6),
            round(max(b[3] for b in bounds), 6),
        ]
    collection["metadata"] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "grid": {
            "system": "h3",
            "resolution": result.resolution,
            "hex_edge_m": round(hex_edge_m(result.resolution), 1),
            "hexagons_tested": len(result.hexes.cells),
        },
        "method": result.method,
        "complaints": result.points,
        "hotspots": len(features),
        "exposure": {"kind": result.exposure_kind, "normalised": result.exposure_kind is not None},
        **(metadata or {}),
    }
    return collection
