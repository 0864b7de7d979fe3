"""The vectorised h3 indexer gives exactly what the h3 library gives."""

from __future__ import annotations

import itertools

import h3
import numpy as np
import pytest

from geo.h3fast import cell_parents, cell_resolutions, index_points, latlng_to_cells

_REF = h3.api.basic_int


def reference(lat: np.ndarray, lon: np.ndarray, res: int) -> np.ndarray:
    return np.array(
        [_REF.latlng_to_cell(a, b, res) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)],
        dtype=np.uint64,
    )


@pytest.mark.parametrize("res", [0, 1, 4, 5, 7, 8, 9, 10, 12, 15])
def test_random_points_worldwide(res: int) -> None:
    rng = np.random.default_rng(res)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 40_000)))  # uniform on the sphere
    lon = rng.uniform(-180, 180, 40_000)
    assert np.array_equal(latlng_to_cells(lat, lon, res), reference(lat, lon, res))


def test_regional_points_and_their_inverse() -> None:
    rng = np.random.default_rng(1)
    lat = rng.uniform(30.9, 31.5, 50_000)
    lon = rng.uniform(121.1, 121.8, 50_000)
    cells, inverse = index_points(lat, lon, 9)
    assert np.all(np.diff(cells.astype(np.float64)) > 0)  # sorted and distinct
    assert np.array_equal(cells[inverse], reference(lat, lon, 9))


def test_points_on_cell_vertices_edges_and_poles() -> None:
    """Ties are settled by the reference library: vertices, edge midpoints, poles, faces."""
    rng = np.random.default_rng(2)
    seeds = latlng_to_cells(rng.uniform(-80, 80, 300), rng.uniform(-180, 180, 300), 8)
    points = []
    for cell in np.unique(seeds).tolist():
        ring = _REF.cell_to_boundary(cell)
        points.extend(ring)
        points.extend(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in itertools.pairwise(ring))
    points += [(90.0, 0.0), (-90.0, 0.0), (0.0, 180.0), (0.0, -180.0), (0.0, 0.0)]
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    for res in (8, 9):
        assert np.array_equal(latlng_to_cells(lat, lon, res), reference(lat, lon, res))


def test_parents_by_bit_arithmetic() -> None:
    rng = np.random.default_rng(3)
    cells = latlng_to_cells(rng.uniform(-60, 60, 2000), rng.uniform(-180, 180, 2000), 11)
    for res in (0, 5, 9, 11):
        expected = np.array([_REF.cell_to_parent(c, res) for c in cells.tolist()], np.uint64)
        assert np.array_equal(cell_parents(cells, res), expected)
    assert set(cell_resolutions(cell_parents(cells, 7)).tolist()) == {7}


def test_empty_and_bad_input() -> None:
    cells, inverse = index_points(np.zeros(0), np.zeros(0), 9)
    assert len(cells) == 0 and len(inverse) == 0
    with pytest.raises(ValueError):
        latlng_to_cells([1.0], [1.0, 2.0], 9)
    with pytest.raises(ValueError):
        latlng_to_cells([np.nan], [1.0], 9)
    with pytest.raises(ValueError):
        latlng_to_cells([1.0], [1.0], 16)
