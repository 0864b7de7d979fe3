"""Offered load per cell per 15 minutes, and the KPIs it implies.

Demand ``rho`` (offered load / cell capacity) = busy-hour load x diurnal shape (``clock``) x
day-to-day and period noise, plus the event surge at the venue. KPIs follow from it with the
textbook relations, so they are consistent by construction:

- PRB utilisation saturates smoothly below 100 % as ``rho`` passes 1.
- User throughput under processor sharing (M/G/1-PS): ``capacity x (1 - utilisation)``;
  capacity = bandwidth x spectral efficiency of the cell's mean CQI (TS 36.213 Table 7.2.3-1).
- RRC-connected users grow with demand (they queue when the cell is full).
- Setup failures, drops and handover failures are binomial counts over attempts, with
  probabilities rising with overload and with uplink interference.
- Uplink noise + interference per PRB = kTB (-174 dBm/Hz + 10 log10(180 kHz) + NF) plus the
  rise over thermal of the cell's own uplink load, plus any external source.
- Availability = share of the period the cell was up; a fully down period has no traffic and no
  ratio KPIs (empty values).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scenario.clock import PERIODS_PER_DAY, Clock
from scenario.network import LAYERS, RING_CORE, RING_RURAL, Network
from scenario.settings import ScenarioSettings

F64 = NDArray[np.float64]
F32 = NDArray[np.float32]

KPI_COLUMNS = (
    "availability_pct",
    "rrc_setup_sr_pct",
    "erab_setup_sr_pct",
    "call_drop_rate_pct",
    "ho_sr_pct",
    "prb_util_dl_pct",
    "prb_util_ul_pct",
    "ul_interference_dbm",
    "avg_cqi",
    "dl_user_thr_mbps",
    "rrc_users_avg",
)
ATTEMPTS_PER_USER = 60  # RRC setups per 15 min per average connected user (short sessions)
# TS 36.213 Table 7.2.3-1: spectral efficiency (bit/s/Hz) per CQI index 0..15
# fmt: off
CQI_EFFICIENCY = np.array([
    0.0, 0.1523, 0.2344, 0.377, 0.6016, 0.877, 1.1758, 1.4766, 1.9141, 2.4063, 2.7305,
    3.3223, 3.9023, 4.5234, 5.1152, 5.5547,
])
# fmt: on


def utilisation(rho: NDArray[np.floating]) -> F64:
    """Smooth saturation of offered load into PRB utilisation (< 98.5 %)."""
    rho = np.maximum(np.asarray(rho, dtype=np.float64), 0.0)
    return np.asarray(rho / (1.0 + (rho / 0.985) ** 12) ** (1.0 / 12.0), dtype=np.float64)


def sinr_to_cqi(sinr: F64) -> F64:
    return np.asarray(np.clip(0.5 * sinr + 5.5, 1.0, 15.0), dtype=np.float64)


@dataclass
class KpiChunk:
    """KPIs of all cells for a run of periods: ``values[name]`` is ``[cells, periods]``."""

    p0: int
    values: dict[str, F64]


class Traffic:
    """Per-cell demand over the whole scenario (float32 ``[cells, periods]``)."""

    def __init__(
        self, net: Network, clock: Clock, cfg: ScenarioSettings, rng: np.random.Generator
    ) -> None:
        self.net = net
        self.clock = clock
        self.cfg = cfg
        n = net.n_cells
        ring = net.site_ring[net.cell_site]
        nr = np.array([t == "NR" for t in net.tech])
        busy = rng.lognormal(np.log(cfg.busy_load_median), 0.3, n)
        busy *= np.where(ring == RING_RURAL, 0.6, 1.0) * np.where(nr, 0.7, 1.0)
        self.busy = np.clip(busy, 0.06, 0.8)
        business = np.where(ring == RING_CORE, 0.6, 0.25)
        self.weekend = np.where(rng.uniform(0, 1, n) < business, 0.72, 1.08) * rng.uniform(
            0.95, 1.05, n
        )
        self.ul_ratio = rng.uniform(0.3, 0.5, n)
        self.users_full = np.where(nr, rng.uniform(60, 120, n), rng.uniform(90, 220, n))
        self.nf_jitter = rng.normal(0, 0.4, n)
        self.base_rrc_fail = rng.uniform(0.1, 1.0, n) / 100
        self.base_erab_fail = rng.uniform(0.05, 0.8, n) / 100
        self.base_drop = rng.uniform(0.1, 0.7, n) / 100
        self.base_ho_fail = rng.uniform(0.3, 1.8, n) / 100
        self.bw_mhz = np.array([LAYERS[k][5] * LAYERS[k][4] * 12 / 1000 for k in net.layer])
        self.layers_mimo = np.where(nr, 2.4, 1.6)
        self.cqi_base = np.full(n, 9.0) + rng.normal(0, 0.6, n)
        self._util: F32 | None = None
        self._noise_day = rng.lognormal(0, 0.05, (n, clock.days)).astype(np.float32)
        self.demand = self._build(rng)

    def _build(self, rng: np.random.Generator) -> F32:
        shape = self.clock.shape(self.weekend).astype(np.float32)
        out = np.empty_like(shape)
        for d in range(self.clock.days):
            sl = slice(d * PERIODS_PER_DAY, (d + 1) * PERIODS_PER_DAY)
            noise = rng.lognormal(0, 0.07, shape[:, sl].shape).astype(np.float32)
            out[:, sl] = shape[:, sl] * noise * self._noise_day[:, d : d + 1]
        out *= self.busy[:, None].astype(np.float32)
        return out

    def set_busy(self, cells: NDArray[np.int64], busy: F64) -> None:
        """Re-level some cells' busy-hour demand (chronic congestion)."""
        self.demand[cells] *= (busy / self.busy[cells])[:, None].astype(np.float32)
        self.busy[cells] = busy
        self._util = None

    def add_surge(self, cells: NDArray[np.int64], profile: F64) -> None:
        """Extra demand ``busy x profile[t]`` on ``cells`` (an event at a venue)."""
        self.demand[cells] += (self.busy[cells][:, None] * profile[None, :]).astype(np.float32)
        self._util = None

    def util(self, cells: NDArray[np.int64], periods: NDArray[np.int64]) -> F32:
        """PRB utilisation (0-1) of cells at periods (broadcast), from a cached matrix."""
        if self._util is None:
            self._util = np.empty_like(self.demand)
            for a in range(0, len(self.demand), 2048):
                self._util[a : a + 2048] = utilisation(self.demand[a : a + 2048])
        return self._util[cells, periods]

    def kpis(
        self,
        p0: int,
        p1: int,
        up: F64,
        ext_ul_mw: F64,
        cqi_drop: F64,
        rng: np.random.Generator,
    ) -> KpiChunk:
        """KPIs for periods ``[p0, p1)``; ``up`` = available share, ``ext_ul_mw`` = external
        interference per PRB (mW), ``cqi_drop`` = CQI lost to it, all ``[cells, periods]``."""
        rho = self.demand[:, p0:p1].astype(np.float64)
        n, m = rho.shape
        util = utilisation(rho)
        util_ul = utilisation(rho * self.ul_ratio[:, None])
        users = self.users_full[:, None] * rho * up * rng.lognormal(0, 0.05, (n, m))
        kt_b = -174.0 + 10 * np.log10(180e3) + self.cfg.bs_noise_figure_db
        rise = -10 * np.log10(1 - 0.45 * util_ul)
        floor_dbm = kt_b + self.nf_jitter[:, None] + rise + rng.normal(0, 0.25, (n, m))
        ul = 10 * np.log10(10 ** (floor_dbm / 10) + ext_ul_mw)
        ul_excess = np.maximum(ul + 108.0, 0.0)
        cqi = self.cqi_base[:, None] - 1.2 * (util - 0.4) - cqi_drop + rng.normal(0, 0.12, (n, m))
        cqi = np.clip(cqi, 1.0, 15.0)
        eff = np.interp(cqi, np.arange(16), CQI_EFFICIENCY)
        capacity = self.bw_mhz[:, None] * 0.9 * eff * self.layers_mimo[:, None]
        thr = capacity * np.maximum(1.0 - util, 0.04) * rng.lognormal(0, 0.06, (n, m))
        over = np.maximum(rho - 0.9, 0.0)
        attempts = np.maximum(np.rint(users * ATTEMPTS_PER_USER), 50).astype(np.int64)
        p_rrc = self.base_rrc_fail[:, None] + 0.12 * over + 0.0035 * ul_excess + 0.02 * (1 - up)
        p_erab = self.base_erab_fail[:, None] + 0.07 * over + 0.003 * ul_excess
        p_drop = self.base_drop[:, None] + 0.015 * over + 0.0016 * ul_excess
        p_ho = self.base_ho_fail[:, None] + 0.03 * over + 0.003 * ul_excess
        calls = np.maximum(np.rint(attempts * 0.8), 40).astype(np.int64)
        values = {
            "availability_pct": 100.0 * up,
            "rrc_setup_sr_pct": 100.0 * (1 - _rate(rng, attempts, p_rrc)),
            "erab_setup_sr_pct": 100.0 * (1 - _rate(rng, attempts, p_erab)),
            "call_drop_rate_pct": 100.0 * _rate(rng, calls, p_drop),
            "ho_sr_pct": 100.0 * (1 - _rate(rng, calls, p_ho)),
            "prb_util_dl_pct": 100.0 * util * (up > 0),
            "prb_util_ul_pct": 100.0 * util_ul * (up > 0),
            "ul_interference_dbm": ul,
            "avg_cqi": cqi,
            "dl_user_thr_mbps": thr,
            "rrc_users_avg": users,
        }
        down = up <= 0.0
        for name in (
            "rrc_setup_sr_pct",
            "erab_setup_sr_pct",
            "call_drop_rate_pct",
            "ho_sr_pct",
            "ul_interference_dbm",
            "avg_cqi",
            "dl_user_thr_mbps",
        ):
            values[name] = np.where(down, np.nan, values[name])
        return KpiChunk(p0, values)


def _rate(rng: np.random.Generator, n: NDArray[np.int64], p: F64) -> F64:
    """Observed failure share of ``n`` attempts with probability ``p`` (binomial)."""
    return np.asarray(rng.binomial(n, np.clip(p, 0.0, 0.9)) / n, dtype=np.float64)
