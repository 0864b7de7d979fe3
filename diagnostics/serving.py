"""Serving-cell candidates: pure geometry over the cell inventory, held in memory per process.

The inventory is ``diagnostics.cell_index.CellIndex`` (arrays and KD-trees, cached per process).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from diagnostics.cell_index import CellIndex, network_country
from diagnostics.geometry import (
    TECH_CODES,
    FloatArray,
    antenna_attenuation_db,
    local_xy,
)
from diagnostics.settings import DiagnosticsSettings
from geo.zones import countries_around, country_at


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
    layers: tuple[tuple[str, str], ...] = ()  # (technology, band) of the serving cells
    # every cell of the serving sites: complaints of one site's fault share a mass event whichever
    # of its sectors serves them
    site_cells: tuple[str, ...] = ()
    # the place in another country than the network's (None: no place, or can't tell): abroad,
    # whatever the description says; in ours while on a foreign network: across a border
    other_country: bool | None = None
    lobe_cell: str | None = None  # the cell ``in_main_lobe`` and ``off_axis_deg`` are of


def _off_axis(
    index: CellIndex, rows: npt.NDArray[np.int64], east: FloatArray, north: FloatArray
) -> FloatArray:
    bearing = np.degrees(np.arctan2(east, north)) % 360.0
    az = index.azimuth[rows]
    diff = np.abs((bearing - az + 180.0) % 360.0 - 180.0)  # NaN where no azimuth (omni)
    return np.where(np.isnan(az), 0.0, diff)


def _among(codes: npt.NDArray[np.int64], wanted: Iterable[int]) -> npt.NDArray[np.bool_]:
    """Which of the codes are wanted: a few sites among tens of cells, where np.isin's sorting
    costs ten times this comparison of every pair."""
    chosen = np.fromiter(wanted, np.int64)
    among: npt.NDArray[np.bool_] = (codes[:, None] == chosen[None, :]).any(axis=1)
    return among


def _layers(index: CellIndex, rows: Sequence[int]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({(index.technology[r], b) for r in rows if (b := index.band[r])}))


def near_radius(settings: DiagnosticsSettings) -> float:
    """Where serving cells are looked for first (``serving_near_radius_m``)."""
    return min(settings.serving_search_radius_m, settings.serving_near_radius_m)


def serving_cells(
    index: CellIndex,
    lat: float | None,
    lon: float | None,
    settings: DiagnosticsSettings,
    *,
    cell_id: str | None = None,
    technologies: Sequence[str] | None = None,
    near: npt.NDArray[np.int64] | None = None,
) -> Serving:
    """Serving-cell candidates for a place (or a given cell), best first.

    ``technologies``: only cells of these technologies serve (the device's capabilities);
    None = all. A given ``cell_id`` always comes first. ``network_technologies`` of the result
    are those of every active cell at the serving sites, whatever the device. ``near``: the
    place's ``rows_within`` the near radius when already known (batches query the tree once);
    the whole search radius (hundreds to thousands of cells in a city) is read only where too
    few sites are near.
    """
    given = [cell_id] if cell_id else []
    known = cell_id is None or cell_id in index.by_id
    if lat is None or lon is None:
        return _from_cell(index, cell_id, settings)
    search = settings.serving_search_radius_m
    rows = index.rows_within(lat, lon, near_radius(settings)) if near is None else near
    # indoor systems serve only their own building: they don't make the near sites enough (a
    # metro line's stations within the near radius had left a place with no serving cell, gen 26)
    near_active = rows[index.active[rows] & ~index.indoor[rows]][:50].tolist()
    if len({index.site_ids[r] for r in near_active}) < settings.serving_sites:
        rows = index.rows_within(lat, lon, search)
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
            other_country=_other_country(index, lat, lon, settings),
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
    # the best site always serves; another only within reach: two inter-site distances away, a
    # site is behind the ring of nearer ones (a busy station cell 1.5 km off is not this place's).
    # What the network offers here (``network_technologies``: is there 5G?) is still read from
    # the nearest sites, within reach or not: a phone is offered the layers a little farther off.
    reach = settings.serving_site_max_isd * isd
    offering: set[int] = set()
    for pos in order[: max(1, int(usable.sum()))]:
        if len(offering) >= settings.serving_sites:
            break
        code = int(codes[pos])
        offering.add(code)
        if not sites or dist[pos] <= reach:
            sites.setdefault(code, float(att[pos]))
    at_sites = np.flatnonzero(_among(codes, sites))
    # each layer of a serving site: its best cell and those within 3 dB of it (co-sector
    # cells). Per technology, or a site's omni GSM cell, with no antenna loss, would drop its
    # LTE sectors a little off-axis (gen 23's village sites)
    layer = codes[at_sites] * 16 + index.tech_code[rows[at_sites]].astype(np.int64) + 1
    best_att: dict[int, float] = {}
    for key, value in zip(layer.tolist(), att[at_sites].tolist(), strict=True):
        best_att[key] = min(value, best_att.get(key, np.inf))
    ok = np.zeros(len(rows), dtype=np.bool_)
    ok[at_sites[att[at_sites] <= np.array([best_att[k] for k in layer.tolist()]) + 3.0]] = True
    wanted = ok & usable
    head = order[: int(ok.sum()) + len(sites) * 8]
    chosen = head[wanted[head]]
    if len(chosen) < int(wanted.sum()):
        chosen = order[wanted[order]]
    cells = given + [c for c in (index.ids[r] for r in rows[chosen].tolist()) if c not in given]
    cells = cells[: settings.max_serving_cells]
    serving_set = set(cells)
    near = np.flatnonzero(dist <= settings.neighbour_radius_m)
    near = near[np.argsort(dist[near], kind="stable")]
    neighbours = [
        c
        for c in (index.ids[r] for r in rows[near[: 6 * settings.max_serving_cells]].tolist())
        if c not in serving_set
    ][: 4 * settings.max_serving_cells]
    rows_of = [index.by_id[c] for c in cells if c in index.by_id]
    site_rows = rows[_among(codes, offering)]
    best = int(order[0]) if usable[int(order[0])] else int(np.argmin(effective))
    serving_sites = list(dict.fromkeys(index.site_ids[r] for r in rows_of))
    return Serving(
        cells=cells,
        neighbours=neighbours,
        sites=serving_sites,
        site_cells=_site_cells(index, serving_sites),
        location=(lat, lon),
        nearest_site_m=float(dist.min()),
        local_isd_m=isd,
        in_main_lobe=bool(off[best] <= index.beamwidth[rows[best]] / 2.0),
        off_axis_deg=float(off[best]),
        lobe_cell=index.ids[int(rows[best])],
        planned_cell=planned_cell,
        planned_m=planned_m,
        technologies=tuple(sorted({index.technology[r] for r in rows_of})),
        bands=tuple(sorted({b for r in rows_of if (b := index.band[r])})),
        layers=_layers(index, rows_of),
        known_cell=known,
        other_country=_other_country(index, lat, lon, settings),
        network_technologies=tuple(
            sorted(
                {index.technology[r] for r in site_rows.tolist()}
                or {index.technology[r] for r in rows[:1].tolist()}
            )
        ),
    )


def with_cells(serving: Serving, cells: Sequence[str], index: CellIndex) -> Serving:
    """The same place with other serving cells (e.g. the ones MR shows serving it). The cells
    that no longer serve become neighbours, so their alarms are still read (a site that is down is
    missing from the MR of its own outage; the best one's KPIs too: ``best_server_kpis``)."""
    rows = [index.by_id[c] for c in cells if c in index.by_id]
    chosen = set(cells)
    dropped = [c for c in serving.cells if c not in chosen and c in index.by_id]
    sites = list(dict.fromkeys(index.site_ids[r] for r in rows))
    return replace(
        serving,
        cells=list(cells),
        neighbours=[n for n in dict.fromkeys([*dropped, *serving.neighbours]) if n not in chosen],
        sites=sites,
        site_cells=_site_cells(index, sites),
        technologies=tuple(sorted({index.technology[r] for r in rows})),
        bands=tuple(sorted({b for r in rows if (b := index.band[r])})),
        layers=_layers(index, rows),
    )


def _other_country(
    index: CellIndex, lat: float, lon: float, settings: DiagnosticsSettings
) -> bool | None:
    """The place is in another country than the network's; None where it can't be told: no
    country here (at sea) or none for the network, or within ``border_margin_m`` of ours."""
    ours, here = network_country(index), country_at(lat, lon)
    if ours is None or here is None:
        return None
    if here == ours:
        return False
    margin = settings.border_margin_m
    return None if margin > 0 and ours in countries_around(lat, lon, margin) else True


def _site_cells(index: CellIndex, sites: Sequence[str]) -> tuple[str, ...]:
    return tuple(index.ids[r] for site in sites for r in index.cells_of_site.get(site, ()))


def co_sector(index: CellIndex, cell_id: str) -> list[str]:
    """The other cells of the cell's sector: same site, azimuth within 15° (other bands and
    technologies, the layers a phone there may be steered to)."""
    row = index.by_id.get(cell_id)
    if row is None:
        return []
    azimuth = float(index.azimuth[row])
    out = []
    for other in index.cells_of_site.get(index.site_ids[row], []):
        other_azimuth = float(index.azimuth[other])
        same_sector = (math.isnan(azimuth) and math.isnan(other_azimuth)) or (
            abs((other_azimuth - azimuth + 180.0) % 360.0 - 180.0) <= 15.0
        )
        if other != row and same_sector:
            out.append(index.ids[other])
    return out


def _from_cell(index: CellIndex, cell_id: str | None, settings: DiagnosticsSettings) -> Serving:
    """No position: the given cell and its co-sector cells serve; the place is the cell's site."""
    if not cell_id:
        return Serving([], [], [], None, None, None, None, None)
    row = index.by_id.get(cell_id)
    if row is None:
        return Serving([cell_id], [], [], None, None, None, None, None, known_cell=False)
    site = index.site_ids[row]
    cells = [cell_id, *co_sector(index, cell_id)][: settings.max_serving_cells]
    lat, lon = float(index.lat[row]), float(index.lon[row])
    near = index.rows_within(lat, lon, settings.neighbour_radius_m)
    neighbours = [
        c for c in (index.ids[r] for r in near[index.active[near]].tolist()) if c not in cells
    ]
    rows_of = [index.by_id[c] for c in cells]
    return Serving(
        cells=cells,
        neighbours=neighbours[: 4 * settings.max_serving_cells],
        sites=[site],
        site_cells=_site_cells(index, [site]),
        location=(lat, lon),
        nearest_site_m=None,
        local_isd_m=index.local_isd(row, settings.default_isd_m),
        in_main_lobe=None,
        off_axis_deg=None,
        technologies=tuple(sorted({index.technology[r] for r in rows_of})),
        bands=tuple(sorted({b for r in rows_of if (b := index.band[r])})),
        layers=_layers(index, rows_of),
    )
