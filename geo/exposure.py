"""Exposure: how much use (and so how many complaints) an area would have at the usual rate.

Known as points (e.g. every call-quality report, satisfied or not) or as an h3 grid at any
resolution (MR samples per grid from ``mr_grid``, subscribers per grid). :meth:`Exposure.at` puts
it on the hotspot grid: points are counted exactly; finer grids are summed into their parents;
a coarser grid is spread evenly over its children (a uniform density within the coarse cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import numpy.typing as npt

from geo.h3fast import CellArray, cell_parents, cell_resolutions, index_points

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Exposure:
    kind: str  # "reports" | "mr_samples" | "subscribers" | …
    description: str
    lat: FloatArray | None = None
    lon: FloatArray | None = None
    weights: FloatArray | None = None
    cells: CellArray | None = None
    values: FloatArray | None = None

    @classmethod
    def from_points(
        cls,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        *,
        kind: str,
        description: str,
        weights: npt.ArrayLike | None = None,
    ) -> Exposure:
        return cls(
            kind,
            description,
            lat=np.asarray(lat, dtype=np.float64),
            lon=np.asarray(lon, dtype=np.float64),
            weights=None if weights is None else np.asarray(weights, dtype=np.float64),
        )

    @classmethod
    def from_grid(
        cls, cells: npt.ArrayLike, values: npt.ArrayLike, *, kind: str, description: str
    ) -> Exposure:
        return cls(
            kind,
            description,
            cells=np.asarray(cells, dtype=np.uint64),
            values=np.asarray(values, dtype=np.float64),
        )

    def hexagons_at(self, res: int) -> int:
        """How many cells :meth:`at` would build at ``res`` (at most): a coarser grid cell
        becomes 7 per level finer, and that is what can exhaust memory."""
        if self.lat is not None:
            return len(self.lat)
        if self.cells is None or len(self.cells) == 0:
            return 0
        levels = np.maximum(res - cell_resolutions(self.cells).astype(np.int64), 0)
        return int((7.0**levels).sum())

    def at(self, res: int) -> tuple[CellArray, FloatArray]:
        """(sorted distinct cells at ``res``, exposure per cell)."""
        if self.lat is not None and self.lon is not None:
            cells, where = index_points(self.lat, self.lon, res)
            return cells, np.bincount(where, weights=self.weights, minlength=len(cells)).astype(
                np.float64
            )
        if self.cells is None or self.values is None or len(self.cells) == 0:
            return np.zeros(0, dtype=np.uint64), np.zeros(0)
        resolutions = cell_resolutions(self.cells)
        parts_cells: list[CellArray] = []
        parts_values: list[FloatArray] = []
        fine = resolutions >= res
        if fine.any():
            parts_cells.append(cell_parents(self.cells[fine], res))
            parts_values.append(self.values[fine])
        for coarse_res in np.unique(resolutions[~fine]).tolist():
            rows = resolutions == coarse_res
            for cell, value in zip(
                self.cells[rows].tolist(), self.values[rows].tolist(), strict=True
            ):
                children = _children(cell, res)
                parts_cells.append(children)
                parts_values.append(np.full(len(children), value / len(children)))
        all_cells = np.concatenate(parts_cells)
        cells, where = np.unique(all_cells, return_inverse=True)
        return cells, np.bincount(where, weights=np.concatenate(parts_values)).astype(np.float64)


def _children(cell: int, res: int) -> CellArray:
    return np.asarray(h3.api.basic_int.cell_to_children(cell, res), dtype=np.uint64)
