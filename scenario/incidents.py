"""Complaint cases for the time-bound faults and for healthy places.

A ``Case`` is one complainant's truth before it becomes a complaint row: the cause, the spot
(with its neighbourhood's MR), and the window in which the problem really happens (the outage,
an active spell of the interference source, a congested busy period, the event; or the whole
scenario for permanent or user-side causes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely import Point
from shapely.geometry.base import BaseGeometry

from scenario.clock import PERIOD_S, Clock
from scenario.coverage import Hole
from scenario.faults import Outage, Source, Venue, with_co_sector
from scenario.locations import Generator, Locator, Spot
from scenario.network import Network, isd_at
from scenario.radio import Measurement, Users
from scenario.settings import ScenarioSettings
from scenario.traffic import Traffic, utilisation

I64 = NDArray[np.int64]
B = NDArray[np.bool_]
BUSY_UTIL = 0.85


@dataclass
class Case:
    cause: str
    spot: Spot
    t_from: int
    t_to: int
    bounded: bool
    detail: str
    group: str = ""


def _site_gen(loc: Locator, sites: list[int], share: float = 0.45) -> Generator:
    net = loc.radio.net
    xs, ys = net.site_x[sites], net.site_y[sites]
    radii = share * np.asarray(isd_at(np.hypot(xs, ys), net.rc, net.isd0))
    return loc.near(xs, ys, radii)


def outage_cases(loc: Locator, outages: list[Outage], sizes: list[int], clock: Clock) -> list[Case]:
    """Mass events: each outage draws its group of complainants, near the site, soon after.
    A site with too few people around passes its shortfall on to the next outage."""
    cases: list[Case] = []
    carry = 0
    for k, (o, planned) in enumerate(zip(outages, sizes, strict=False)):
        size = min(planned + carry, 10)
        cells = o.cells

        def point(users: Users, meas: Measurement, cells: I64 = cells) -> B:
            return np.isin(meas.serving, cells) & (meas.rsrp >= -105.0)

        def cluster(users: Users, meas: Measurement, cells: I64 = cells) -> bool:
            return loc.covered_share(meas) >= 0.8 and np.isin(meas.serving, cells).mean() >= 0.4

        spots = loc.search(size, _site_gen(loc, [o.site]), point, cluster, max_batches=15)
        carry = planned + carry - len(spots)
        end = min(o.end, clock.end)
        for spot in spots:
            cases.append(Case("outage", spot, o.start, end, True, o.kind, group=f"outage-{k}"))
    return cases


def interference_cases(
    loc: Locator, sources: list[Source], counts: list[int], clock: Clock
) -> list[Case]:
    """Complainants near the emitter, on an interfered cell: good RSRP, poor SINR. Sources
    with too few such spots pass their shortfall on (a second round tries them all again)."""
    cases: list[Case] = []
    want = list(counts)
    for _round in range(2):
        for k, src in enumerate(sources):
            got = _interference_spots(loc, src, want[k], clock)
            cases += got
            short = want[k] - len(got)
            want[k] = 0
            if short > 0:
                want[(k + 1) % len(sources)] += short
        if not any(want):
            break
    return cases


def _interference_spots(loc: Locator, src: Source, count: int, clock: Clock) -> list[Case]:
    if count <= 0:
        return []
    cells = src.cells

    def point(users: Users, meas: Measurement) -> B:
        return np.isin(meas.serving, cells) & (meas.rsrp >= -105.0) & (meas.sinr < 0.0)

    def cluster(users: Users, meas: Measurement) -> bool:
        ok = meas.serving >= 0
        return bool(
            ok.sum() >= 10 and np.median(meas.rsrp[ok]) >= -108.0 and np.median(meas.sinr[ok]) < 1.0
        )

    gen = loc.near(np.array([src.x]), np.array([src.y]), np.array([160.0]))
    ext = (src.x, src.y, src.h, src.p_dl_re_dbm)
    cases: list[Case] = []
    for spot in loc.search(count, gen, point, cluster, ext=ext, max_batches=20):
        t0, t1 = _run(src.active, loc.rng, clock)
        cases.append(Case("interference", spot, t0, t1, True, src.schedule, group=src.name))
    return cases


def _run(mask: B, rng: np.random.Generator, clock: Clock, min_len: int = 2) -> tuple[int, int]:
    """A random contiguous run of True periods (start, end instants)."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    long = [
        (s, e) for s, e in zip(starts.tolist(), ends.tolist(), strict=False) if e - s >= min_len
    ]
    runs = long or list(zip(starts.tolist(), ends.tolist(), strict=False))
    s, e = runs[int(rng.integers(0, len(runs)))]
    return clock.start + s * PERIOD_S, clock.start + e * PERIOD_S


def congestion_cases(
    loc: Locator, traffic: Traffic, congested: I64, venue: Venue | None, count: int, clock: Clock
) -> list[Case]:
    """Busy-hour complainants on chronically congested cells, and event-goers at the venue."""
    cases: list[Case] = []
    n_venue = round(0.35 * count) if venue is not None else 0
    tech = loc.radio.is_nr
    anchors = congested[~tech[congested]]  # complainants' recorded cell is the LTE anchor
    per_cell = np.bincount(
        loc.rng.integers(0, max(1, len(anchors)), count - n_venue), minlength=len(anchors)
    )
    periods = np.arange(clock.n_periods)
    for cell, k in zip(anchors.tolist(), per_cell.tolist(), strict=False):
        if k == 0:
            continue

        def point(users: Users, meas: Measurement, cell: int = cell) -> B:
            return np.asarray((meas.serving == cell) & (meas.rsrp >= -105.0) & (meas.sinr >= 0.0))

        def cluster(users: Users, meas: Measurement) -> bool:
            return loc.covered_share(meas) >= 0.85

        site = int(loc.radio.net.cell_site[cell])
        spots = loc.search(k, _site_gen(loc, [site], 0.4), point, cluster, max_batches=15)
        busy = traffic.util(np.full(clock.n_periods, cell), periods) >= BUSY_UTIL
        for spot in spots:
            t0, t1 = _run(busy, loc.rng, clock)
            cases.append(Case("congestion", spot, t0, t1, True, "busy_hour"))
    if venue is not None and n_venue:
        cells = venue.cells

        def vpoint(users: Users, meas: Measurement) -> B:
            return np.isin(meas.serving, cells) & (meas.rsrp >= -108.0)

        def vcluster(users: Users, meas: Measurement) -> bool:
            return loc.covered_share(meas) >= 0.8

        spots = loc.search(n_venue, _venue_gen(loc, venue), vpoint, vcluster, max_batches=15)
        for spot in spots:
            cases.append(
                Case("congestion", spot, venue.start, venue.end, True, "event", group=venue.name)
            )
    return cases


def _venue_gen(loc: Locator, venue: Venue) -> Generator:
    def gen(n: int) -> tuple[Users, I64]:
        r = np.sqrt(loc.rng.uniform(0, 1, n))
        th = loc.rng.uniform(0, 2 * np.pi, n)
        x = venue.x + venue.a * r * np.cos(th)
        y = venue.y + venue.b * r * np.sin(th)
        return loc.pop.situations(x, y, loc.rng)

    return gen


def plan_venue(loc: Locator, clock: Clock, claimed: set[int]) -> Venue | None:
    """A stadium in the inner suburbs whose serving cells carry no other fault."""
    net = loc.radio.net
    rng = loc.rng
    for attempt in range(40):
        r = net.rc * rng.uniform(0.5, 1.3)
        th = rng.uniform(0, 2 * np.pi)
        x, y = r * np.cos(th), r * np.sin(th)
        a, b = rng.uniform(130, 190), rng.uniform(90, 130)
        users, _ = _venue_gen(loc, Venue(x, y, a, b, "", np.zeros(0, np.int64), 0, 0))(60)
        users.depth[:] = 0
        meas = loc.measure(users)
        if (meas.serving < 0).mean() > 0.1:
            continue
        cells, counts = np.unique(meas.serving[meas.serving >= 0], return_counts=True)
        cells = with_co_sector(net, cells[counts >= 6])
        if len(cells) == 0 or claimed.intersection(cells.tolist()):
            continue
        day0 = clock.start + clock.event_day * 86_400
        name = f"Stadium {chr(65 + attempt % 26)}"
        return Venue(x, y, a, b, name, cells, day0 + int(18.5 * 3600), day0 + int(22.5 * 3600))
    return None


def venue_profile(venue: Venue, clock: Clock, surge: float) -> NDArray[np.float64]:
    """Extra demand (multiple of busy-hour load) per period: ramps an hour either side."""
    mid = clock.period_starts() + PERIOD_S // 2
    up = np.clip((mid - (venue.start - 3600)) / 3600, 0, 1)
    down = np.clip(((venue.end + 2700) - mid) / 2700, 0, 1)
    return np.asarray(surge * np.minimum(up, down), dtype=np.float64)


@dataclass(frozen=True)
class Unhealthy:
    """What a user-side or no-fault complainant keeps away from, so that the truth is what the
    files show: cells whose site the traffic runs busy at some hour, and the weak places."""

    cells: I64
    weak: BaseGeometry | None


def unhealthy(
    net: Network, traffic: Traffic, holes: list[Hole], cfg: ScenarioSettings
) -> Unhealthy:
    peak = utilisation(traffic.demand.max(axis=1))  # monotonic: the busiest period's utilisation
    busy_sites = np.unique(net.cell_site[peak >= cfg.healthy_max_util])
    cells = np.flatnonzero(np.isin(net.cell_site, busy_sites)).astype(np.int64)
    shapes: list[BaseGeometry] = [h.area for h in holes if h.area is not None]
    shapes += [Point(s.x, s.y) for h in holes for s in h.spots]
    weak = None
    if shapes:
        weak = shapely.buffer(shapely.union_all(shapes), cfg.healthy_weak_margin_m)
        shapely.prepare(weak)
    return Unhealthy(cells, weak)


def healthy_cases(
    loc: Locator,
    claimed: set[int],
    count: int,
    cause: str,
    clock: Clock,
    avoid: Unhealthy,
) -> list[Case]:
    """Complainants in good coverage on fault-free cells that are never busy, away from the weak
    places (user-side causes and no fault)."""
    bad = np.union1d(np.array(sorted(claimed), dtype=np.int64), avoid.cells)

    def point(users: Users, meas: Measurement) -> B:
        ok = (
            (meas.serving >= 0)
            & ~np.isin(meas.serving, bad)
            & (meas.rsrp >= -100.0)
            & (meas.sinr >= 2.0)
        )
        if avoid.weak is not None:
            ok &= ~shapely.contains_xy(avoid.weak, users.x, users.y)
        return np.asarray(ok, dtype=np.bool_)

    def cluster(users: Users, meas: Measurement) -> bool:
        return loc.covered_share(meas) >= 0.9 and np.isin(meas.serving, bad).mean() <= 0.2

    spots = loc.search(count, loc.anywhere, point, cluster, max_batches=40)
    return [Case(cause, s, clock.start, clock.end, False, "") for s in spots]
