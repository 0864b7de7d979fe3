"""Where complainants are: spots whose radio conditions really match their cause.

A complaint's spot is never labelled into place: candidates are drawn (near holes, sites,
sources, venues, or anywhere people are), the radio model is evaluated for the complainant's
own situation (outdoor, indoor, deep indoor, basement, floor) and for a cluster of neighbours
around it (the MR that the building and street produce), and the spot is kept only when the
evidence holds -- e.g. a weak-coverage spot needs its neighbourhood's MR to be mostly below
the coverage threshold, a healthy spot needs it mostly above and its serving cells fault-free.
The cluster samples are kept and become part of mr.csv.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scenario.population import Population
from scenario.propagation import pl_umi
from scenario.radio import Measurement, RadioModel, Users
from scenario.settings import ScenarioSettings

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

CLUSTER_RADIUS_M = 35.0
GRID_RADIUS_M = 50.0
SAME_BUILDING_SHARE = 0.65


def general_mr_total(cfg: ScenarioSettings, active_cells: int, days: int) -> int:
    """How many population-wide MR samples the scenario has (before clusters)."""
    per_day = min(cfg.mr_samples_per_cell_day * active_cells * days, cfg.mr_max_samples) // days
    return int(per_day * days)


@dataclass
class Spot:
    x: float
    y: float
    depth: int
    floor: int
    cell: int
    rsrp: float
    cluster: Users  # the neighbourhood's MR positions and situations


# (candidate users, floors) for n candidates
Generator = Callable[[int], tuple[Users, I64]]
PointTest = Callable[[Users, Measurement], B]
ClusterTest = Callable[[Users, Measurement], bool]


class Locator:
    def __init__(
        self, radio: RadioModel, pop: Population, cfg: ScenarioSettings, rng: np.random.Generator
    ) -> None:
        self.radio = radio
        self.pop = pop
        self.cfg = cfg
        self.rng = rng
        self.background_total = general_mr_total(cfg, int(radio.net.active.sum()), 1)

    def set_days(self, days: int) -> None:
        self.background_total = general_mr_total(self.cfg, int(self.radio.net.active.sum()), days)

    def measure(
        self, users: Users, ext_dbm: F64 | None = None, *, lte_only: bool = True
    ) -> Measurement:
        """Serving cell and radio at each user. ``lte_only``: the complainant's anchor cell (the
        cell the network records for them); otherwise NR-capable at ``nr_device_share``."""
        cand = self.radio.candidates(users.x, users.y)
        nr = (
            np.zeros(len(users), dtype=bool)
            if lte_only
            else self.rng.uniform(0, 1, len(users)) < self.cfg.nr_device_share
        )
        return self.radio.measure(cand, self.radio.rx(cand, users), ext_dbm=ext_dbm, nr_capable=nr)

    def ext_dbm(self, users: Users, x: float, y: float, h: float, p_re: float) -> F64:
        """Downlink power per RE at users from a street-level emitter (UMi NLOS + O2I)."""
        d = np.hypot(users.x - x, users.y - y)
        fc = np.full(len(users), 1.815)
        loss = pl_umi(d, np.full(len(users), h), users.h, fc)
        wall = self.radio.wall_db[0, users.depth] + np.where(
            users.depth > 0, 0.5 * users.d_in + users.o2i_noise, 0.0
        )
        return np.asarray(p_re - loss - np.maximum(wall, 0.0), dtype=np.float64)

    def cluster(self, x: float, y: float, depth: int, floor: int) -> tuple[Users, I64]:
        """Neighbours' MR positions: the same building (floors near the complainant's) and the
        street around it. Towers and deep-indoor buildings hold more people, so more MR."""
        scale = 3.0 if depth >= 2 or floor >= 8 else 1.5 if depth == 1 else 1.0
        n = int(self.cfg.mr_cluster_samples * scale)
        cx, cy = self.pop.around(x, y, n, CLUSTER_RADIUS_M, self.rng)
        same = self.rng.uniform(0, 1, n) < SAME_BUILDING_SHARE
        depths = np.full(n, depth, dtype=np.int8)
        floors = np.where(
            floor > 0, np.maximum(1, floor + self.rng.integers(-2, 3, n)), np.full(n, floor)
        ).astype(np.int64)
        mine, my_floor = self.pop.situations(cx, cy, self.rng, depth=depths, floor=floors)
        other, other_floor = self.pop.situations(cx, cy, self.rng)
        users = Users.concat([mine.take(same), other.take(~same)])
        return users, np.concatenate([my_floor[same], other_floor[~same]])

    def search(
        self,
        want: int,
        generate: Generator,
        point_ok: PointTest,
        cluster_ok: ClusterTest,
        *,
        ext: tuple[float, float, float, float] | None = None,
        batch: int = 256,
        max_batches: int = 40,
    ) -> list[Spot]:
        """Up to ``want`` spots passing both tests (``ext``: emitter x, y, h, P_dl per RE)."""
        spots: list[Spot] = []
        for _ in range(max_batches):
            if len(spots) >= want:
                break
            users, floors = generate(batch)
            ext_dbm = self.ext_dbm(users, *ext) if ext else None
            meas = self.measure(users, ext_dbm)
            good = np.flatnonzero(point_ok(users, meas))
            for i in good[: 3 * (want - len(spots))].tolist():
                x, y = float(users.x[i]), float(users.y[i])
                cl, _floors = self.cluster(x, y, int(users.depth[i]), int(floors[i]))
                grid = Users.concat([cl, self.background(x, y)])
                grid_meas = self.measure(
                    grid, self.ext_dbm(grid, *ext) if ext else None, lte_only=False
                )
                if not cluster_ok(grid, grid_meas):
                    continue
                spots.append(
                    Spot(
                        float(users.x[i]),
                        float(users.y[i]),
                        int(users.depth[i]),
                        int(floors[i]),
                        int(meas.serving[i]),
                        float(meas.rsrp[i]),
                        cl,
                    )
                )
                if len(spots) >= want:
                    break
        return spots

    def background(self, x: float, y: float) -> Users:
        """Stand-ins for the population-wide MR that will fall within the grid radius."""
        area = np.pi * GRID_RADIUS_M**2
        n = int(self.rng.poisson(self.background_total * self.pop.density(x, y) * area))
        bx, by = self.pop.around(x, y, n, GRID_RADIUS_M, self.rng)
        return self.pop.situations(bx, by, self.rng)[0]

    # --- candidate generators -------------------------------------------------------------

    def anywhere(self, n: int) -> tuple[Users, I64]:
        x, y = self.pop.sample_xy(n, self.rng)
        return self.pop.situations(x, y, self.rng)

    def near(self, xs: F64, ys: F64, radii: F64) -> Generator:
        """Candidates around one of several points (uniform in discs)."""

        def gen(n: int) -> tuple[Users, I64]:
            k = self.rng.integers(0, len(xs), n)
            r = radii[k] * np.sqrt(self.rng.uniform(0, 1, n))
            th = self.rng.uniform(0, 2 * np.pi, n)
            x, y = xs[k] + r * np.cos(th), ys[k] + r * np.sin(th)
            return self.pop.situations(x, y, self.rng)

        return gen

    def with_profile(self, gen: Generator, depth: int, floor_range: tuple[int, int]) -> Generator:
        """Force every candidate into one situation (e.g. a high floor or a basement)."""

        def wrapped(n: int) -> tuple[Users, I64]:
            users, _ = gen(n)
            lo, hi = floor_range
            floors = self.rng.integers(lo, hi + 1, n).astype(np.int64)
            depths = np.full(n, depth, dtype=np.int8)
            return self.pop.situations(users.x, users.y, self.rng, depth=depths, floor=floors)

        return wrapped

    # --- common tests -----------------------------------------------------------------------

    def covered_share(self, meas: Measurement) -> float:
        ok = meas.serving >= 0
        if ok.sum() < 8:
            return 0.0
        return float(np.mean(meas.rsrp[ok] >= self.cfg.covered_rsrp_dbm))

    def weak_share(self, meas: Measurement) -> tuple[float, int]:
        ok = meas.serving >= 0
        if not ok.any():
            return 0.0, 0
        return float(np.mean(meas.rsrp[ok] < self.cfg.covered_rsrp_dbm)), int(ok.sum())
