"""The radio network's geometry: sites, sectors, layers, holes and planned sites.

Sites are laid out around a city centre with a site density that falls with distance, the way
operators build: the inter-site distance (ISD) grows as ``ISD(r) = ISD0 * (1 + (r/rc)^2)`` from
~500 m downtown to several km at the rural edge (radius ``edge_factor * rc``). For a hexagonal
layout the site density is ``2 / (sqrt(3) ISD^2)``, which integrates to the site count and so
fixes ``rc`` for a requested size. Positions are drawn from that density with a minimum-distance
rejection (a variable-radius Poisson-disc), so neighbours are never stacked.

Every macro site has three sectors (azimuths 120 degrees apart, 65 degree beams, height and
downtilt by environment) on LTE (band 3, band 8 in the rural ring); many urban sites carry a
co-sited NR layer (n41). A few indoor (DAS) cells serve single buildings. Pairs of adjacent
suburban sites are taken off the grid to leave coverage holes about two ISDs wide; one site of
some pairs is listed as ``planned`` (on air after the scenario), and a few extra planned sites
sit at the rural edge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer

from scenario.settings import ScenarioSettings

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

MAX_CELLS_PER_SITE = 6
RING_CORE, RING_SUBURB, RING_RURAL = 0, 1, 2

# layer: (technology, band, earfcn / NR-ARFCN, DL centre GHz, subcarrier kHz, PRBs)
LAYERS: dict[str, tuple[str, str, int, float, float, int]] = {
    "L1800": ("LTE", "B3", 1300, 1.815, 15.0, 100),
    "L900": ("LTE", "B8", 3683, 0.948, 15.0, 50),
    "L2300": ("LTE", "B40", 38950, 2.330, 15.0, 100),
    "N2600": ("NR", "n41", 504990, 2.525, 30.0, 273),
}


ISD_EXPONENT = 0.75


def isd_at(r: F64 | float, rc: float, isd0: float) -> F64:
    """Planned inter-site distance at radius ``r``: ``ISD0 * (1 + (r/rc)^2)^0.75``."""
    return np.asarray(isd0 * (1.0 + (np.asarray(r) / rc) ** 2) ** ISD_EXPONENT, dtype=np.float64)


class LocalProjection:
    """Azimuthal equidistant metres around the centre (exact distances from it, pyproj)."""

    def __init__(self, lat0: float, lon0: float) -> None:
        crs = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_xy(self, lat: F64, lon: F64) -> tuple[F64, F64]:
        x, y = self._fwd.transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_latlon(self, x: F64, y: F64) -> tuple[F64, F64]:
        lon, lat = self._inv.transform(x, y)
        return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)


@dataclass
class Network:
    """Sites and cells as parallel arrays (index = position in the array)."""

    proj: LocalProjection
    rc: float  # core radius (m)
    radius: float  # network edge (m)
    isd0: float
    # sites
    site_id: list[str]
    site_x: F64
    site_y: F64
    site_ring: I64
    site_indoor: NDArray[np.bool_]
    site_state: list[str]  # active | planned | removed
    site_hole_kind: list[str]  # "", planned, recorded, unrecorded
    # cells
    cell_id: list[str]
    cell_site: I64
    layer: list[str]
    azimuth: F64  # NaN = omni
    height: F64
    tilt: F64
    pci: I64
    status: list[str]
    on_air: list[str]

    @property
    def n_cells(self) -> int:
        return len(self.cell_id)

    @property
    def cell_x(self) -> F64:
        return self.site_x[self.cell_site]

    @property
    def cell_y(self) -> F64:
        return self.site_y[self.cell_site]

    @property
    def active(self) -> NDArray[np.bool_]:
        return np.array([s == "active" for s in self.status], dtype=bool)

    @property
    def tech(self) -> list[str]:
        return [LAYERS[k][0] for k in self.layer]

    @property
    def indoor(self) -> NDArray[np.bool_]:
        return np.asarray(self.site_indoor[self.cell_site], dtype=bool)

    def isd(self, r: F64) -> F64:
        return np.asarray(isd_at(r, self.rc, self.isd0), dtype=np.float64)

    def site_cells(self) -> I64:
        """[sites, MAX_CELLS_PER_SITE] indices of each site's active cells, -1 padded."""
        table = np.full((len(self.site_id), MAX_CELLS_PER_SITE), -1, dtype=np.int64)
        fill = np.zeros(len(self.site_id), dtype=np.int64)
        for c in np.flatnonzero(self.active).tolist():
            s = int(self.cell_site[c])
            table[s, fill[s]] = c
            fill[s] += 1
        return table


def build_network(
    cfg: ScenarioSettings, n_cells: int, rng: np.random.Generator, period_end: dt.date
) -> Network:
    """Lay out sites and sectors so that cells.csv has exactly ``n_cells`` rows."""
    nr_avg = 0.25 * cfg.nr_share_core + 0.75 * cfg.nr_share_suburb * 0.6
    n_macro = max(6, round(n_cells / (3.0 + 3.0 * nr_avg) * (1 - cfg.indoor_site_share)))
    # sites within R: (2/sqrt 3) pi rc^2 / ISD0^2 * [1 - (1+U)^(1-2a)] / (2a-1), U = (R/rc)^2
    a = ISD_EXPONENT
    c = (1 - (1 + cfg.edge_factor**2) ** (1 - 2 * a)) / (2 * a - 1)
    rc = cfg.isd_core_m * np.sqrt(n_macro * np.sqrt(3) / (2 * np.pi * c))
    radius = cfg.edge_factor * rc
    xs, ys = _place_sites(n_macro, rc, radius, cfg.isd_core_m, rng)
    r = np.hypot(xs, ys)
    ring = np.where(r < rc, RING_CORE, np.where(r < 2 * rc, RING_SUBURB, RING_RURAL))
    n_indoor = max(1, round(n_macro * cfg.indoor_site_share))
    ang = rng.uniform(0, 2 * np.pi, n_indoor)
    rad = rc * 0.8 * np.sqrt(rng.uniform(0, 1, n_indoor))
    n_extra = max(1, round(n_macro * cfg.planned_extra_share))
    ang_e = rng.uniform(0, 2 * np.pi, n_extra)
    rad_e = radius * rng.uniform(0.9, 1.05, n_extra)
    site_x = np.concatenate([xs, rad * np.cos(ang), rad_e * np.cos(ang_e)])
    site_y = np.concatenate([ys, rad * np.sin(ang), rad_e * np.sin(ang_e)])
    site_ring = np.concatenate([ring, np.zeros(n_indoor, np.int64), np.full(n_extra, RING_RURAL)])
    site_indoor = np.zeros(len(site_x), dtype=bool)
    site_indoor[n_macro : n_macro + n_indoor] = True
    state = ["active"] * (n_macro + n_indoor) + ["planned"] * n_extra
    hole_kind = [""] * len(site_x)
    holes = _pick_holes(xs, ys, rc, cfg.isd_core_m, cfg.hole_site_share / 2, rng)
    for k, (s, mate) in enumerate(holes):
        kind = ("planned", "recorded", "unrecorded")[k % 3]
        hole_kind[s] = kind
        state[s] = "planned" if kind == "planned" else "removed"
        state[mate] = "removed"
    n_sites = len(site_x)
    width = len(str(n_sites + 1000))
    site_id = [f"{cfg.site_prefix}{k:0{width}d}" for k in rng.permutation(n_sites) + 1]
    net = Network(
        proj=LocalProjection(cfg.centre_lat, cfg.centre_lon),
        rc=float(rc),
        radius=float(radius),
        isd0=cfg.isd_core_m,
        site_id=site_id,
        site_x=site_x,
        site_y=site_y,
        site_ring=site_ring,
        site_indoor=site_indoor,
        site_state=state,
        site_hole_kind=hole_kind,
        cell_id=[],
        cell_site=np.zeros(0, np.int64),
        layer=[],
        azimuth=np.zeros(0),
        height=np.zeros(0),
        tilt=np.zeros(0),
        pci=np.zeros(0, np.int64),
        status=[],
        on_air=[],
    )
    _add_cells(net, cfg, n_cells, rng, period_end)
    return net


def _place_sites(
    n: int, rc: float, radius: float, isd0: float, rng: np.random.Generator
) -> tuple[F64, F64]:
    """Variable-radius Poisson-disc sampling from the radial site density."""
    a = ISD_EXPONENT
    c = 1 - (1 + (radius / rc) ** 2) ** (1 - 2 * a)
    pts: list[tuple[float, float]] = []
    arr = np.zeros((0, 2))
    tries = 0
    while len(pts) < n and tries < 200 * n:
        batch = 64
        f = rng.uniform(0, 1, batch)
        r = rc * np.sqrt((1 - f * c) ** (1 / (1 - 2 * a)) - 1)
        th = rng.uniform(0, 2 * np.pi, batch)
        for x, y, rr in zip(
            (r * np.cos(th)).tolist(), (r * np.sin(th)).tolist(), r.tolist(), strict=False
        ):
            tries += 1
            min_d = 0.55 * float(isd_at(rr, rc, isd0))
            if len(arr) and np.min(np.hypot(arr[:, 0] - x, arr[:, 1] - y)) < min_d:
                continue
            pts.append((x, y))
            arr = np.asarray(pts)
            if len(pts) >= n:
                break
    return arr[:, 0].copy(), arr[:, 1].copy()


def _pick_holes(
    xs: F64, ys: F64, rc: float, isd0: float, share: float, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """(site, neighbour) pairs to take off air, between rc and 2.1 rc, far apart.

    Removing two adjacent sites leaves a gap of about two inter-site distances: wide enough
    that even outdoor users in the middle fall below the coverage threshold."""
    r = np.hypot(xs, ys)
    want = max(3, round(len(xs) * share)) if len(xs) >= 30 else 1
    order = rng.permutation(np.flatnonzero((r > 1.0 * rc) & (r < 2.1 * rc)))
    chosen: list[tuple[int, int]] = []
    taken: list[int] = []
    for s in order.tolist():
        near = np.hypot(xs[taken] - xs[s], ys[taken] - ys[s]) if taken else np.zeros(0)
        if np.all(near > 3.5 * isd_at(r[s], rc, isd0)):
            d = np.hypot(xs - xs[s], ys - ys[s])
            d[s] = np.inf
            mate = int(np.argmin(d))
            chosen.append((s, mate))
            taken += [s, mate]
        if len(chosen) >= want:
            break
    return chosen


def _add_cells(
    net: Network,
    cfg: ScenarioSettings,
    n_cells: int,
    rng: np.random.Generator,
    period_end: dt.date,
) -> None:
    n_sites = len(net.site_id)
    plan: list[list[str]] = []  # per site: list of layer names, one per sector
    for s in range(n_sites):
        if net.site_state[s] == "removed":
            plan.append([])
        elif net.site_indoor[s]:
            plan.append(["L2300"])
        else:
            lte = "L900" if net.site_ring[s] == RING_RURAL else "L1800"
            share = (cfg.nr_share_core, cfg.nr_share_suburb, 0.0)[int(net.site_ring[s])]
            nr = net.site_state[s] == "active" and rng.uniform() < share
            plan.append([lte] * 3 + (["N2600"] * 3 if nr else []))
    _fit_count(net, plan, n_cells)
    base_az = rng.uniform(0, 120, n_sites)
    heights = {RING_CORE: (28, 40), RING_SUBURB: (25, 35), RING_RURAL: (30, 45)}
    tilts = {RING_CORE: (6, 10), RING_SUBURB: (4, 7), RING_RURAL: (2, 4)}
    group = rng.permutation(168)
    az: list[float] = []
    hs: list[float] = []
    ts: list[float] = []
    pcis: list[int] = []
    sites: list[int] = []
    for s, layers in enumerate(plan):
        ring = int(net.site_ring[s])
        h = float(rng.uniform(*heights[ring]))
        tilt = float(rng.uniform(*tilts[ring]))
        planned = net.site_state[s] != "active"
        on_air = (
            (period_end + dt.timedelta(days=int(rng.integers(20, 240)))).isoformat()
            if planned
            else dt.date(2014 + int(rng.integers(0, 10)), int(rng.integers(1, 13)), 1).isoformat()
        )
        indoor = bool(net.site_indoor[s])
        for k, layer in enumerate(layers):
            sector = k % 3
            letter = "I" if indoor else {"LTE": "L", "NR": "N"}[LAYERS[layer][0]]
            net.cell_id.append(f"{net.site_id[s]}-{letter}{sector + 1}")
            net.layer.append(layer)
            az.append(np.nan if indoor else float(base_az[s] + 120 * sector + rng.normal(0, 8)))
            hs.append(3.0 if indoor else h)
            ts.append(0.0 if indoor else tilt + float(rng.normal(0, 0.7)))
            modulus = 1008 if LAYERS[layer][0] == "NR" else 504
            pcis.append((3 * int(group[s % 168]) + sector + 504 * (s // 168 % 2)) % modulus)
            sites.append(s)
            net.status.append("planned" if planned else "active")
            net.on_air.append(on_air)
    net.azimuth = np.mod(np.asarray(az, dtype=np.float64), 360.0)
    net.height = np.asarray(hs, dtype=np.float64)
    net.tilt = np.asarray(ts, dtype=np.float64)
    net.pci = np.asarray(pcis, dtype=np.int64)
    net.cell_site = np.asarray(sites, dtype=np.int64)


def _fit_count(net: Network, plan: list[list[str]], n_cells: int) -> None:
    """Add or remove NR sectors (innermost first / outermost first) to hit ``n_cells``."""
    r = np.hypot(net.site_x, net.site_y)
    eligible = [
        s
        for s in np.argsort(r).tolist()
        if net.site_state[s] == "active" and not net.site_indoor[s]
    ]
    total = sum(len(p) for s, p in enumerate(plan) if net.site_state[s] != "removed")
    while total > n_cells:
        for s in reversed(eligible):
            if len(plan[s]) > 3:
                plan[s].pop()
                total -= 1
                break
        else:
            for s in reversed(eligible):  # the outermost site loses a sector
                if len(plan[s]) > 1:
                    plan[s].pop()
                    total -= 1
                    break
            else:
                break
    while total < n_cells:
        for s in eligible:
            if len(plan[s]) < MAX_CELLS_PER_SITE:
                plan[s].append("N2600")
                total += 1
                break
        else:
            break
