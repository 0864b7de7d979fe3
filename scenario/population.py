"""Where people are, and in what situation (outdoors, indoors, deep indoors, floor).

Population density falls off from the centre (a gamma-shaped radial profile, as in monocentric
urban density models, Clark 1951) and is clumpy: most people live and work in neighbourhoods
(Gaussian clusters of 100-500 m), the rest are spread thinly out to beyond the last sites.
Indoor shares and building heights follow the ring: ~75 % of traffic is indoors downtown with
tall buildings (mean ~8 floors), fewer and lower buildings towards the rural edge.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scenario.network import Network
from scenario.radio import Users

F64 = NDArray[np.float64]

INDOOR_SHARE = (0.75, 0.65, 0.5)  # core, suburb, rural
MEAN_FLOOR = (8.0, 4.0, 2.0)
DIFFUSE_SHARE = 0.3


class Population:
    """A fixed set of neighbourhoods around the network's centre."""

    def __init__(self, net: Network, rng: np.random.Generator) -> None:
        self.rc = net.rc
        self.limit = 1.1 * net.radius
        n = max(20, 3 * len(net.site_id))
        r = self._radial(n, rng)
        th = rng.uniform(0, 2 * np.pi, n)
        self.cx = r * np.cos(th)
        self.cy = r * np.sin(th)
        self.sigma = rng.uniform(100, 450, n) * (1 + 0.3 * r / self.rc)
        w = rng.lognormal(0, 0.6, n)
        self.weight = w / w.sum()

    def _radial(self, n: int, rng: np.random.Generator) -> F64:
        r = rng.gamma(2.0, 0.55 * self.rc, n)
        bad = r > self.limit
        while bad.any():
            r[bad] = rng.gamma(2.0, 0.55 * self.rc, int(bad.sum()))
            bad = r > self.limit
        return np.asarray(r, dtype=np.float64)

    def sample_xy(self, n: int, rng: np.random.Generator) -> tuple[F64, F64]:
        """``n`` positions drawn from the population density."""
        n_diffuse = int(rng.binomial(n, DIFFUSE_SHARE))
        k = rng.choice(len(self.cx), size=n - n_diffuse, p=self.weight)
        x = self.cx[k] + rng.normal(0, 1, n - n_diffuse) * self.sigma[k]
        y = self.cy[k] + rng.normal(0, 1, n - n_diffuse) * self.sigma[k]
        r = self._radial(n_diffuse, rng) * 1.15
        th = rng.uniform(0, 2 * np.pi, n_diffuse)
        return np.concatenate([x, r * np.cos(th)]), np.concatenate([y, r * np.sin(th)])

    def density(self, x: float, y: float) -> float:
        """Share of people per square metre at a point (the sampling density of
        ``sample_xy``, ignoring truncation)."""
        d2 = (self.cx - x) ** 2 + (self.cy - y) ** 2
        clustered = np.sum(
            self.weight * np.exp(-d2 / (2 * self.sigma**2)) / (2 * np.pi * self.sigma**2)
        )
        theta = 0.55 * self.rc * 1.15
        diffuse = np.exp(-np.hypot(x, y) / theta) / (2 * np.pi * theta**2)
        return float((1 - DIFFUSE_SHARE) * clustered + DIFFUSE_SHARE * diffuse)

    def ring(self, x: F64, y: F64) -> NDArray[np.int64]:
        r = np.hypot(x, y)
        return np.asarray(np.where(r < self.rc, 0, np.where(r < 2 * self.rc, 1, 2)))

    def situations(
        self,
        x: F64,
        y: F64,
        rng: np.random.Generator,
        *,
        depth: NDArray[np.int8] | None = None,
        floor: NDArray[np.int64] | None = None,
    ) -> tuple[Users, NDArray[np.int64]]:
        """Users at these positions with random (or given) depth and floor; returns floors too
        (0 = outdoors, negative = basement)."""
        n = len(x)
        ring = self.ring(x, y)
        if depth is None:
            indoor = rng.uniform(0, 1, n) < np.take(INDOOR_SHARE, ring)
            u = rng.uniform(0, 1, n)
            depth = np.where(indoor, np.where(u < 0.04, 3, np.where(u < 0.18, 2, 1)), 0)
            depth = depth.astype(np.int8)
        if floor is None:
            mean = np.take(MEAN_FLOOR, ring)
            floor = np.minimum(rng.geometric(1.0 / mean), 40).astype(np.int64)
            floor = np.where(depth == 0, 0, np.where(depth == 3, -1, floor))
        h = np.where(floor > 0, 1.5 + 3.0 * (floor - 1), 1.5)
        d_in = np.minimum(rng.uniform(0, 25, n), rng.uniform(0, 25, n))
        o2i_noise = rng.normal(0, 1, n) * np.where(depth >= 2, 6.5, 4.4)
        users = Users(x, y, h.astype(np.float64), depth, d_in, o2i_noise)
        return users, floor

    def around(
        self, x0: float, y0: float, n: int, radius: float, rng: np.random.Generator
    ) -> tuple[F64, F64]:
        """Uniform positions in a disc (a building block around a point)."""
        r = radius * np.sqrt(rng.uniform(0, 1, n))
        th = rng.uniform(0, 2 * np.pi, n)
        return x0 + r * np.cos(th), y0 + r * np.sin(th)
