"""Build the synthetic world: network, people, traffic, faults, and every complainant's case.

Order matters only for reproducibility: all randomness comes from one ``numpy`` Generator, used
in this fixed sequence, so a seed always yields the same world.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from scenario.clock import Clock
from scenario.coverage import Hole, plan_holes
from scenario.faults import (
    Faults,
    Source,
    pick_congested,
    plan_outages,
    plan_source,
    plan_works,
)
from scenario.incidents import (
    Case,
    congestion_cases,
    healthy_cases,
    interference_cases,
    outage_cases,
    plan_venue,
    unhealthy,
    venue_profile,
)
from scenario.locations import Locator
from scenario.network import RING_RURAL, Network, build_network
from scenario.population import Population
from scenario.radio import RadioModel
from scenario.settings import CAUSES, ScenarioParams, ScenarioSettings
from scenario.traffic import Traffic


@dataclass
class World:
    params: ScenarioParams
    cfg: ScenarioSettings
    rng: np.random.Generator
    clock: Clock
    net: Network
    radio: RadioModel
    pop: Population
    loc: Locator
    traffic: Traffic
    faults: Faults
    holes: list[Hole]
    cases: list[Case]
    requested: dict[str, int]
    notes: list[str] = field(default_factory=list)


def split_counts(total: int, mixture: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` complaints over the causes."""
    weights = np.array([max(mixture.get(c, 0.0), 0.0) for c in CAUSES])
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(int)
    for k in np.argsort(-(share - counts), kind="stable")[: total - int(counts.sum())]:
        counts[k] += 1
    return {c: int(n) for c, n in zip(CAUSES, counts, strict=False)}


def outage_sizes(n: int, rng: np.random.Generator) -> list[int]:
    """Mass events of 3-10 complainants (the last one may be smaller)."""
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(min(int(rng.integers(3, 11)), n - sum(sizes)))
    return sizes


def build_world(
    params: ScenarioParams, cfg: ScenarioSettings, step: Callable[[str], None]
) -> World:
    rng = np.random.default_rng(params.seed)
    clock = Clock.create(params.start, params.days, params.zone)
    step("network")
    net = build_network(cfg, params.cells, rng, clock.date(params.days - 1))
    radio = RadioModel(net, cfg, rng)
    pop = Population(net, rng)
    loc = Locator(radio, pop, cfg, rng)
    loc.set_days(params.days)
    traffic = Traffic(net, clock, cfg, rng)
    requested = split_counts(params.complaints, cfg.mixture)
    step("faults")
    faults = Faults()
    sizes = outage_sizes(requested["outage"], rng)
    used_sites: set[int] = set()
    faults.outages = plan_outages(net, clock, sizes, cfg, rng, used_sites)
    n_src = math.ceil(requested["interference"] / 5)
    faults.sources = _plan_sources(radio, clock, cfg, rng, faults, n_src)
    n_cong = requested["congestion"]
    if n_cong:
        want = max(1, round(cfg.congested_cell_share * net.n_cells), math.ceil(0.65 * n_cong / 6))
        faults.congested = pick_congested(net, want, rng, faults.claimed())
        traffic.set_busy(faults.congested, rng.uniform(*cfg.congested_load, len(faults.congested)))
        if n_cong >= 3:
            faults.venue = plan_venue(loc, clock, faults.claimed())
        if faults.venue is not None:
            traffic.add_surge(
                faults.venue.cells, venue_profile(faults.venue, clock, cfg.event_surge)
            )
    step("complainants")
    holes = plan_holes(loc, requested["weak_coverage"])
    cases = [
        Case("weak_coverage", s, clock.start, clock.end, False, h.kind)
        for h in holes
        for s in h.spots
    ]
    cases += outage_cases(loc, faults.outages, sizes, clock)
    per_src = np.bincount(
        np.arange(requested["interference"]) % max(1, len(faults.sources)),
        minlength=len(faults.sources),
    ).tolist()
    cases += interference_cases(loc, faults.sources, per_src, clock)
    cases += congestion_cases(loc, traffic, faults.congested, faults.venue, n_cong, clock)
    claimed = faults.claimed()
    avoid = unhealthy(net, traffic, holes, cfg)
    for cause in ("terminal_sim", "roaming_registration", "no_fault_found"):
        cases += healthy_cases(loc, claimed, requested[cause], cause, clock, avoid)
    notes: list[str] = []
    missing = params.complaints - len(cases)
    if missing > 0:
        notes.append(
            f"{missing} complainants could not be placed for their cause; "
            "they were given healthy spots and no_fault_found"
        )
        cases += healthy_cases(loc, claimed, missing, "no_fault_found", clock, avoid)
    busy_sites = {int(net.cell_site[c.spot.cell]) for c in cases if c.spot.cell >= 0}
    busy_sites |= {int(net.cell_site[c]) for c in claimed}
    n_works = max(1, round(0.02 * len(net.site_id)))
    faults.works = plan_works(net, clock, rng, busy_sites, n_works)
    return World(
        params,
        cfg,
        rng,
        clock,
        net,
        radio,
        pop,
        loc,
        traffic,
        faults,
        holes,
        cases,
        requested,
        notes,
    )


def _plan_sources(
    radio: RadioModel,
    clock: Clock,
    cfg: ScenarioSettings,
    rng: np.random.Generator,
    faults: Faults,
    count: int,
) -> list[Source]:
    net = radio.net
    ring = net.site_ring[net.cell_site]
    targets = np.flatnonzero(
        net.active
        & ~net.indoor
        & (ring != RING_RURAL)
        & np.array([k == "L1800" for k in net.layer])
    )
    out: list[Source] = []
    claimed = faults.claimed()
    for target in rng.permutation(targets).tolist():
        if len(out) >= count:
            break
        if target in claimed:
            continue
        src = plan_source(radio, clock, cfg, rng, int(target), len(out), claimed)
        if src is not None:
            out.append(src)
            claimed |= set(src.cells.tolist())
    return out
