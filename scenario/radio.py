"""Received power, best server, SINR and RSRQ for user positions: the MR physics.

For a user at ``(x, y)`` the candidate servers are the cells of the ``K`` nearest radiating
sites. Per link::

    RSRP = EIRP_per_RE + A(phi, theta) - PL(d, h_bs, h_ut, f) - O2I - sigma * S(x, y)

with ``PL`` the 38.901 UMa model blended into RMa towards the rural edge (InH for indoor
cells), ``A`` the 36.814 sector pattern, ``O2I`` the 38.901 penetration loss and ``S`` the
shadowing: ``sqrt(rho) * F(x) + sqrt(1 - rho) * F(x + o_site)`` (a location part shared by all
links and a site-specific part, each exponentially correlated in space).

The serving cell is the best LTE server, or the best NR server for NR-capable devices when its
SS-RSRP clears ``nr_camp_rsrp_dbm``. SINR is serving power over co-channel interference
(each neighbour weighted by its resource occupancy ``0.17 + 0.83 * load``), thermal noise
(``-174 dBm/Hz + 10 log10(SCS) + NF``) and any external interference at the user; RSRQ is
``RSRP / (12 * total per-RE power)`` as in TS 36.214.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from scenario.network import LAYERS, MAX_CELLS_PER_SITE, Network
from scenario.propagation import (
    ShadowField,
    antenna_gain,
    o2i_loss,
    pl_inh,
    pl_rma,
    pl_uma,
)
from scenario.settings import ScenarioSettings

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

K_SITES = 6
INDOOR_CELL_RADIUS_M = 60.0


@dataclass
class Users:
    """User positions and situations: depth 0 outdoor, 1 indoor, 2 deep indoor, 3 basement."""

    x: F64
    y: F64
    h: F64
    depth: NDArray[np.int8]
    d_in: F64
    o2i_noise: F64

    def __len__(self) -> int:
        return len(self.x)

    def take(self, idx: I64 | B) -> Users:
        return Users(
            self.x[idx],
            self.y[idx],
            self.h[idx],
            self.depth[idx],
            self.d_in[idx],
            self.o2i_noise[idx],
        )

    @staticmethod
    def concat(parts: list[Users]) -> Users:
        return Users(*(np.concatenate([getattr(p, f) for p in parts]) for f in _USER_FIELDS))


_USER_FIELDS = ("x", "y", "h", "depth", "d_in", "o2i_noise")


@dataclass
class Measurement:
    serving: I64  # cell index, -1 = no service
    rsrp: F64
    sinr: F64
    rsrq: F64


class RadioModel:
    """Link budgets between users and the active cells of a ``Network``."""

    def __init__(self, net: Network, cfg: ScenarioSettings, rng: np.random.Generator) -> None:
        self.net = net
        self.cfg = cfg
        active = net.active
        self.active = active
        self.x = net.cell_x
        self.y = net.cell_y
        self.h = net.height
        self.az = net.azimuth
        self.tilt = net.tilt
        self.indoor = net.indoor
        self.fc = np.array([LAYERS[k][3] for k in net.layer])
        self.scs = np.array([LAYERS[k][4] for k in net.layer])
        self.earfcn = np.array([LAYERS[k][2] for k in net.layer], dtype=np.int64)
        self.is_nr = np.array([LAYERS[k][0] == "NR" for k in net.layer])
        names = list(LAYERS)
        self.layer_idx = np.array([names.index(k) for k in net.layer], dtype=np.int64)
        depth = np.arange(4, dtype=np.int8)
        self.wall_db = np.array(
            [o2i_loss(np.full(4, LAYERS[k][3]), depth, np.zeros(4), np.zeros(4)) for k in names]
        )
        eirp = {
            "L1800": cfg.lte_rs_eirp_dbm,
            "L900": cfg.lte_low_rs_eirp_dbm,
            "L2300": cfg.indoor_rs_eirp_dbm,
            "N2600": cfg.nr_ss_eirp_dbm,
        }
        self.eirp = np.array([eirp[k] for k in net.layer])
        self.noise_dbm = -174.0 + 10.0 * np.log10(self.scs * 1e3) + cfg.ue_noise_figure_db
        radiating = np.flatnonzero(
            np.array([s == "active" for s in net.site_state])
            & np.isin(np.arange(len(net.site_id)), net.cell_site[active])
        )
        self.radiating_sites = radiating
        self.tree = cKDTree(np.column_stack([net.site_x[radiating], net.site_y[radiating]]))
        macro = radiating[~net.site_indoor[radiating]]
        self.macro_tree = cKDTree(np.column_stack([net.site_x[macro], net.site_y[macro]]))
        self.site_cells = net.site_cells()
        span = 2.0 * 1.15 * 1.2 * net.radius / (cfg.shadow_decorrelation_m / 4.0)
        n_tile = int(min(2048, max(512, 2 ** int(np.ceil(np.log2(span))))))
        self.shadow = ShadowField(cfg.shadow_decorrelation_m, rng, n=n_tile)
        width = self.shadow.n * self.shadow.dx
        n_sites = len(net.site_id)
        self.site_offset = rng.uniform(0.15 * width, 0.85 * width, (n_sites, 2))

    def candidates(self, x: F64, y: F64) -> I64:
        """[N, K * 6] candidate cell indices (-1 = none) from the nearest radiating sites."""
        k = min(K_SITES, len(self.radiating_sites))
        _, idx = self.tree.query(np.column_stack([x, y]), k=k)
        idx = np.asarray(idx).reshape(len(x), k)
        sites = self.radiating_sites[idx]
        return np.asarray(self.site_cells[sites].reshape(len(x), -1), dtype=np.int64)

    def rx(self, cand: I64, users: Users) -> F64:
        """[N, M] received RS/SS power per RE (dBm); -inf where no candidate.

        Site-level terms (distance, bearing, elevation, site shadowing) are computed on
        ``[N, K, 1]`` and broadcast over each site's cells ``[N, K, 6]``.
        """
        n = len(users)
        valid = (cand >= 0).reshape(n, -1, MAX_CELLS_PER_SITE)
        c = np.where(cand >= 0, cand, 0).reshape(valid.shape)
        site_cell = c[:, :, :1]
        ux, uy, uh = users.x[:, None, None], users.y[:, None, None], users.h[:, None, None]
        dx = ux - self.x[site_cell]
        dy = uy - self.y[site_cell]
        d2d = np.hypot(dx, dy)
        h_bs = self.h[site_cell]
        fc = self.fc[c]
        pl = pl_uma(d2d, h_bs, uh, fc)
        w = np.clip((np.hypot(users.x, users.y) - 1.8 * self.net.rc) / (0.6 * self.net.rc), 0, 1)
        rural = w > 0
        if rural.any():
            wr = w[rural][:, None, None]
            rma = pl_rma(d2d[rural], h_bs[rural], uh[rural], fc[rural])
            pl[rural] = (1 - wr) * pl[rural] + wr * rma
        gain = antenna_gain(dx, dy, h_bs - uh, self.az[c], self.tilt[c])
        o2i = self.wall_db[self.layer_idx[c], users.depth[:, None, None]]
        o2i = np.where(
            users.depth[:, None, None] > 0,
            np.maximum(o2i + (0.5 * users.d_in + users.o2i_noise)[:, None, None], 0.0),
            0.0,
        )
        rho = self.cfg.shadow_site_correlation
        common = self.shadow.at(users.x, users.y)[:, None, None]
        site = self.net.cell_site[site_cell]
        own = self.shadow.at(ux + self.site_offset[site, 0], uy + self.site_offset[site, 1])
        shadow = self.cfg.shadow_sigma_db * (np.sqrt(rho) * common + np.sqrt(1 - rho) * own)
        rx = self.eirp[c] + gain - pl - o2i - shadow
        # indoor cells reach only indoor users of their own building
        ind = np.broadcast_to(self.indoor[c] & valid, rx.shape)
        if ind.any():
            d3d = np.broadcast_to(np.hypot(d2d, uh - h_bs), rx.shape)[ind]
            near = d3d < INDOOR_CELL_RADIUS_M
            near &= np.broadcast_to(users.depth[:, None, None] > 0, rx.shape)[ind]
            shade = np.broadcast_to(shadow, rx.shape)[ind]
            inside = self.eirp[c][ind] - pl_inh(d3d, fc[ind]) - 0.2 * shade
            rx[ind] = np.where(near, inside, -np.inf)
        return np.asarray(np.where(valid, rx, -np.inf).reshape(n, -1), dtype=np.float64)

    def measure(
        self,
        cand: I64,
        rx: F64,
        *,
        load: F64 | float = 0.5,
        down: B | None = None,
        ext_dbm: F64 | None = None,
        nr_capable: B | None = None,
    ) -> Measurement:
        """Serving cell, RSRP, SINR and RSRQ per user (``serving == -1``: out of service)."""
        n = len(cand)
        rx = np.where(down, -np.inf, rx) if down is not None else rx
        c = np.where(cand >= 0, cand, 0)
        is_nr = self.is_nr[c] & (cand >= 0)
        lte_rx = np.where(is_nr, -np.inf, rx)
        nr_rx = np.where(is_nr, rx, -np.inf)
        best_lte = np.argmax(lte_rx, axis=1)
        best_nr = np.argmax(nr_rx, axis=1)
        rows = np.arange(n)
        use_nr = nr_rx[rows, best_nr] >= self.cfg.nr_camp_rsrp_dbm
        if nr_capable is not None:
            use_nr &= nr_capable
        col = np.where(use_nr, best_nr, best_lte)
        serving = cand[rows, col]
        rsrp = rx[rows, col]
        ok = np.isfinite(rsrp) & (rsrp >= self.cfg.mr_min_rsrp_dbm)
        s_cell = np.where(ok, serving, 0)
        occupancy = 0.17 + 0.83 * np.clip(np.broadcast_to(load, rx.shape), 0.0, 1.0)
        lin = np.where(np.isfinite(rx), 10.0 ** (rx / 10.0), 0.0)
        cochannel = self.earfcn[c] == self.earfcn[s_cell][:, None]
        others = np.where(cochannel, lin * occupancy, 0.0)
        others[rows, col] = 0.0
        noise = 10.0 ** (self.noise_dbm[s_cell] / 10.0)
        if ext_dbm is not None:
            noise = noise + 10.0 ** (ext_dbm / 10.0)
        s_lin = lin[rows, col]
        interference = others.sum(axis=1) + noise
        with np.errstate(divide="ignore"):
            sinr = 10.0 * np.log10(s_lin / interference)
            rsrq = 10.0 * np.log10(s_lin / (12.0 * (interference + s_lin * occupancy[rows, col])))
        return Measurement(
            serving=np.where(ok, serving, -1).astype(np.int64),
            rsrp=np.where(ok, rsrp, np.nan),
            sinr=np.where(ok, np.clip(sinr, -20.0, 35.0), np.nan),
            rsrq=np.where(ok, np.clip(rsrq, -19.5, -3.0), np.nan),
        )
