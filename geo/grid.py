"""The h3 grid around the statistic: study areas, neighbour rings, components, polygons.

Cells are h3 indexes held as ``uint64`` numpy arrays, always sorted, so a cell's position is
found with ``searchsorted``; strings (``h3.int_to_str``) appear only in the output.
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import Any

import h3
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

from geo.h3fast import CellArray

_H3 = h3.api.basic_int
COORD_DECIMALS = 6  # ~0.1 m, RFC 7946 §11.2


def disks(cells: CellArray, k: int) -> tuple[npt.NDArray[np.intp], CellArray]:
    """Pairs (i, neighbour) for every cell and each cell within ``k`` rings of it (itself too)."""
    found = list(map(_H3.grid_disk, cells.tolist(), repeat(k, len(cells))))
    sizes = np.fromiter(map(len, found), dtype=np.intp, count=len(found))
    rows = np.repeat(np.arange(len(cells), dtype=np.intp), sizes)
    flat = np.fromiter(chain.from_iterable(found), dtype=np.uint64, count=int(sizes.sum()))
    return rows, flat


def with_rings(cells: CellArray, k: int) -> CellArray:
    """``cells`` and every cell within ``k`` rings of them (sorted, distinct)."""
    if k <= 0 or len(cells) == 0:
        return np.unique(cells)
    _, found = disks(cells, k)
    return np.unique(np.concatenate([cells, found]))


def ring_weights(cells: CellArray, k: int, self_weight: float = 1.0) -> sparse.csr_matrix:
    """Weights between sorted ``cells``: 1 within ``k`` rings, ``self_weight`` on the diagonal.

    Neighbours outside ``cells`` are left out, so units at the edge of the study area have
    smaller neighbourhoods — the Gi* variance term accounts for that.
    """
    n = len(cells)
    rows, found = disks(cells, k)
    pos = np.searchsorted(cells, found)
    pos_ok = np.minimum(pos, max(n - 1, 0))
    keep = (pos < n) & (cells[pos_ok] == found) if n else np.zeros(0, dtype=np.bool_)
    i, j = rows[keep], pos_ok[keep]
    data = np.where(i == j, self_weight, 1.0)
    return sparse.csr_matrix((data, (i, j)), shape=(n, n))


def components(cells: CellArray) -> list[CellArray]:
    """Groups of edge-adjacent cells (ring 1), largest first."""
    if len(cells) == 0:
        return []
    adjacency = ring_weights(cells, 1)
    count, labels = connected_components(adjacency, directed=False)
    groups = [cells[labels == label] for label in range(count)]
    return sorted(groups, key=lambda g: (-len(g), int(g[0])))


def polygon(cells: CellArray) -> dict[str, Any]:
    """The union of the cells as an RFC 7946 Polygon or MultiPolygon (counter-clockwise shells).

    Rings wind counter-clockwise (holes clockwise) and coordinates are rounded to 6 decimals.
    """
    geometry = shape(_H3.cells_to_geo([int(c) for c in cells]))
    if isinstance(geometry, Polygon):
        oriented: Polygon | MultiPolygon = orient(geometry, 1.0)
    elif isinstance(geometry, MultiPolygon):
        oriented = MultiPolygon([orient(part, 1.0) for part in geometry.geoms])
    else:  # pragma: no cover - h3 returns polygons only
        raise ValueError(f"unexpected geometry {geometry.geom_type}")
    rounded: dict[str, Any] = _rounded(dict(mapping(oriented)))
    return rounded


def _rounded(geometry: Any) -> Any:
    if isinstance(geometry, dict):
        return {key: _rounded(value) for key, value in geometry.items()}
    if isinstance(geometry, list | tuple):
        if geometry and isinstance(geometry[0], float | int):
            return [round(float(v), COORD_DECIMALS) for v in geometry]
        return [_rounded(part) for part in geometry]
    return geometry


def centre(cell: int) -> tuple[float, float]:
    """(lat, lon) of a cell's centre."""
    lat, lon = _H3.cell_to_latlng(int(cell))
    return float(lat), float(lon)


def cell_ids(cells: CellArray) -> list[str]:
    return [h3.int_to_str(int(c)) for c in cells]


def hex_area_km2(res: int) -> float:
    return float(h3.average_hexagon_area(res, "km^2"))


def hex_edge_m(res: int) -> float:
    return float(h3.average_hexagon_edge_length(res, "m"))
