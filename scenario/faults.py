"""The faults planted in the network, each at specific cells, places and times.

- **Outage**: every cell of a site down for a window (site power failure, fibre cut,
  equipment fault); alarms raised for some, silent for others ("sleeping" sites).
- **Works**: planned night-time maintenance on sites nobody complains about (noise).
- **Interference source**: an external emitter (faulty or illegal repeater/booster, jammer,
  factory equipment) radiating in the uplink and the downlink bands on a schedule. Its uplink
  power at each cell's receiver follows the UMa path loss and the cell's antenna pattern (its
  power is sized so the target cell reads -101 to -92 dBm/PRB; every cell above -105 dBm is
  "interfered"); its downlink emission (18-26 dB stronger, as a booster's downlink amplifier)
  follows UMi to users nearby, so users within ~150 m see good RSRP with poor SINR.
- **Congestion**: chronically overloaded cells, and an event at a venue on the event day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from scenario.clock import PERIOD_S, Clock
from scenario.network import RING_RURAL, Network
from scenario.propagation import antenna_gain, pl_uma
from scenario.radio import RadioModel
from scenario.settings import ScenarioSettings

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

OUTAGE_KINDS = ("site_down", "transmission", "power")
OUTAGE_HOURS = {"site_down": (1.0, 6.0), "transmission": (3.0, 10.0), "power": (2.0, 8.0)}
SCHEDULES = ("workhours", "continuous", "evening")
SOURCE_NAMES = {
    "workhours": (
        "Xinhua plastics factory",
        "Oriental textile mill",
        "Baoshan steel annex",
        "Minhang machine works",
    ),
    "evening": (
        "Jinsha KTV",
        "Hongqiao night market",
        "Riverside restaurant street",
        "Wujiaochang shopping mall",
    ),
    "continuous": (
        "Pudong cold-storage depot",
        "Riverside logistics park",
        "Zhenru residential repeater",
        "Caohejing office tower",
    ),
}
UL_RX_GAIN_DB = 16.0  # 18 dBi panel - 2 dB feeder


@dataclass
class Outage:
    site: int
    cells: I64
    start: int
    end: int  # may lie beyond the scenario end: still down, alarm not cleared
    kind: str
    alarmed: bool
    works: bool = False


@dataclass
class Source:
    """An external interference source (positions in local metres)."""

    x: float
    y: float
    h: float
    p_ul_re_dbm: float
    p_dl_re_dbm: float
    active: NDArray[np.bool_]  # per period
    schedule: str
    name: str
    recorded: bool
    alarmed: bool
    target: int
    cells: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    ul_dbm: F64 = field(default_factory=lambda: np.zeros(0))  # per PRB at each cell's receiver


@dataclass
class Venue:
    x: float
    y: float
    a: float  # semi-axes (m)
    b: float
    name: str
    cells: I64
    start: int
    end: int


@dataclass
class Faults:
    outages: list[Outage] = field(default_factory=list)
    works: list[Outage] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    congested: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    venue: Venue | None = None

    def claimed(self) -> set[int]:
        """Cells carrying any fault: healthy complaints avoid them."""
        out: set[int] = set()
        for o in [*self.outages, *self.works]:
            out.update(o.cells.tolist())
        for s in self.sources:
            out.update(s.cells.tolist())
        out.update(self.congested.tolist())
        if self.venue is not None:
            out.update(self.venue.cells.tolist())
        return out

    def up_share(self, n_cells: int, clock: Clock, p0: int, p1: int) -> F64:
        """``[cells, periods]`` share of each period the cell was up."""
        up = np.ones((n_cells, p1 - p0))
        starts = clock.start + PERIOD_S * np.arange(p0, p1, dtype=np.int64)
        for o in [*self.outages, *self.works]:
            overlap = np.clip(
                np.minimum(starts + PERIOD_S, o.end) - np.maximum(starts, o.start), 0, PERIOD_S
            )
            if overlap.any():
                up[o.cells] = np.minimum(up[o.cells], 1.0 - overlap / PERIOD_S)
        return up

    def ext_ul_mw(self, n_cells: int, p0: int, p1: int) -> F64:
        """``[cells, periods]`` external uplink interference per PRB (mW)."""
        out = np.zeros((n_cells, p1 - p0))
        for s in self.sources:
            act = s.active[p0:p1]
            out[s.cells] += 10 ** (s.ul_dbm[:, None] / 10) * act[None, :]
        return out

    def down_mask(self, cand: I64, ts: I64) -> NDArray[np.bool_]:
        """``[N, M]``: candidate cell down at the sample's instant."""
        mask = np.zeros(cand.shape, dtype=bool)
        for o in [*self.outages, *self.works]:
            rows = (ts >= o.start) & (ts < o.end)
            if rows.any():
                mask[rows] |= np.isin(cand[rows], o.cells)
        return mask


def plan_outages(
    net: Network,
    clock: Clock,
    sizes: list[int],
    cfg: ScenarioSettings,
    rng: np.random.Generator,
    used_sites: set[int],
) -> list[Outage]:
    """One outage per complaint group; busy (near-centre) sites, daytime starts."""
    r = np.hypot(net.site_x, net.site_y)
    ok = [
        s
        for s in range(len(net.site_id))
        if net.site_state[s] == "active"
        and not net.site_indoor[s]
        and r[s] < 1.6 * net.rc
        and s not in used_sites
    ]
    weights = np.exp(-r[ok] / net.rc)
    order = rng.choice(ok, size=min(len(ok), len(sizes)), replace=False, p=weights / weights.sum())
    active = net.active
    out: list[Outage] = []
    for k, s in enumerate(order.tolist()):
        kind = OUTAGE_KINDS[k % 3]
        lo, hi = OUTAGE_HOURS[kind]
        hours = float(rng.uniform(lo, hi))
        day = int(rng.integers(0, clock.days))
        local_start = float(rng.uniform(7.5, 19.0))
        start = clock.start + day * 86_400 + int(local_start * 3600) + int(rng.integers(0, 60))
        start = int(min(max(start, clock.start + 6 * 3600), clock.end - 2 * 3600))
        end = start + int(hours * 3600)
        if k == len(order) - 1 and len(order) >= 4:
            start = int(clock.end - rng.uniform(2.5, 4.0) * 3600)  # still down at the end
            end = clock.end + 3 * 3600
        cells = np.flatnonzero((net.cell_site == s) & active)
        alarmed = bool(rng.uniform() < cfg.outage_alarm_share) or k == 0
        if k == 1:
            alarmed = False  # at least one silent outage: only the KPIs show it
        out.append(Outage(int(s), cells, start, end, kind, alarmed))
        used_sites.add(int(s))
    return out


def plan_works(
    net: Network, clock: Clock, rng: np.random.Generator, avoid_sites: set[int], count: int
) -> list[Outage]:
    """Planned night works (01:00-04:30) on sites without faults or complaints."""
    ok = [
        s
        for s in range(len(net.site_id))
        if net.site_state[s] == "active" and not net.site_indoor[s] and s not in avoid_sites
    ]
    out: list[Outage] = []
    active = net.active
    for s in rng.choice(ok, size=min(count, len(ok)), replace=False).tolist():
        day = int(rng.integers(0, clock.days))
        start = clock.start + day * 86_400 + int(rng.uniform(1.0, 1.5) * 3600)
        end = start + int(rng.uniform(1.5, 3.0) * 3600)
        cells = np.flatnonzero((net.cell_site == s) & active)
        out.append(Outage(int(s), cells, start, end, "cell_unavailable", True, works=True))
    return out


def plan_source(
    radio: RadioModel,
    clock: Clock,
    cfg: ScenarioSettings,
    rng: np.random.Generator,
    target: int,
    serial: int,
    claimed: set[int],
) -> Source | None:
    """Place an emitter in ``target``'s main lobe and size it to the wanted uplink level.

    Returns None when the cells it would hit overlap ``claimed``."""
    net = radio.net
    s = int(net.cell_site[target])
    isd = float(net.isd(np.array([np.hypot(net.site_x[s], net.site_y[s])]))[0])
    dist = float(rng.uniform(0.22, 0.4)) * isd
    bearing = np.radians(net.azimuth[target] + rng.normal(0, 10))
    x = float(net.site_x[s] + dist * np.sin(bearing))
    y = float(net.site_y[s] + dist * np.cos(bearing))
    h = float(rng.uniform(6, 15))
    cells = np.flatnonzero(net.active & ~net.indoor)
    dx = x - radio.x[cells]
    dy = y - radio.y[cells]
    near = np.hypot(dx, dy) < 4000
    cells, dx, dy = cells[near], dx[near], dy[near]
    gain = antenna_gain(dx, dy, radio.h[cells] - h, radio.az[cells], radio.tilt[cells])
    path = pl_uma(np.hypot(dx, dy), radio.h[cells], np.full(len(cells), h), radio.fc[cells])
    coupling = 10 * np.log10(12) + UL_RX_GAIN_DB + gain - path  # dB from P_re to I per PRB
    floor = -174.0 + 10 * np.log10(180e3) + cfg.bs_noise_figure_db
    want = float(rng.uniform(*cfg.interference_ul_dbm))
    i_target = 10 * np.log10(10 ** (want / 10) - 10 ** (floor / 10))
    k = int(np.flatnonzero(cells == target)[0])
    p_ul = i_target - float(coupling[k])
    ul = p_ul + coupling
    hit = ul > cfg.ul_interference_threshold_dbm
    if claimed.intersection(cells[hit].tolist()):
        return None
    schedule = SCHEDULES[int(rng.integers(0, len(SCHEDULES)))]
    names = SOURCE_NAMES[schedule]
    name = names[serial % len(names)] + (f" {serial + 1}" if serial >= len(names) else "")
    return Source(
        x=x,
        y=y,
        h=h,
        p_ul_re_dbm=p_ul,
        p_dl_re_dbm=p_ul + float(rng.uniform(18, 26)),
        active=_schedule(clock, schedule, rng),
        schedule=schedule,
        name=name,
        recorded=serial == 0 or (serial != 1 and bool(rng.uniform() < cfg.interference_area_share)),
        alarmed=bool(rng.uniform() < 0.3),
        target=target,
        cells=cells[hit],
        ul_dbm=ul[hit],
    )


def _schedule(clock: Clock, kind: str, rng: np.random.Generator) -> NDArray[np.bool_]:
    hour = clock.local_hour
    day = clock.day_index()
    weekday = clock.day_types()[day] == 0
    first = int(rng.integers(0, max(1, clock.days // 3)))
    if kind == "workhours":
        on = (hour >= 8.0) & (hour < 19.0) & (weekday | (clock.days < 3))
    elif kind == "evening":
        on = (hour >= 18.0) & (hour < 23.5)
    else:
        on = np.ones(clock.n_periods, dtype=bool)
        first = min(first, clock.days - 1)
    on = on & (day >= first)
    if not on.any():
        on = (hour >= 8.0) & (hour < 19.0)
    return np.asarray(on, dtype=bool)


def pick_congested(net: Network, count: int, rng: np.random.Generator, claimed: set[int]) -> I64:
    """Busy downtown LTE cells (chronic busy-hour congestion)."""
    ring = net.site_ring[net.cell_site]
    r = np.hypot(net.cell_x, net.cell_y)
    ok = np.flatnonzero(
        net.active
        & ~net.indoor
        & (ring != RING_RURAL)
        & (r < 1.3 * net.rc)
        & np.array([t == "LTE" for t in net.tech])
    )
    ok = np.array([c for c in ok.tolist() if c not in claimed], dtype=np.int64)
    if len(ok) == 0:
        return ok
    chosen = rng.choice(ok, size=min(count, len(ok)), replace=False)
    return with_co_sector(net, np.sort(chosen))


def with_co_sector(net: Network, cells: I64) -> I64:
    """Add each LTE cell's co-sited NR sector: users there camp on either layer, and a hot
    spot loads both."""
    index = {cid: k for k, cid in enumerate(net.cell_id)}
    extra = []
    for c in cells.tolist():
        twin = index.get(net.cell_id[c].replace("-L", "-N"))
        if twin is not None and net.status[twin] == "active":
            extra.append(twin)
    return np.unique(np.concatenate([cells, np.array(extra, dtype=np.int64)]))
