"""Measurement reports, day by day: where people are, when they use the network, what they see.

General samples are drawn from the population density at times following the diurnal demand
shape; each complainant's neighbourhood adds its cluster (half during the case's window, half
at any time). For each sample at its instant: cells that are down are not candidates (users
re-select to a neighbour, or lose service and send nothing), neighbours interfere in proportion
to their PRB load in that period, and active external sources add downlink interference. The
serving cell is the best server; samples without service are dropped.

While streaming, per-cell CQI statistics are collected for the KPIs: the mean CQI of each
cell's users (its geometry), and the CQI its users lose to external sources while active.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scenario.clock import DAY_S, PERIODS_PER_DAY, WEEKDAY_SHAPE, WEEKEND_SHAPE, Clock
from scenario.faults import Faults
from scenario.incidents import Case
from scenario.locations import Locator, general_mr_total
from scenario.radio import Users
from scenario.settings import ScenarioSettings
from scenario.traffic import Traffic, sinr_to_cqi

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
CHUNK = 60_000
SOURCE_RANGE_M = 1200.0


RSRP_REPORT_MAX_DBM = -44.0


@dataclass
class MrChunk:
    ts: I64
    x: F64
    y: F64
    rsrp: F64
    cell: I64
    rsrq: F64
    sinr: F64
    mdt: NDArray[np.bool_]


class MrStream:
    def __init__(
        self,
        loc: Locator,
        faults: Faults,
        traffic: Traffic,
        clock: Clock,
        cfg: ScenarioSettings,
        cases: list[Case],
    ) -> None:
        self.loc = loc
        self.radio = loc.radio
        self.faults = faults
        self.traffic = traffic
        self.clock = clock
        self.cfg = cfg
        self.rng = loc.rng
        n = self.radio.net.n_cells
        self.cqi_sum = np.zeros(n)
        self.cqi_n = np.zeros(n)
        self.drop_sum = np.zeros(n)
        self.drop_n = np.zeros(n)
        active_cells = int(self.radio.net.active.sum())
        self.per_day = general_mr_total(cfg, active_cells, clock.days) // clock.days
        self.cluster_users, self.cluster_ts = self._clusters(cases)

    def _clusters(self, cases: list[Case]) -> tuple[Users, I64]:
        parts: list[Users] = []
        times: list[I64] = []
        for case in cases:
            users = case.spot.cluster
            n = len(users)
            lo, hi = max(case.t_from, self.clock.start), min(case.t_to, self.clock.end)
            inside = self.rng.uniform(0, 1, n) < 0.5
            ts = np.where(inside, self.rng.integers(lo, max(lo + 1, hi), n), self._times(n, None))
            parts.append(users)
            times.append(ts.astype(np.int64))
        if not parts:
            return _empty_users(), np.zeros(0, np.int64)
        return Users.concat(parts), np.concatenate(times)

    def _times(self, n: int, day: int | None) -> I64:
        """Instants weighted by the diurnal shape, on ``day`` or on any day."""
        days = (
            np.full(n, day, dtype=np.int64)
            if day is not None
            else self.rng.integers(0, self.clock.days, n)
        )
        kinds = self.clock.day_types()[days]
        hours = np.empty(n, dtype=np.int64)
        for kind, shape in ((0, WEEKDAY_SHAPE), (1, WEEKEND_SHAPE), (2, WEEKEND_SHAPE)):
            sel = kinds == kind
            if sel.any():
                hours[sel] = self.rng.choice(24, size=int(sel.sum()), p=shape / shape.sum())
        secs = hours * 3600 + self.rng.integers(0, 3600, n)
        # local hour -> instant: subtract the zone offset (fixed within the day)
        offset = self.clock.offsets[np.minimum(days * PERIODS_PER_DAY, self.clock.n_periods - 1)]
        return np.asarray(
            self.clock.start + days * DAY_S + secs - offset + self.clock.offsets[0], dtype=np.int64
        )

    def days(self) -> Iterator[MrChunk]:
        for day in range(self.clock.days):
            yield from self._day(day)

    def _day(self, day: int) -> Iterator[MrChunk]:
        x, y = self.loc.pop.sample_xy(self.per_day, self.rng)
        users, _ = self.loc.pop.situations(x, y, self.rng)
        ts = self._times(self.per_day, day)
        lo = self.clock.start + day * DAY_S
        sel = (self.cluster_ts >= lo) & (self.cluster_ts < lo + DAY_S)
        users = Users.concat([users, self.cluster_users.take(sel)])
        ts = np.concatenate([ts, self.cluster_ts[sel]])
        ts = np.clip(ts, self.clock.start, self.clock.end - 1)
        order = np.argsort(ts, kind="stable")
        users, ts = users.take(order), ts[order]
        for a in range(0, len(ts), CHUNK):
            chunk = self._measure(
                users.take(np.arange(a, min(a + CHUNK, len(ts)))), ts[a : a + CHUNK]
            )
            yield chunk

    def _measure(self, users: Users, ts: I64) -> MrChunk:
        radio = self.radio
        cand = radio.candidates(users.x, users.y)
        rx = radio.rx(cand, users)
        period = self.clock.period_of(ts)
        load = self.traffic.util(np.where(cand >= 0, cand, 0), period[:, None]).astype(np.float64)
        down = self.faults.down_mask(cand, ts)
        nr_capable = self.rng.uniform(0, 1, len(ts)) < self.cfg.nr_device_share
        ext = np.full(len(ts), -np.inf)
        for src in self.faults.sources:
            near = (np.hypot(users.x - src.x, users.y - src.y) < SOURCE_RANGE_M) & src.active[
                period
            ]
            if near.any():
                level = self.loc.ext_dbm(users.take(near), src.x, src.y, src.h, src.p_dl_re_dbm)
                ext[near] = 10 * np.log10(10 ** (ext[near] / 10) + 10 ** (level / 10))
        hit = np.isfinite(ext)
        clean = radio.measure(cand, rx, load=load, down=down, nr_capable=nr_capable)
        meas = clean
        if hit.any():
            dirty = radio.measure(
                cand[hit],
                rx[hit],
                load=load[hit],
                down=down[hit],
                ext_dbm=ext[hit],
                nr_capable=nr_capable[hit],
            )
            served = dirty.serving >= 0
            cells = dirty.serving[served]
            drop = sinr_to_cqi(clean.sinr[hit][served]) - sinr_to_cqi(dirty.sinr[served])
            np.add.at(self.drop_sum, cells, drop)
            np.add.at(self.drop_n, cells, 1)
            meas.sinr = meas.sinr.copy()
            meas.rsrq = meas.rsrq.copy()
            meas.sinr[hit] = dirty.sinr
            meas.rsrq[hit] = dirty.rsrq
        ok = meas.serving >= 0
        cells = meas.serving[ok]
        np.add.at(self.cqi_sum, cells, sinr_to_cqi(clean.sinr[ok]))
        np.add.at(self.cqi_n, cells, 1)
        return MrChunk(
            ts=ts[ok],
            x=users.x[ok],
            y=users.y[ok],
            # a UE reports RSRP up to -44 dBm (TS 36.133 RSRP_97): the top of the range, not the
            # -18 dBm the path-loss model gives a metre from a small cell's antenna
            rsrp=np.minimum(meas.rsrp[ok], RSRP_REPORT_MAX_DBM),
            cell=cells,
            rsrq=meas.rsrq[ok],
            sinr=meas.sinr[ok],
            mdt=self.rng.uniform(0, 1, int(ok.sum())) < 0.15,
        )

    def finish(self, traffic: Traffic) -> F64:
        """Feed MR-derived CQI into the traffic model; return each cell's mean CQI loss to
        external sources while they are active (NaN where too few samples)."""
        seen = self.cqi_n >= 20
        traffic.cqi_base[seen] = self.cqi_sum[seen] / self.cqi_n[seen]
        drop = np.full_like(self.drop_sum, np.nan)
        has = self.drop_n >= 5
        drop[has] = self.drop_sum[has] / self.drop_n[has]
        return drop


def _empty_users() -> Users:
    z = np.zeros(0)
    return Users(z, z, z, np.zeros(0, np.int8), z, z)
