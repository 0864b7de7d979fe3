"""A static map of the hotspots over the cells (geopandas + matplotlib; no tile server).

Drawn in Web Mercator so distances look right: district hexagons (light outlines, D1…),
the period's complaints (dots, network-caused ones red), cells (grey dots), planned sites (blue
triangles), hotspots filled by complaint count and numbered by rank, and a scale bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry import Polygon

from reports.charts import CMAP, NETWORK, ChartStyle, png_uri
from reports.data import District

MERCATOR = "EPSG:3857"
WGS84 = "EPSG:4326"


def _points(lons: Sequence[float], lats: Sequence[float]) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs=WGS84).to_crs(MERCATOR)


def _extent(
    frames: Sequence[gpd.GeoSeries], margin: float = 0.08
) -> tuple[float, float, float, float] | None:
    boxes = [f.total_bounds for f in frames if len(f) and np.all(np.isfinite(f.total_bounds))]
    if not boxes:
        return None
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[2] for b in boxes)
    y1 = max(b[3] for b in boxes)
    pad = max(x1 - x0, y1 - y0, 2000.0) * margin
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _scale_bar(ax: Any, extent: tuple[float, float, float, float], lat: float) -> None:
    width_km = (extent[2] - extent[0]) * math.cos(math.radians(lat)) / 1000.0
    nice = [0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]
    km = max([n for n in nice if n <= width_km / 4] or [nice[0]])
    length = km * 1000.0 / math.cos(math.radians(lat))
    x = extent[0] + (extent[2] - extent[0]) * 0.04
    y = extent[1] + (extent[3] - extent[1]) * 0.05
    ax.plot([x, x + length], [y, y], color="black", lw=3, solid_capstyle="butt")
    ax.text(x + length / 2, y, f"{km:g} km\n", ha="center", va="bottom", fontsize=7)


def hotspot_map(
    style: ChartStyle,
    collection: dict[str, Any],
    districts: Sequence[District],
    cells: Sequence[dict[str, Any]],
    points: Sequence[tuple[float, float, bool]],
    *,
    top: int,
    district_labels: int,
) -> str | None:
    features = [f for f in collection.get("features", []) if f.get("geometry")]
    if not features and not points:
        return None
    spots = (
        gpd.GeoDataFrame.from_features(features, crs=WGS84).to_crs(MERCATOR).iloc[:top]
        if features
        else gpd.GeoDataFrame(geometry=[], crs=MERCATOR)
    )
    complaints = _points([p[0] for p in points], [p[1] for p in points])
    network = np.array([p[2] for p in points], dtype=bool)
    active = [c for c in cells if c["status"] == "active"]
    planned = [c for c in cells if c["status"] == "planned"]
    sites = _points([c["lon"] for c in active], [c["lat"] for c in active])
    planned_sites = _points([c["lon"] for c in planned], [c["lat"] for c in planned])
    hexes = gpd.GeoSeries([Polygon(d.boundary) for d in districts], crs=WGS84).to_crs(MERCATOR)
    extent = _extent([spots.geometry, complaints])
    if extent is None:
        return None
    with style.figure(7.2, 4.3) as (fig, ax):
        hexes.plot(ax=ax, facecolor="none", edgecolor="#9aa5b1", lw=0.6, zorder=1)
        for d, shape in list(zip(districts, hexes, strict=True))[:district_labels]:
            c = shape.centroid
            if extent[0] < c.x < extent[2] and extent[1] < c.y < extent[3]:
                ax.text(c.x, c.y, d.label, color="#52606d", fontsize=7, ha="center", zorder=2)
        if len(complaints):
            complaints[~network].plot(ax=ax, color="#7b8794", markersize=1.5, alpha=0.5, zorder=3)
            complaints[network].plot(ax=ax, color=NETWORK, markersize=1.5, alpha=0.6, zorder=3)
        if len(sites):
            sites.plot(ax=ax, color="#1f2933", markersize=3, marker="o", zorder=4)
        if len(spots):
            spots.plot(ax=ax, column="complaints", cmap=CMAP, alpha=0.75, edgecolor="#7f0000",
                       lw=1.0, zorder=5)  # fmt: skip
            for rank, shape in enumerate(spots.geometry, start=1):
                p = shape.representative_point()
                ax.text(p.x, p.y, str(rank), fontsize=8, weight="bold", ha="center",
                        va="center", color="black", zorder=7)  # fmt: skip
        if len(planned_sites):
            planned_sites.plot(ax=ax, color="#1f6feb", markersize=28, marker="^", zorder=6)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_visible(True)
        lat = float(
            np.degrees(2 * np.arctan(np.exp((extent[1] + extent[3]) / 2 / 6378137.0)) - np.pi / 2)
        )
        _scale_bar(ax, extent, lat)
        handles = [
            Patch(
                facecolor="#fd8d3c",
                edgecolor="#7f0000",
                label=style.text("热点（编号=排名）", "hotspot (number = rank)"),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color=NETWORK,
                ms=3,
                label=style.text("网络原因投诉", "network complaint"),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color="#7b8794",
                ms=3,
                label=style.text("其他投诉", "other complaint"),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color="#1f2933",
                ms=3,
                label=style.text("在网小区", "cell site"),
            ),
            Line2D(
                [],
                [],
                ls="",
                marker="^",
                color="#1f6feb",
                ms=6,
                label=style.text("规划站点", "planned site"),
            ),
            Patch(facecolor="none", edgecolor="#9aa5b1", label=style.text("片区", "district")),
        ]
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False
        )
        return png_uri(style, fig)
