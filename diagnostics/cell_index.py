"""The cell inventory in memory, per process: every cell as numpy arrays plus KD-trees (on
unit-sphere vectors) of cells and active sites, so one diagnosis never re-reads 10 k cells;
``cell_index(conn)`` reloads it only when the ``cells`` table changed (a statement trigger bumps
``diag_reference_versions``, migration 020).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from diagnostics.geometry import EARTH_RADIUS_M, TECH_CODES, FloatArray, chord, unit_vectors
from geo.zones import country_at
from storage.db import Conn

ISD_SITES = 6  # sites whose nearest-neighbour spacing gives a site's local inter-site distance
MACRO_SHARE = 0.3  # below this share of macro sites the inventory's site ids don't tell them

CELLS_SQL = """
SELECT cell_id, site_id, lat, lon, technology, azimuth_deg, beamwidth_deg, band, indoor, status
FROM cells ORDER BY cell_id
"""


def _codes(values: Sequence[str]) -> npt.NDArray[np.int64]:
    """An integer per distinct value (same value, same code)."""
    seen: dict[str, int] = {}
    return np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)


@dataclass(frozen=True)
class CellIndex:
    """All cells of the inventory as arrays; rows are in cell_id order."""

    key: tuple[Any, ...]
    ids: list[str]
    site_ids: list[str]
    lat: FloatArray
    lon: FloatArray
    azimuth: FloatArray  # NaN = omni
    beamwidth: FloatArray
    technology: list[str]
    band: list[str | None]
    indoor: npt.NDArray[np.bool_]
    status: list[str]
    by_id: dict[str, int]
    active: npt.NDArray[np.bool_]
    planned: npt.NDArray[np.bool_]
    tree: cKDTree | None  # over non-decommissioned cells (active and planned)
    tree_rows: npt.NDArray[np.int64]
    site_names: list[str]  # active sites
    site_lat: FloatArray
    site_lon: FloatArray
    site_tree: cKDTree | None
    cells_of_site: dict[str, list[int]] = field(default_factory=dict)
    tech_code: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    site_row: dict[str, int] = field(default_factory=dict)  # active site → its row in site_*
    site_code: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    site_isd_m: FloatArray = field(
        default_factory=lambda: np.zeros(0)
    )  # local ISD around each site

    @classmethod
    def build(cls, rows: Sequence[Sequence[Any]], key: tuple[Any, ...] = ()) -> CellIndex:
        ids = [str(r[0]) for r in rows]
        site_ids = [str(r[1]) for r in rows]
        lat = np.array([float(r[2]) for r in rows], dtype=np.float64)
        lon = np.array([float(r[3]) for r in rows], dtype=np.float64)
        azimuth = np.array(
            [np.nan if r[5] is None else float(r[5]) for r in rows], dtype=np.float64
        )
        beam = np.array(
            [360.0 if r[5] is None or r[6] is None else float(r[6]) for r in rows], dtype=np.float64
        )
        status = [str(r[9]) for r in rows]
        active = np.array([s == "active" for s in status], dtype=np.bool_)
        planned = np.array([s == "planned" for s in status], dtype=np.bool_)
        usable = np.flatnonzero(active | planned)
        tree = cKDTree(unit_vectors(lat[usable], lon[usable])) if len(usable) else None
        cells_of_site: dict[str, list[int]] = {}
        site_pos: dict[str, tuple[float, float]] = {}
        for row in np.flatnonzero(active):
            site = site_ids[row]
            cells_of_site.setdefault(site, []).append(int(row))
            site_pos.setdefault(site, (float(lat[row]), float(lon[row])))
        site_names = list(site_pos)
        site_lat = np.array([site_pos[s][0] for s in site_names], dtype=np.float64)
        site_lon = np.array([site_pos[s][1] for s in site_names], dtype=np.float64)
        site_tree = cKDTree(unit_vectors(site_lat, site_lon)) if site_names else None
        indoor = np.array([bool(r[8]) for r in rows], dtype=np.bool_)
        macro = np.array(
            [
                len(cells_of_site[site]) >= 2 and not indoor[cells_of_site[site]].all()
                for site in site_names
            ],
            dtype=np.bool_,
        )
        site_isd = _local_isd(site_lat, site_lon, macro)
        return cls(
            key=key,
            ids=ids,
            site_ids=site_ids,
            lat=lat,
            lon=lon,
            azimuth=azimuth,
            beamwidth=beam,
            technology=[str(r[4]) for r in rows],
            band=[None if r[7] is None else str(r[7]) for r in rows],
            indoor=indoor,
            status=status,
            by_id={c: i for i, c in enumerate(ids)},
            active=active,
            planned=planned,
            tree=tree,
            tree_rows=usable.astype(np.int64),
            site_names=site_names,
            site_lat=site_lat,
            site_lon=site_lon,
            site_tree=site_tree,
            cells_of_site=cells_of_site,
            tech_code=np.array([TECH_CODES.get(str(r[4]), -1) for r in rows], dtype=np.int8),
            site_row={n: i for i, n in enumerate(site_names)},
            site_code=_codes(site_ids),
            site_isd_m=site_isd,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, cell_id: str) -> tuple[float, float] | None:
        row = self.by_id.get(cell_id)
        return None if row is None else (float(self.lat[row]), float(self.lon[row]))

    def rows_within(self, lat: float, lon: float, radius_m: float) -> npt.NDArray[np.int64]:
        """Rows of non-decommissioned cells within ``radius_m``."""
        if self.tree is None:
            return np.empty(0, dtype=np.int64)
        hits = self.tree.query_ball_point(
            unit_vectors(np.array([lat]), np.array([lon]))[0], chord(radius_m)
        )
        return (
            self.tree_rows[np.asarray(sorted(hits), dtype=np.int64)]
            if hits
            else np.empty(0, dtype=np.int64)
        )

    def rows_within_many(
        self, lats: Sequence[float], lons: Sequence[float], radius_m: float
    ) -> list[npt.NDArray[np.int64]]:
        """``rows_within`` for many places, with one query of the tree."""
        empty = np.empty(0, dtype=np.int64)
        if self.tree is None or not len(lats):
            return [empty for _ in lats]
        points = unit_vectors(np.asarray(lats, dtype=float), np.asarray(lons, dtype=float))
        hits = self.tree.query_ball_point(points, chord(radius_m), return_sorted=True)
        return [self.tree_rows[np.asarray(h, dtype=np.int64)] if h else empty for h in hits]

    def local_isd(self, row: int, default_m: float) -> float:
        """The local inter-site distance around the site of cell ``row`` (precomputed)."""
        pos = self.site_row.get(self.site_ids[row])
        value = self.site_isd_m[pos] if pos is not None and len(self.site_isd_m) else np.nan
        return float(value) if np.isfinite(value) else default_m


def _local_isd(lat: FloatArray, lon: FloatArray, macro: npt.NDArray[np.bool_]) -> FloatArray:
    """Each site's local inter-site distance: the median nearest-neighbour spacing of the
    ``ISD_SITES`` macro sites nearest it. Macro sites are those with two cells or more, not all
    indoor: a real inventory's small cells and indoor systems (one cell each, a few hundred
    metres from a macro site) would halve the spacing, and every place between two macro sites
    would look like a gap. All sites count when too few are macro (a file of one cell per
    site)."""
    out = np.full(len(lat), np.nan, dtype=np.float64)
    if len(lat) < 2:
        return out
    if macro.sum() < max(2, MACRO_SHARE * len(lat)):
        macro = np.ones(len(lat), dtype=np.bool_)
    points = unit_vectors(lat[macro], lon[macro])
    tree = cKDTree(points)
    dist, _ = tree.query(points, k=2)
    spacing = 2.0 * np.arcsin(np.clip(dist[:, 1] / 2.0, 0, 1)) * EARTH_RADIUS_M
    _, around = tree.query(unit_vectors(lat, lon), k=min(ISD_SITES, len(points)))
    out[:] = np.median(spacing[np.atleast_2d(around)], axis=1)
    return out


# --- the per-process cache ------------------------------------------------------------------

VERSION_SQL = """
SELECT name, version, epoch FROM diag_reference_versions
WHERE name IN ('cells', 'areas', 'subscribers')
"""

_lock = threading.Lock()
_cells: dict[tuple[Any, ...], CellIndex] = {}


def database_key(conn: Conn) -> tuple[Any, ...]:
    info = conn.info
    return (info.host, info.port, info.dbname)


def reference_versions(conn: Conn) -> dict[str, tuple[int, str]]:
    return {str(r[0]): (int(r[1]), str(r[2])) for r in conn.execute(VERSION_SQL).fetchall()}


def cell_index(conn: Conn, versions: dict[str, tuple[int, str]] | None = None) -> CellIndex:
    """The cached index of this database's cells, reloaded when the cells table changed."""
    versions = versions if versions is not None else reference_versions(conn)
    key = (*database_key(conn), *versions.get("cells", (0, "")))
    with _lock:
        cached = _cells.get(key[:3])
        if cached is not None and cached.key == key:
            return cached
    index = CellIndex.build(conn.execute(CELLS_SQL).fetchall(), key)
    with _lock:
        _cells[key[:3]] = index
    return index


_countries: dict[tuple[Any, ...], str | None] = {}


def network_country(index: CellIndex) -> str | None:
    """The country most of the network's active sites are in (a sample of them), cached per
    inventory: a place in another one is abroad for our subscribers."""
    with _lock:
        if index.key in _countries:
            return _countries[index.key]
    step = max(1, len(index.site_names) // 25)
    found = Counter(
        country_at(float(lat), float(lon))
        for lat, lon in zip(index.site_lat[::step], index.site_lon[::step], strict=True)
    )
    found.pop(None, None)
    country = found.most_common(1)[0][0] if found else None
    with _lock:
        _countries[index.key] = country
    return country
