"""Hotspot detection over plain arrays: points (+ categories, weights) and optional exposure.

This is the one statistical path; the database path (``geo.hotspots``) and the real-data tests and
benchmarks all call :func:`detect_hotspots`.

1. Points are counted on an h3 grid. The resolution is configured, or chosen as the finest in the
   configured range (default 9 → 7, ~175 m to ~1.2 km edges) whose occupied hexagons hold
   ``hotspot_target_per_hex`` complaints on average.
2. The study area is every hexagon with known exposure or a complaint; without exposure, the
   hexagons with complaints plus ``hotspot_ring`` rings of empty ones around them.
3. Tested value per hexagon: with exposure, the complaints against those expected at the study
   area's rate, as a variance-stabilised residual under the Assunção–Reis Empirical-Bayes
   variance (:func:`geo.gistar.eb_anscombe_residuals`), so a busy area at the usual rate is
   unremarkable; without exposure, the count (Anscombe-transformed; a hotspot is then "denser
   than the study area"). The transforms keep the normal approximation honest at a few
   complaints per hexagon, where raw counts make Gi* fire under pure noise.
4. Getis–Ord Gi* (analytic z, one-sided) over the hexagon and its ``hotspot_ring`` rings
   (binary weights; ``hotspot_self_weight`` > 1 weighs the hexagon itself more, favouring
   excesses concentrated in one hexagon); Benjamini–Hochberg q-values over all hexagons of the
   study area. Gi* tests neighbourhoods: an excess confined to one hexagon whose neighbours are
   ordinary shows at a finer resolution, or with a larger self weight.
5. Hot hexagons: q ≤ alpha, z > 0, at least one complaint and an own value at least
   ``hotspot_core_sd`` standard deviations above the mean — Gi* also flags ordinary hexagons
   that merely border a hot one (their neighbourhood contains it); this keeps that halo out.
   Adjacent hot hexagons merge into one hotspot; hotspots with fewer than
   ``hotspot_min_complaints`` are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from geo.exposure import Exposure
from geo.gistar import GiStar, anscombe, eb_anscombe_residuals, fdr_bh
from geo.grid import components, ring_weights, with_rings
from geo.h3fast import CellArray, cell_parents, index_points
from geo.settings import GeoSettings
from netcomplaint.errors import InputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HexStats:
    """Per hexagon of the study area (aligned arrays, cells sorted)."""

    cells: CellArray
    complaints: FloatArray
    exposure: FloatArray | None
    value: FloatArray
    z: FloatArray
    p: FloatArray
    q: FloatArray
    hot: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Hotspot:
    cells: CellArray
    peak: int
    complaints: float
    z: float
    q: float
    exposure: float | None = None
    expected: float | None = None
    categories: dict[str, float] = field(default_factory=dict)

    @property
    def rate_ratio(self) -> float | None:
        """Complaints over those expected at the study area's rate (exposure only)."""
        if self.expected is None or self.expected <= 0:
            return None
        return self.complaints / self.expected


@dataclass(frozen=True)
class HotspotResult:
    resolution: int
    points: int
    hexes: HexStats
    hotspots: list[Hotspot]
    exposure_kind: str | None
    rate: float | None  # complaints per unit of exposure over the study area
    method: dict[str, object]


def choose_resolution(
    cells: CellArray, counts: npt.NDArray[np.int64], finest: int, settings: GeoSettings
) -> int:
    """Finest resolution ≤ ``finest`` whose occupied hexagons average the target count."""
    total = float(counts.sum())
    for res in range(finest, settings.hotspot_min_resolution - 1, -1):
        occupied = len(np.unique(cell_parents(cells, res))) if res < finest else len(cells)
        if occupied and total / occupied >= settings.hotspot_target_per_hex:
            return res
    return settings.hotspot_min_resolution


def detect_hotspots(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    categories: npt.ArrayLike | None = None,
    category_names: Sequence[str] = (),
    weights: npt.ArrayLike | None = None,
    exposure: Exposure | Callable[[], Exposure | None] | None = None,
    resolution: int | None = None,
    settings: GeoSettings | None = None,
) -> HotspotResult:
    """Find hotspots among points; ``categories`` are codes indexing ``category_names``.

    ``exposure`` may be a callable, called once the points are indexed (so a caller can read
    it from the database while the points are being indexed).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(7)
    >>> lat = np.r_[rng.uniform(30.0, 30.2, 3000), rng.normal(30.1, 0.002, 150)]
    >>> lon = np.r_[rng.uniform(120.0, 120.2, 3000), rng.normal(120.1, 0.002, 150)]
    >>> found = detect_hotspots(lat, lon, resolution=8, settings=GeoSettings())
    >>> len(found.hotspots), found.hotspots[0].complaints > 150
    (1, True)
    """
    settings = settings or GeoSettings()
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    res = resolution if resolution is not None else settings.hotspot_resolution
    finest = res if res is not None else settings.hotspot_max_resolution
    cells, where = index_points(lat_a, lon_a, finest)
    if res is None:
        res = choose_resolution(cells, np.bincount(where, minlength=len(cells)), finest, settings)
        if res != finest:
            cells, where = index_points(lat_a, lon_a, res)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    ring = settings.hotspot_ring
    if callable(exposure):
        exposure = exposure()
    if exposure is not None:
        _check_size(exposure, res, len(cells), settings.hotspot_max_hexagons)
        exp_cells, exp_values = exposure.at(res)
        study = np.union1d(exp_cells[exp_values > 0], cells)
    else:
        study = with_rings(cells, ring)
    pos = np.searchsorted(study, cells)[where]  # each point's hexagon in the study area
    counts = np.bincount(pos, weights=w, minlength=len(study)).astype(np.float64)
    exp_aligned: FloatArray | None = None
    rate: float | None = None
    if exposure is not None:
        exp_aligned = _aligned(study, exp_cells, exp_values, settings)
        value = eb_anscombe_residuals(counts, exp_aligned)
        rate = float(counts.sum() / exp_aligned.sum())
    else:
        value = anscombe(counts)
    gi = GiStar(value, ring_weights(study, ring, settings.hotspot_self_weight))
    q = fdr_bh(gi.p)
    core = value > gi.mean + settings.hotspot_core_sd * gi.sd
    hot = (q <= settings.hotspot_fdr_alpha) & (gi.z > 0) & core & (counts > 0)
    hexes = HexStats(study, counts, exp_aligned, value, gi.z, gi.p, q, hot)
    by_category = _category_matrix(pos, categories, len(category_names), len(study), w)
    hotspots = _merge(hexes, by_category, list(category_names), rate, settings)
    method: dict[str, object] = {
        "statistic": "Getis-Ord Gi* (analytic z, one-sided, h3 rings, self included)",
        "ring": ring,
        "self_weight": settings.hotspot_self_weight,
        "fdr": "Benjamini-Hochberg",
        "alpha": settings.hotspot_fdr_alpha,
        "value": "complaints vs exposure: Anscombe residual, Assuncao-Reis EB variance"
        if exposure
        else "complaint count, Anscombe-transformed",
        "core_sd": settings.hotspot_core_sd,
        "min_complaints": settings.hotspot_min_complaints,
        "hexagons": len(study),
    }
    return HotspotResult(
        res, len(lat_a), hexes, hotspots, exposure.kind if exposure else None, rate, method
    )


def _check_size(exposure: Exposure, res: int, occupied: int, cap: int) -> None:
    if exposure.hexagons_at(res) + occupied <= cap:
        return
    fits = [r for r in range(res) if exposure.hexagons_at(r) + occupied <= cap]
    hint = f"; {max(fits)} is the finest that fits" if fits else ""
    raise InputError(
        f"resolution: {res} would split the study area into more than {cap:,} hexagons "
        f"(NETCOMPLAINT_HOTSPOT_MAX_HEXAGONS){hint}",
        field="resolution",
    )


def _aligned(
    study: CellArray, exp_cells: CellArray, exp_values: FloatArray, settings: GeoSettings
) -> FloatArray:
    """Exposure per study hexagon; hexagons without any get a low quantile of the known ones."""
    out = np.zeros(len(study))
    if len(exp_cells):
        pos = np.minimum(np.searchsorted(exp_cells, study), len(exp_cells) - 1)
        found = exp_cells[pos] == study
        out[found] = exp_values[pos[found]]
    positive = out[out > 0]
    floor = (
        float(np.quantile(positive, settings.hotspot_exposure_floor_quantile))
        if len(positive)
        else 1.0
    )
    return np.where(out > 0, out, floor)


def _category_matrix(
    pos: npt.NDArray[np.intp],
    categories: npt.ArrayLike | None,
    n_categories: int,
    n_hex: int,
    weights: FloatArray | None,
) -> FloatArray | None:
    if categories is None or n_categories == 0:
        return None
    codes = np.asarray(categories, dtype=np.intp)
    flat = np.bincount(pos * n_categories + codes, weights=weights, minlength=n_hex * n_categories)
    return flat.reshape(n_hex, n_categories).astype(np.float64)


def _merge(
    hexes: HexStats,
    by_category: FloatArray | None,
    names: list[str],
    rate: float | None,
    settings: GeoSettings,
) -> list[Hotspot]:
    found: list[Hotspot] = []
    for group in components(hexes.cells[hexes.hot]):
        idx = np.searchsorted(hexes.cells, group)
        complaints = float(hexes.complaints[idx].sum())
        if complaints < settings.hotspot_min_complaints:
            continue
        peak = int(idx[np.argmax(hexes.z[idx])])
        exposure = float(hexes.exposure[idx].sum()) if hexes.exposure is not None else None
        cats: dict[str, float] = {}
        if by_category is not None:
            sums = by_category[idx].sum(axis=0)
            order = np.argsort(-sums, kind="stable")
            cats = {names[k]: float(sums[k]) for k in order if sums[k] > 0}
        found.append(
            Hotspot(
                cells=group,
                peak=int(hexes.cells[peak]),
                complaints=complaints,
                z=float(hexes.z[peak]),
                q=float(hexes.q[idx].min()),
                exposure=exposure,
                expected=rate * exposure if rate is not None and exposure is not None else None,
                categories=cats,
            )
        )
    found.sort(key=lambda h: (-h.z, -h.complaints, h.peak))
    return found[: settings.hotspot_max_features]
