"""The generator's truth is what its files show: a complainant labelled user-side or no fault is
never on a busy site or in a weak place, a phone without 5G is the cause only where 5G serves, a
no-fault complaint doesn't claim the handbook's SIM sign ("it happens everywhere"), and MR stay
inside the 3GPP reporting range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from scenario.complaints import Complaint, build
from scenario.generate import generate
from scenario.mr import RSRP_REPORT_MAX_DBM
from scenario.people import People
from scenario.settings import ScenarioSettings, parse_params
from scenario.traffic import utilisation
from scenario.world import World, build_world

USER_SIDE = ("terminal_sim", "roaming_registration", "no_fault_found")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("truth")
    params = parse_params(out=out, seed=11, cells=150, days=3, complaints=300)
    return build_world(params, ScenarioSettings(), lambda _: None)


@pytest.fixture(scope="module")
def complaints(world: World) -> list[Complaint]:
    people = People(world.rng, world.cfg.plmn)
    return build(world.cases, people, world.net, world.clock, world.cfg, world.rng)


def test_user_side_complainants_are_never_on_a_busy_site(world: World) -> None:
    net = world.net
    peak = utilisation(world.traffic.demand.max(axis=1))
    site_peak = np.zeros(len(net.site_id))
    np.maximum.at(site_peak, net.cell_site, peak)
    busy_sites = set(np.flatnonzero(site_peak >= world.cfg.healthy_max_util).tolist())
    assert busy_sites, "the toy network has busy sites, or the test proves nothing"
    healthy = [c for c in world.cases if c.cause in USER_SIDE]
    assert len(healthy) >= 60
    assert not [c for c in healthy if int(net.cell_site[c.spot.cell]) in busy_sites]


def test_user_side_complainants_keep_away_from_the_weak_places(world: World) -> None:
    weak = [h.area for h in world.holes if h.area is not None]
    weak += [shapely.Point(s.x, s.y) for h in world.holes for s in h.spots]
    assert weak
    near = shapely.union_all(weak)
    margin = world.cfg.healthy_weak_margin_m
    for case in world.cases:
        if case.cause in USER_SIDE:
            assert shapely.distance(near, shapely.Point(case.spot.x, case.spot.y)) >= margin - 1


def test_a_phone_without_5g_is_the_cause_only_where_5g_serves(
    world: World, complaints: list[Complaint]
) -> None:
    net = world.net
    active = net.active
    nr_sites = {int(net.cell_site[c]) for c, t in enumerate(net.tech) if t == "NR" and active[c]}
    no_nr = [c for c in complaints if c.kind == "no_nr"]
    assert no_nr, "the toy has no-5G-phone complaints, or the test proves nothing"
    assert all(int(net.cell_site[c.case.spot.cell]) in nr_sites for c in no_nr)
    # and the customer misses the 5G others get: healthy 4G alone is the phone's service, no fault
    assert all("5G" in c.description for c in no_nr)


def test_a_no_fault_complaint_never_says_it_happens_everywhere(
    complaints: list[Complaint],
) -> None:
    nff = [c for c in complaints if c.cause == "no_fault_found"]
    assert len(nff) >= 20
    assert not [c for c in nff if c.everywhere]
    terminal = [c for c in complaints if c.cause == "terminal_sim"]
    assert any(c.everywhere for c in terminal)  # the generator still says it where it's true


def test_mr_rsrp_stays_inside_the_reporting_range(tmp_path: Path) -> None:
    # seed 202 puts a dozen samples of one day within metres of an antenna, where the path-loss
    # model gives up to -29.5 dBm
    generate(parse_params(out=tmp_path, seed=202, cells=300, days=1, complaints=40))
    rsrp = np.loadtxt(tmp_path / "mr.csv", delimiter=",", skiprows=1, usecols=3, dtype=np.float64)
    assert len(rsrp) > 10_000
    assert rsrp.max() == RSRP_REPORT_MAX_DBM
