"""Serving-cell candidates: pure geometry over the cell inventory, held in memory per process.

``CellIndex`` keeps every cell as numpy arrays plus KD-trees (on unit-sphere vectors) of cells
and active sites, so one diagnosis never re-reads 10 k cells; ``cell_index(conn)`` reloads it only
when the ``cells`` table changed (a statement trigger bumps ``diag_reference_versions``,
migration 020).

Which cells serve a place: for each active cell within the search radius, the antenna's
horizontal pattern (3GPP TR 36.814: attenuation 12·(δ/θ3dB)² dB, capped at 20 dB, where δ is the
angle between the azimuth and the bearing to the place) turns into an "effective distance"
d·10^(A/35) (path-loss exponent 3.5). The best sector of each of the nearest ``serving_sites``
sites serves, together with the co-sector cells (other bands and technologies) of the same site.
Planned cells and the local inter-site distance (median nearest-neighbour spacing of the sites
around) are reported beside them for the coverage checks.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from diagnostics.settings import DiagnosticsSettings
from storage.db import Conn

EARTH_RADIUS_M = 6_371_008.8
TECH_CODES = {"GSM": 0, "UMTS": 1, "LTE": 2, "NR": 3}
ISD_SITES = 6  # sites whose nearest-neighbour spacing gives a site's local inter-site distance
FloatArray = npt.NDArray[np.float64]

CELLS_SQL = """
SELECT cell_id, site_id, lat, lon, technology, azimuth_deg, beamwidth_deg, band, indoor, status
FROM cells ORDER BY cell_id
"""


def _codes(values: Sequence[str]) -> npt.NDArray[np.int64]:
    """An integer per distinct value (same value, same code)."""
    seen: dict[str, int] = {}
    return np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)


def unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def chord(metres: float) -> float:
    """Chord length on the unit sphere for a great-circle distance in metres."""
    return 2.0 * math.sin(min(metres / EARTH_RADIUS_M, math.pi) / 2.0)


def local_xy(
    lat0: float, lon0: float, lat: FloatArray, lon: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """East/north metres of points from (lat0, lon0) (equirectangular; fine within tens of km)."""
    k = math.pi / 180.0 * EARTH_RADIUS_M
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def antenna_attenuation_db(off_axis_deg: FloatArray, beamwidth_deg: FloatArray) -> FloatArray:
    """3GPP horizontal pattern: 12·(δ/θ3dB)² dB capped at 20 dB; omni (360°) cells: 0 dB."""
    att = 12.0 * (off_axis_deg / np.maximum(beamwidth_deg, 1.0)) ** 2
    att = np.minimum(att, 20.0)
    return np.where(beamwidth_deg >= 360.0, 0.0, att)


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
    site_nn_m: FloatArray  # distance from each active site to its nearest other active site
    cells_of_site: dict[str, list[int]] = field(default_factory=dict)
    tech_code: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    site_row: dict[str, int] = field(default_factory=dict)  # active site → its row in site_*
    site_code: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    xyz: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))  # unit vectors, all rows
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
        site_nn = np.full(len(site_names), np.nan, dtype=np.float64)
        site_isd = np.full(len(site_names), np.nan, dtype=np.float64)
        if site_tree is not None and len(site_names) >= 2:
            dist, _ = site_tree.query(unit_vectors(site_lat, site_lon), k=2)
            site_nn = 2.0 * np.arcsin(np.clip(dist[:, 1] / 2.0, 0, 1)) * EARTH_RADIUS_M
            k = min(ISD_SITES, len(site_names))
            _, around = site_tree.query(unit_vectors(site_lat, site_lon), k=k)
            site_isd = np.median(site_nn[np.atleast_2d(around)], axis=1)
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
            indoor=np.array([bool(r[8]) for r in rows], dtype=np.bool_),
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
            site_nn_m=site_nn,
            cells_of_site=cells_of_site,
            tech_code=np.array([TECH_CODES.get(str(r[4]), -1) for r in rows], dtype=np.int8),
            site_row={n: i for i, n in enumerate(site_names)},
            site_code=_codes(site_ids),
            site_isd_m=site_isd,
            xyz=unit_vectors(lat, lon),
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

    def local_isd_m(self, lat: float, lon: float, sites: int, default_m: float) -> float:
        """Median nearest-neighbour spacing of the ``sites`` active sites nearest the place."""
        if self.site_tree is None or len(self.site_names) < 2:
            return default_m
        k = min(sites, len(self.site_names))
        _, idx = self.site_tree.query(unit_vectors(np.array([lat]), np.array([lon]))[0], k=k)
        values = self.site_nn_m[np.atleast_1d(idx)]
        values = values[np.isfinite(values)]
        return float(np.median(values)) if len(values) else default_m


@dataclass(frozen=True)
class Serving:
    """Where a complaint is served from, and the geometry the coverage checks need."""

    cells: list[str]  # serving-cell candidates, best first
    neighbours: list[str]  # other active cells within the neighbour radius (outage checks)
    sites: list[str]  # sites of the serving cells
    location: tuple[float, float] | None  # the complaint's place, or the given cell's position
    nearest_site_m: float | None  # distance to the nearest active site
    local_isd_m: float | None
    in_main_lobe: bool | None  # the best serving cell points at the place
    off_axis_deg: float | None
    planned_cell: str | None = None  # nearest planned cell within the search radius
    planned_m: float | None = None
    technologies: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    known_cell: bool = True  # the given cell_id is in the inventory (or no cell_id given)
    network_technologies: tuple[str, ...] = ()  # of all active cells at the serving sites


def _off_axis(
    index: CellIndex, rows: npt.NDArray[np.int64], east: FloatArray, north: FloatArray
) -> FloatArray:
    bearing = np.degrees(np.arctan2(east, north)) % 360.0
    az = index.azimuth[rows]
    diff = np.abs((bearing - np.nan_to_num(az) + 180.0) % 360.0 - 180.0)
    return np.where(np.isnan(az), 0.0, diff)


def serving_cells(
    index: CellIndex,
    lat: float | None,
    lon: float | None,
    settings: DiagnosticsSettings,
    *,
    cell_id: str | None = None,
    technologies: Sequence[str] | None = None,
    candidates: npt.NDArray[np.int64] | None = None,
) -> Serving:
    """Serving-cell candidates for a place (or a given cell), best first.

    ``technologies``: only cells of these technologies serve (the device's capabilities);
    None = all. A given ``cell_id`` always comes first. ``network_technologies`` of the result
    are those of every active cell at the serving sites, whatever the device. ``candidates``:
    the place's ``rows_within(serving_search_radius_m)`` when already known (batches).
    """
    given = [cell_id] if cell_id else []
    known = cell_id is None or cell_id in index.by_id
    if lat is None or lon is None:
        return _from_cell(index, cell_id, settings)
    search = settings.serving_search_radius_m
    if candidates is None:
        candidates = index.rows_within(lat, lon, search)
    rows = candidates
    near_m = min(search, settings.serving_near_radius_m)
    if near_m < search and len(candidates):
        # the near ones among them, by the tree's own (chord) distance: the same rows, in the
        # same order, as asking the tree for the near radius
        place = unit_vectors(np.array([lat]), np.array([lon]))[0]
        gap2 = ((index.xyz[candidates] - place) ** 2).sum(axis=1)
        rows = candidates[gap2 <= chord(near_m) ** 2]
    if (
        len({index.site_ids[int(r)] for r in rows[index.active[rows]][:50]})
        < settings.serving_sites
    ):
        rows = candidates
    east, north = local_xy(lat, lon, index.lat[rows], index.lon[rows])
    dist = np.hypot(east, north)
    planned_cell, planned_m = None, None
    is_planned = index.planned[rows]
    if is_planned.any():
        best_planned = int(np.argmin(np.where(is_planned, dist, np.inf)))
        planned_cell, planned_m = index.ids[int(rows[best_planned])], float(dist[best_planned])
    # an indoor system serves only the building it is in
    keep = index.active[rows] & (~index.indoor[rows] | (dist <= 150.0))
    rows, east, north, dist = rows[keep], east[keep], north[keep], dist[keep]
    if not len(rows):
        return Serving(
            given,
            [],
            [],
            (lat, lon),
            None,
            None,
            None,
            None,
            planned_cell,
            planned_m,
            known_cell=known,
        )
    isd = index.local_isd(int(rows[int(np.argmin(dist))]), settings.default_isd_m)
    off = _off_axis(index, rows, -east, -north)  # bearing from each cell to the place
    att = antenna_attenuation_db(off, index.beamwidth[rows])
    effective = np.maximum(dist, 30.0) * 10.0 ** (att / 35.0)
    usable = np.ones(len(rows), dtype=np.bool_)
    if technologies is not None:
        allowed = np.zeros(len(TECH_CODES) + 1, dtype=np.bool_)  # code -1 (unknown) → last
        allowed[[TECH_CODES[t] for t in technologies if t in TECH_CODES]] = True
        usable = allowed[index.tech_code[rows]]
    order = np.argsort(np.where(usable, effective, np.inf), kind="stable")
    codes = index.site_code[rows]
    sites: dict[int, float] = {}  # site code → attenuation of its best usable cell
    for pos in order[: max(1, int(usable.sum()))]:
        if len(sites) >= settings.serving_sites:
            break
        sites.setdefault(int(codes[pos]), float(att[pos]))
    at_sites = (codes[:, None] == np.fromiter(sites, np.int64, len(sites))[None, :]).any(axis=1)
    best_att = np.array([sites.get(int(c), np.inf) for c in codes[at_sites]])
    ok = np.zeros(len(rows), dtype=np.bool_)
    ok[np.flatnonzero(at_sites)[att[at_sites] <= best_att + 3.0]] = True  # + co-sector cells
    chosen = [int(p) for p in order[: int(ok.sum()) + len(sites) * 8] if ok[p] and usable[p]]
    if len(chosen) < int((ok & usable).sum()):
        chosen = [int(p) for p in order if ok[p] and usable[p]]
    cells = given + [
        index.ids[int(rows[p])] for p in chosen if index.ids[int(rows[p])] not in given
    ]
    cells = cells[: settings.max_serving_cells]
    serving_set = set(cells)
    near = np.flatnonzero(dist <= settings.neighbour_radius_m)
    near = near[np.argsort(dist[near], kind="stable")]
    neighbours = [
        c
        for c in (index.ids[int(rows[p])] for p in near[: 6 * settings.max_serving_cells])
        if c not in serving_set
    ][: 4 * settings.max_serving_cells]
    rows_of = [index.by_id[c] for c in cells if c in index.by_id]
    site_rows = rows[at_sites]
    best = int(order[0]) if usable[int(order[0])] else int(np.argmin(effective))
    return Serving(
        cells=cells,
        neighbours=neighbours,
        sites=list(dict.fromkeys(index.site_ids[r] for r in rows_of)),
        location=(lat, lon),
        nearest_site_m=float(dist.min()),
        local_isd_m=isd,
        in_main_lobe=bool(off[best] <= index.beamwidth[rows[best]] / 2.0),
        off_axis_deg=float(off[best]),
        planned_cell=planned_cell,
        planned_m=planned_m,
        technologies=tuple(sorted({index.technology[r] for r in rows_of})),
        bands=tuple(sorted({b for r in rows_of if (b := index.band[r])})),
        known_cell=known,
        network_technologies=tuple(
            sorted(
                {index.technology[int(r)] for r in site_rows}
                or {index.technology[int(r)] for r in rows[:1]}
            )
        ),
    )


def with_cells(serving: Serving, cells: Sequence[str], index: CellIndex) -> Serving:
    """The same place with other serving cells (e.g. the ones MR shows serving it)."""
    rows = [index.by_id[c] for c in cells if c in index.by_id]
    chosen = set(cells)
    return replace(
        serving,
        cells=list(cells),
        neighbours=[n for n in serving.neighbours if n not in chosen],
        sites=list(dict.fromkeys(index.site_ids[r] for r in rows)),
        technologies=tuple(sorted({index.technology[r] for r in rows})),
        bands=tuple(sorted({b for r in rows if (b := index.band[r])})),
    )


def _from_cell(index: CellIndex, cell_id: str | None, settings: DiagnosticsSettings) -> Serving:
    """No position: the given cell and its co-sector cells serve; the place is the cell's site."""
    if not cell_id:
        return Serving([], [], [], None, None, None, None, None)
    row = index.by_id.get(cell_id)
    if row is None:
        return Serving([cell_id], [], [], None, None, None, None, None, known_cell=False)
    site = index.site_ids[row]
    cells = [cell_id]
    for other in index.cells_of_site.get(site, []):
        same_sector = (np.isnan(index.azimuth[row]) and np.isnan(index.azimuth[other])) or (
            abs((index.azimuth[other] - index.azimuth[row] + 180.0) % 360.0 - 180.0) <= 15.0
        )
        if other != row and same_sector:
            cells.append(index.ids[other])
    cells = cells[: settings.max_serving_cells]
    lat, lon = float(index.lat[row]), float(index.lon[row])
    near = index.rows_within(lat, lon, settings.neighbour_radius_m)
    neighbours = [
        index.ids[int(r)] for r in near if index.active[r] and index.ids[int(r)] not in cells
    ]
    rows_of = [index.by_id[c] for c in cells]
    return Serving(
        cells=cells,
        neighbours=neighbours[: 4 * settings.max_serving_cells],
        sites=[site],
        location=(lat, lon),
        nearest_site_m=None,
        local_isd_m=index.local_isd(row, settings.default_isd_m),
        in_main_lobe=None,
        off_axis_deg=None,
        technologies=tuple(sorted({index.technology[r] for r in rows_of})),
        bands=tuple(sorted({b for r in rows_of if (b := index.band[r])})),
    )


# --- the per-process cache ------------------------------------------------------------------

VERSION_SQL = """
SELECT name, version, epoch FROM diag_reference_versions WHERE name IN ('cells', 'areas')
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
