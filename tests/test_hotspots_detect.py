"""The pure hotspot path: planted clusters are found, noise is not, exposure matters."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from geo.detect import detect_hotspots
from geo.exposure import Exposure
from geo.geojson import feature_collection
from geo.grid import centre
from geo.h3fast import latlng_to_cells
from geo.mapdata import Box, _mr_rows
from geo.queries import MrGrid
from geo.settings import GeoSettings
from netcomplaint.errors import InputError
from tests.test_geo_support import assert_rfc7946, disc, offset, square

SETTINGS = GeoSettings()


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(h3.great_circle_distance(a, b, unit="m"))


def test_planted_clusters_are_found_and_nothing_else() -> None:
    rng = np.random.default_rng(11)
    lat, lon = square(rng, 10.0, 8000)
    planted = [offset(4, 3), offset(-5, -6), offset(6, -7)]
    for where in planted:
        clat, clon = disc(rng, *where, 350.0, 80)
        lat, lon = np.r_[lat, clat], np.r_[lon, clon]
    result = detect_hotspots(lat, lon, resolution=8, settings=SETTINGS)
    assert len(result.hotspots) == 3
    for spot in result.hotspots:
        assert min(distance_m(centre(spot.peak), p) for p in planted) < 800
        assert spot.q <= SETTINGS.hotspot_fdr_alpha and spot.z > 3
        assert spot.complaints >= 80
    assert result.exposure_kind is None
    assert str(result.method["value"]).startswith("complaint count")


@pytest.mark.parametrize("res", [None, 8, 9])
def test_uniform_noise_gives_no_hotspot(res: int | None) -> None:
    """Twenty fields of pure noise (6000 complaints on 16 × 16 km, ~2 to ~12 per hexagon):
    BH at α = 5 % bounds the chance of any false hotspot in a null field by ~5 %."""
    fields_with_hotspots = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        lat, lon = square(rng, 8.0, 6000)
        fields_with_hotspots += bool(detect_hotspots(lat, lon, resolution=res).hotspots)
    assert fields_with_hotspots <= 2


def city(rng: np.random.Generator) -> tuple[tuple[np.ndarray, np.ndarray], tuple[float, float]]:
    """Exposure: sparse suburbs (20 × 20 km) and a dense 2 km city core 20× busier."""
    s_lat, s_lon = square(rng, 10.0, 30_000)
    core = offset(-3, -3)
    c_lat, c_lon = disc(rng, *core, 2000.0, 40_000)
    return (np.r_[s_lat, c_lat], np.r_[s_lon, c_lon]), core


def test_dense_city_with_proportional_exposure_is_not_a_hotspot() -> None:
    """Complaints at a 5 % rate of use everywhere, plus two planted excesses: 40 complaints
    in a 300 m patch of suburb, and a 800 m district of the city where the rate is 11 %.
    Counts alone flag the city; complaints over exposure flag only the planted excesses."""
    rng = np.random.default_rng(5)
    (e_lat, e_lon), core = city(rng)
    suburb, inner = offset(5, 5), offset(-3.4, -2.6)
    district = np.array(
        [distance_m((a, b), inner) < 800 for a, b in zip(e_lat, e_lon, strict=True)]
    )
    rate = np.where(district, 0.11, 0.05)
    complain = rng.uniform(size=len(e_lat)) < rate
    p_lat, p_lon = disc(rng, *suburb, 300.0, 40)
    lat, lon = np.r_[e_lat[complain], p_lat], np.r_[e_lon[complain], p_lon]
    exposure = Exposure.from_points(e_lat, e_lon, kind="reports", description="all use")

    counts_only = detect_hotspots(lat, lon, resolution=8, settings=SETTINGS)
    assert any(distance_m(centre(s.peak), core) < 2500 for s in counts_only.hotspots)
    assert sum(s.complaints for s in counts_only.hotspots) > 1000  # the city's bulk

    rates = detect_hotspots(lat, lon, exposure=exposure, resolution=8, settings=SETTINGS)
    peaks = [centre(s.peak) for s in rates.hotspots]
    assert len(rates.hotspots) == 2, peaks
    assert min(distance_m(p, suburb) for p in peaks) < 800
    assert min(distance_m(p, inner) for p in peaks) < 800
    for spot in rates.hotspots:
        assert spot.rate_ratio is not None and spot.rate_ratio > 1.5
        assert spot.complaints < 500  # the planted excess, not the whole city
    assert rates.exposure_kind == "reports"
    assert "Assuncao-Reis" in str(rates.method["value"])


def test_categories_weights_and_automatic_resolution() -> None:
    rng = np.random.default_rng(9)
    lat, lon = square(rng, 4.0, 3000)
    c_lat, c_lon = disc(rng, *offset(1, 1), 250.0, 150)
    lat, lon = np.r_[lat, c_lat], np.r_[lon, c_lon]
    codes = np.r_[rng.integers(0, 2, 3000), np.full(150, 2)]
    names = ["congestion", "terminal_sim", "weak_coverage"]
    result = detect_hotspots(lat, lon, categories=codes, category_names=names, settings=SETTINGS)
    assert SETTINGS.hotspot_min_resolution <= result.resolution <= SETTINGS.hotspot_max_resolution
    assert len(result.hotspots) == 1
    assert next(iter(result.hotspots[0].categories)) == "weak_coverage"
    doubled = detect_hotspots(lat, lon, weights=np.full(len(lat), 2.0), resolution=9)
    single = detect_hotspots(lat, lon, resolution=9)
    assert doubled.hotspots[0].complaints == 2 * single.hotspots[0].complaints


def test_exposure_on_other_grids() -> None:
    rng = np.random.default_rng(3)
    lat, lon = square(rng, 2.0, 5000)
    fine = latlng_to_cells(lat, lon, 10)
    cells, counts = np.unique(fine, return_counts=True)
    grid = Exposure.from_grid(cells, counts, kind="mr_samples", description="MR")
    at8, values8 = grid.at(8)
    assert values8.sum() == pytest.approx(5000)
    assert {h3.get_resolution(h3.int_to_str(int(c))) for c in at8} == {8}
    coarse = Exposure.from_grid(at8[:1], values8[:1], kind="mr_samples", description="MR")
    spread_cells, spread = coarse.at(9)
    assert len(spread_cells) == 7 and spread.sum() == pytest.approx(values8[0])


def test_the_pure_result_as_geojson() -> None:
    rng = np.random.default_rng(2)
    lat, lon = square(rng, 5.0, 4000)
    c_lat, c_lon = disc(rng, *offset(0, 0), 300.0, 120)
    result = detect_hotspots(np.r_[lat, c_lat], np.r_[lon, c_lon], resolution=9)
    collection = feature_collection(result)
    assert_rfc7946(collection)
    props = collection["features"][0]["properties"]
    assert props["id"].startswith("hs-") and props["complaints"] >= 120
    assert collection["metadata"]["grid"]["resolution"] == 9


def test_a_resolution_too_fine_for_the_exposure_grid_is_refused() -> None:
    rng = np.random.default_rng(3)
    lat, lon = square(rng, 5.0, 500)
    grid = np.unique(latlng_to_cells(lat, lon, 7))  # an exposure grid of ~1.2 km hexagons
    exposure = Exposure.from_grid(grid, np.ones(len(grid)), kind="mr_samples", description="MR")
    assert exposure.hexagons_at(7) == len(grid) and exposure.hexagons_at(9) == 49 * len(grid)
    small = GeoSettings(hotspot_max_hexagons=20 * len(grid) + 1000)
    assert (
        detect_hotspots(lat, lon, exposure=exposure, resolution=8, settings=small).resolution == 8
    )
    with pytest.raises(InputError, match="8 is the finest that fits") as refused:
        detect_hotspots(lat, lon, exposure=exposure, resolution=15, settings=small)
    assert refused.value.field == "resolution"


def test_mr_rows_stop_counting_past_the_limit() -> None:
    rng = np.random.default_rng(9)
    lat, lon = square(rng, 4.0, 3000)
    cells = np.unique(latlng_to_cells(lat, lon, 11))
    ones = np.ones(len(cells))
    mr = MrGrid(cells, ones, ones * 0.5, ones * -95.0, None, None, False)
    box = Box(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    rows = _mr_rows(mr, 11, box, None)
    assert rows is not None and 200 < len(rows) <= len(cells)
    assert _mr_rows(mr, 11, box, 200) is None  # too many: the layer tries a coarser grid
    assert _mr_rows(mr, 11, box, len(rows)) == rows
    coarse = _mr_rows(mr, 7, box, 200)
    assert coarse is not None and 0 < len(coarse) <= 200
    assert sum(row[1] for row in coarse) <= len(cells)
    _, samples, weak, rsrp, ring = coarse[0]
    assert samples >= 1 and weak == 0.5 and rsrp == -95.0 and len(ring) >= 6
