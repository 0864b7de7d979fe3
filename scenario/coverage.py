"""Weak-coverage holes: where they are, which complainants live in them, what is on record.

Holes are not labels but places the radio model makes weak:
- around sites removed from the grid (``Network.site_hole_kind``): some of those sites are in
  the inventory as ``planned`` (a ``planned_site`` area too), some are recorded as
  ``blind_spot`` / ``weak_coverage`` areas, some are on no record at all;
- at the rural edge, where the planned extra sites will go;
- inside buildings anywhere: deep indoor rooms, basements and high floors (above the
  down-tilted main beam), found only from MR.
A complainant's spot is accepted only when its own RSRP is below ``covered - 2 dB`` (or out of
service), it is far from sites for the local inter-site distance, and most of its
neighbourhood's MR is below the coverage threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from scenario.locations import ClusterTest, Locator, PointTest, Spot
from scenario.network import isd_at
from scenario.radio import Measurement, Users

F64 = NDArray[np.float64]
B = NDArray[np.bool_]

MIN_CLUSTER_WEAK = 0.6


@dataclass
class Hole:
    x: float
    y: float
    kind: str  # planned | recorded | unrecorded | edge | indoor
    name: str
    site: int = -1
    area_kind: str = ""  # blind_spot | weak_coverage | planned_site | ""
    planned_on_air: str = ""
    spots: list[Spot] = field(default_factory=list)
    area: BaseGeometry | None = None


def plan_holes(loc: Locator, want: int) -> list[Hole]:
    """Holes with ``want`` complainant spots in total (fewer if the network has no room)."""
    net = loc.radio.net
    rng = loc.rng
    holes: list[Hole] = []
    for s, kind in enumerate(net.site_hole_kind):
        if kind:
            holes.append(
                Hole(
                    float(net.site_x[s]),
                    float(net.site_y[s]),
                    kind,
                    f"{net.site_id[s]} gap",
                    site=s,
                )
            )
    for s in range(len(net.site_id)):
        if net.site_state[s] == "planned" and not net.site_hole_kind[s]:
            holes.append(
                Hole(
                    float(net.site_x[s]),
                    float(net.site_y[s]),
                    "edge",
                    f"{net.site_id[s]} edge",
                    site=s,
                )
            )
    n_anchor = round(0.75 * want) if holes else 0
    per = np.bincount(rng.integers(0, max(1, len(holes)), n_anchor), minlength=len(holes))
    if holes:
        per[per == 0] = 1 if n_anchor >= len(holes) else 0
    found = 0
    for hole, k in zip(holes, per.tolist(), strict=False):
        if k == 0:
            continue
        r = float(np.hypot(hole.x, hole.y))
        radius = 0.6 * float(isd_at(r, net.rc, net.isd0))
        gen = loc.near(np.array([hole.x]), np.array([hole.y]), np.array([radius]))
        hole.spots = loc.search(k, gen, _point_test(loc), _cluster_test(loc), max_batches=12)
        found += len(hole.spots)
    indoor = Hole(0.0, 0.0, "indoor", "indoor")
    rest = want - found
    for depth, floors, share in ((2, (1, 6), 0.4), (3, (-1, -1), 0.2), (1, (12, 32), 0.4)):
        k = rest if share == 0.4 and depth == 1 else round(share * (want - found))
        if k <= 0:
            continue
        gen = loc.with_profile(loc.anywhere, depth, floors)
        got = loc.search(k, gen, _point_test(loc, 0.3), _cluster_test(loc), max_batches=30)
        indoor.spots += got
        rest -= len(got)
    if rest > 0:  # anything weak at all (outdoor gaps, the rural fringe)
        more = loc.search(rest, loc.anywhere, _point_test(loc, 0.3), _cluster_test(loc, 0.5))
        indoor.spots += more
    holes.append(indoor)
    _records(holes, loc)
    return [h for h in holes if h.spots or h.area_kind]


def _point_test(loc: Locator, isd_share: float = 0.4) -> PointTest:
    radio = loc.radio

    def test(users: Users, meas: Measurement) -> B:
        weak = (meas.serving < 0) | (meas.rsrp < loc.cfg.covered_rsrp_dbm - 2.0)
        dist, _ = radio.macro_tree.query(np.column_stack([users.x, users.y]), k=1)
        r = np.hypot(users.x, users.y)
        far = dist >= isd_share * np.asarray(isd_at(r, radio.net.rc, radio.net.isd0))
        return np.asarray(weak & far, dtype=bool)

    return test


def _cluster_test(loc: Locator, share: float = MIN_CLUSTER_WEAK) -> ClusterTest:
    def test(users: Users, meas: Measurement) -> bool:
        weak, n = loc.weak_share(meas)
        return n >= 10 and weak >= share

    return test


def _records(holes: list[Hole], loc: Locator) -> None:
    """Decide what the operator has on record for each hole (areas.geojson)."""
    rng = loc.rng
    net = loc.radio.net
    recorded = 0
    for hole in holes:
        if hole.kind in ("planned", "edge") and hole.site >= 0:
            hole.area_kind = "planned_site"
            hole.planned_on_air = net.on_air[int(np.flatnonzero(net.cell_site == hole.site)[0])]
            hole.area = Point(hole.x, hole.y).buffer(180.0, quad_segs=8)
        elif hole.kind == "recorded" and hole.spots:
            hole.area_kind = ("blind_spot", "weak_coverage")[recorded % 2]
            recorded += 1
            pts = [(s.x, s.y) for s in hole.spots] + [(hole.x, hole.y)]
            hole.area = MultiPoint(pts).convex_hull.buffer(120.0, quad_segs=6)
        elif hole.kind == "indoor" and hole.spots:
            # a few buildings are known indoor weak-coverage sites; most are not on record
            known = [s for s in hole.spots if rng.uniform() < 0.2]
            if known:
                hole.area_kind = "weak_coverage"
                hole.area = MultiPoint([(s.x, s.y) for s in known]).buffer(40.0, quad_segs=6)
