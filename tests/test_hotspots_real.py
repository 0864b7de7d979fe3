"""Real data: 99 k TRAI MyCall call-quality reports (India, Sep–Nov 2019), 78 k with positions.

Complaints are the reports rated "Call Dropped" or "Poor Voice Quality"; the exposure is every
positioned report, satisfied ones included (where people use the app). Dense cities send many
complaints simply because they send many reports: counted alone they light up, against exposure
only places where the share of bad calls is far above the national 36 % remain.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from geo.detect import HotspotResult, detect_hotspots
from geo.exposure import Exposure
from geo.geojson import feature_collection
from geo.h3fast import index_points
from tests.test_geo_support import assert_rfc7946

CAUSES = {"Call Dropped": 0, "Poor Voice Quality": 1}


@pytest.fixture(scope="module")
def reports(real_data: Path) -> pd.DataFrame:
    folder = real_data / "india_trai_mycall_2019"
    frame = pd.concat(
        [pd.read_csv(p) for p in sorted(folder.glob("MyCall_Data_*_2019.csv"))],
        ignore_index=True,
    )
    assert len(frame) == 99_490
    positioned = frame[(frame["Latitude"] != -1) & (frame["Longitude"] != -1)]
    return positioned[
        positioned["Latitude"].between(6, 37) & positioned["Longitude"].between(68, 98)
    ]


def run(reports: pd.DataFrame, *, with_exposure: bool, res: int | None = None) -> HotspotResult:
    bad = reports[reports["Call Drop Category"].isin(list(CAUSES))]
    exposure = Exposure.from_points(
        reports["Latitude"],
        reports["Longitude"],
        kind="reports",
        description="all positioned MyCall reports (satisfied ones too)",
    )
    return detect_hotspots(
        bad["Latitude"],
        bad["Longitude"],
        categories=bad["Call Drop Category"].map(CAUSES),
        category_names=list(CAUSES),
        exposure=exposure if with_exposure else None,
        resolution=res,
    )


def busy_but_fine(reports: pd.DataFrame, res: int) -> tuple[npt.NDArray[np.uint64], float]:
    """The 15 hexagons with most reports whose bad-call share is below the national one."""
    bad = reports["Call Drop Category"].isin(list(CAUSES)).to_numpy()
    cells, where = index_points(reports["Latitude"], reports["Longitude"], res)
    total = np.bincount(where)
    share = np.bincount(where, weights=bad) / total
    national = float(bad.mean())
    busiest = np.argsort(-total)[:15]
    return cells[busiest[share[busiest] < national]], national


def hot_cells(result: HotspotResult) -> set[int]:
    return {int(c) for spot in result.hotspots for c in spot.cells.tolist()}


def test_exposure_keeps_busy_cities_out(reports: pd.DataFrame) -> None:
    rates = run(reports, with_exposure=True)
    counts = run(reports, with_exposure=False, res=rates.resolution)
    assert 7 <= rates.resolution <= 9
    fine, national = busy_but_fine(reports, rates.resolution)
    assert len(fine) >= 8 and 0.3 < national < 0.4
    # counted alone, busy places with a below-average share of bad calls light up …
    assert len(hot_cells(counts) & set(fine.tolist())) >= 3
    assert len(counts.hotspots) > 3 * len(rates.hotspots)
    # … against exposure none of them does, and every hotspot is far above the national share
    assert not hot_cells(rates) & set(fine.tolist())
    assert 5 <= len(rates.hotspots) <= 40
    for spot in rates.hotspots:
        assert spot.rate_ratio is not None and spot.rate_ratio >= 2.0
        assert spot.q <= 0.05 and spot.complaints >= 5


def test_coarser_grid_is_stable(reports: pd.DataFrame) -> None:
    rates = run(reports, with_exposure=True, res=7)
    fine, _ = busy_but_fine(reports, 7)
    assert 1 <= len(rates.hotspots) <= 20
    assert not hot_cells(rates) & set(fine.tolist())


def test_real_hotspots_as_geojson_read_by_gdal(reports: pd.DataFrame, tmp_path: Path) -> None:
    rates = run(reports, with_exposure=True)
    collection = feature_collection(rates, metadata={"source": "TRAI MyCall 2019"})
    assert_rfc7946(collection)
    assert collection["metadata"]["exposure"]["kind"] == "reports"
    path = tmp_path / "india.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    frame = gpd.read_file(path)  # GDAL's GeoJSON driver, as QGIS opens it
    assert len(frame) == len(rates.hotspots)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert {"complaints", "z", "q", "dominant_cause"} <= set(frame.columns)
    assert frame["dominant_cause"].isin(list(CAUSES)).all()
