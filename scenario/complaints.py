"""Complaint rows from cases: who, when, where, what they say.

Times: a complaint is reported after its fault starts -- during an outage or shortly after
(mass events arrive within the first hours), during or just after an interference spell or a
congested busy period -- and always inside the scenario; permanent and user-side problems are
reported at office-ish hours on any day after the first half day. ``occurred_from/to`` are
sometimes missing (the engine then looks back from ``reported_at``). About 10 % carry only a
cell id (the serving cell at the unknown position); a quarter of the rest carry one as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenario.clock import Clock
from scenario.incidents import Case
from scenario.network import Network
from scenario.people import People, Subscriber
from scenario.settings import ScenarioSettings
from scenario.texts import describe

SYMPTOMS: dict[str, dict[str, float]] = {
    "weak_coverage": {
        "weak_signal": 0.45,
        "no_signal": 0.15,
        "call_drop": 0.25,
        "slow_data": 0.1,
        "poor_voice": 0.05,
    },
    "outage": {"no_signal": 0.35, "no_data": 0.3, "cannot_call": 0.3, "call_drop": 0.05},
    "interference": {"poor_voice": 0.35, "call_drop": 0.35, "slow_data": 0.3},
    "congestion": {"slow_data": 0.6, "cannot_call": 0.2, "no_data": 0.1, "call_drop": 0.1},
    "no_fault_found": {
        "weak_signal": 0.2,
        "slow_data": 0.25,
        "call_drop": 0.15,
        "poor_voice": 0.15,
        "no_data": 0.1,
        "sms_failure": 0.1,
        "cannot_call": 0.05,
    },
    "no_volte": {"cannot_call": 0.6, "poor_voice": 0.4},
    "old_sim": {"no_data": 0.4, "cannot_call": 0.3, "no_signal": 0.3},
    "no_nr": {"slow_data": 0.8, "no_data": 0.2},
    "known_issue": {"call_drop": 0.35, "no_data": 0.25, "sms_failure": 0.2, "poor_voice": 0.2},
    "not_registered": {"cannot_call": 0.4, "cannot_receive": 0.3, "roaming_failure": 0.3},
    "rejected": {"roaming_failure": 0.5, "cannot_call": 0.5},
    "roaming_off": {"roaming_failure": 0.6, "no_data": 0.4},
    "call_forwarding": {"cannot_receive": 1.0},
}
# P(yes, no, unknown, empty) for neighbours_affected; P(true, false, empty) for everywhere
NEIGHBOURS = {
    "weak_coverage": (0.5, 0.1, 0.2, 0.2),
    "outage": (0.7, 0.05, 0.15, 0.1),
    "interference": (0.4, 0.1, 0.3, 0.2),
    "congestion": (0.5, 0.1, 0.2, 0.2),
    "terminal_sim": (0.05, 0.6, 0.15, 0.2),
    "roaming_registration": (0.0, 0.5, 0.3, 0.2),
    "no_fault_found": (0.05, 0.4, 0.3, 0.25),
}
# A problem the subscriber meets everywhere is the handbook's SIM sign (到哪里都这样 → 测卡、换卡):
# a complaint with nothing wrong doesn't say it, or its truth would not be what it shows.
EVERYWHERE = {
    "terminal_sim": (0.7, 0.1, 0.2),
    "roaming_registration": (0.5, 0.2, 0.3),
    "no_fault_found": (0.0, 0.75, 0.25),
}
FREQUENCY = {
    "weak_coverage": (0.05, 0.45, 0.5),
    "outage": (0.0, 0.2, 0.8),
    "interference": (0.2, 0.6, 0.2),
    "congestion": (0.3, 0.6, 0.1),
    "terminal_sim": (0.1, 0.4, 0.5),
    "roaming_registration": (0.0, 0.3, 0.7),
    "no_fault_found": (0.6, 0.3, 0.1),
}
CHANNELS = {
    "hotline": 0.55,
    "app": 0.2,
    "web": 0.08,
    "store": 0.07,
    "social": 0.06,
    "regulator": 0.04,
}


@dataclass
class Complaint:
    cause: str
    kind: str
    case: Case
    subscriber: Subscriber
    reported_at: int
    occurred_from: int | None
    occurred_to: int | None
    symptom: str
    lat: float | None
    lon: float | None
    cell_id: str
    description: str
    indoor: bool | None
    floor: int | None
    frequency: str
    neighbours: str
    everywhere: bool | None
    channel: str
    urgent: bool
    external_id: str = ""


def _choice(rng: np.random.Generator, table: dict[str, float]) -> str:
    keys = list(table)
    p = np.array([table[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _office_time(rng: np.random.Generator, clock: Clock, lo: int, hi: int) -> int:
    """An instant in [lo, hi) drawn with a 08:00-22:00 local preference."""
    for _ in range(50):
        t = int(rng.integers(lo, max(lo + 1, hi)))
        hour = (t + int(clock.offsets[0])) % 86_400 / 3600
        if 8 <= hour < 22 or rng.uniform() < 0.08:
            return t
    return t


def build(
    cases: list[Case],
    people: People,
    net: Network,
    clock: Clock,
    cfg: ScenarioSettings,
    rng: np.random.Generator,
) -> list[Complaint]:
    """Turn cases into complaint rows (external ids assigned by report time)."""
    out: list[Complaint] = []
    repeat_of: dict[str, Subscriber] = {}
    tech = net.tech
    nr_sites = {
        int(net.cell_site[c]) for c in np.flatnonzero(net.active).tolist() if tech[c] == "NR"
    }
    for case in cases:
        cause = case.cause
        kind = case.detail
        if cause == "terminal_sim":
            kind = people.terminal_kind()
            # a phone without 5G is the cause only where 5G serves: elsewhere every phone is on 4G
            while kind == "no_nr" and (
                case.spot.cell < 0 or int(net.cell_site[case.spot.cell]) not in nr_sites
            ):
                kind = people.terminal_kind()
        elif cause == "roaming_registration":
            kind = people.roaming_kind()
        reported, occ_from, occ_to = _times(rng, clock, case, cfg)
        table = SYMPTOMS.get(kind) or SYMPTOMS[cause]
        symptom = _choice(rng, table)
        if cause == "weak_coverage" and not np.isfinite(case.spot.rsrp):
            symptom = "no_signal"
        group = f"{cause}:{kind}"
        if (
            group in repeat_of
            and rng.uniform() < 0.08
            and cause in ("weak_coverage", "terminal_sim")
        ):
            sub = repeat_of[group]  # the same person complains again
        else:
            sub = people.complainant(cause, kind)
            repeat_of[group] = sub
        people.register(sub, reported - int(rng.integers(30, 600)), cause, kind)
        depth, floor = case.spot.depth, case.spot.floor
        indoor: bool | None = depth > 0
        floor_out: int | None = floor if depth > 0 else None
        if rng.uniform() < 0.15:
            indoor, floor_out = None, None
        elif floor_out is not None and rng.uniform() < 0.3 and floor_out > 0:
            floor_out = None
        nb = ("yes", "no", "unknown", "")[int(rng.choice(4, p=NEIGHBOURS[cause]))]
        ev_p = EVERYWHERE.get(cause, (0.05, 0.7, 0.25))
        everywhere = (True, False, None)[int(rng.choice(3, p=ev_p))]
        freq = ("occasional", "frequent", "persistent")[int(rng.choice(3, p=FREQUENCY[cause]))]
        if rng.uniform() < 0.1:
            freq = ""
        channel = _choice(rng, CHANNELS)
        urgent = (channel in ("regulator", "social") and rng.uniform() < 0.5) or (
            sub.vip and rng.uniform() < 0.3
        )
        text = describe(
            rng,
            symptom,
            zh=bool(rng.uniform() < cfg.zh_share),
            floor=floor_out,
            neighbours=nb,
            everywhere=everywhere,
            sudden=case.bounded,
            since_days=0 if occ_from is None else (reported - occ_from) // 86_400,
            expects_5g=cause == "terminal_sim" and kind == "no_nr",
        )
        lat, lon = net.proj.to_latlon(
            np.array([case.spot.x + rng.normal(0, 12)]), np.array([case.spot.y + rng.normal(0, 12)])
        )
        cell = net.cell_id[case.spot.cell] if case.spot.cell >= 0 else ""
        has_pos = rng.uniform() >= cfg.cell_only_share or not cell
        out.append(
            Complaint(
                cause=cause,
                kind=kind,
                case=case,
                subscriber=sub,
                reported_at=reported,
                occurred_from=occ_from,
                occurred_to=occ_to,
                symptom=symptom,
                lat=float(lat[0]) if has_pos else None,
                lon=float(lon[0]) if has_pos else None,
                cell_id=cell if (not has_pos or rng.uniform() < 0.25) else "",
                description=text,
                indoor=indoor,
                floor=floor_out,
                frequency=freq,
                neighbours=nb,
                everywhere=everywhere,
                channel=channel,
                urgent=bool(urgent),
            )
        )
    out.sort(key=lambda c: (c.reported_at, c.subscriber.msisdn))
    for k, c in enumerate(out):
        day = clock.iso(c.reported_at)[:10].replace("-", "")
        c.external_id = f"CMP{day}{k + 1:05d}"
    return out


def _times(
    rng: np.random.Generator, clock: Clock, case: Case, cfg: ScenarioSettings
) -> tuple[int, int | None, int | None]:
    last = clock.end - 120
    if case.bounded:
        t0 = max(case.t_from, clock.start)
        t1 = min(case.t_to, last)
        if case.cause == "outage":  # mass event: most call within the first hours
            span = min(t1 - t0, int(rng.uniform(1.0, 3.0) * 3600))
            reported = t0 + 300 + int(rng.uniform(0, 1) ** 1.5 * max(span - 300, 60))
        else:
            reported = int(rng.integers(t0 + 600, max(t0 + 601, t1 + 3600)))
        reported = min(reported, last)
        occ_from = t0 + int(rng.integers(0, 900))
        occ_from = min(occ_from, reported - 60)
        occ_to: int | None = max(min(t1, reported), occ_from + 60) if rng.uniform() < 0.6 else None
    else:
        reported = _office_time(rng, clock, clock.start + 43_200, last)
        occ_from = max(clock.start, reported - int(rng.uniform(2 * 3600, 3 * 86_400)))
        occ_to = reported - int(rng.integers(0, 3600)) if rng.uniform() < 0.5 else None
    if rng.uniform() < cfg.missing_window_share:
        return reported, None, None
    return reported, occ_from, occ_to
