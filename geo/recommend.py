"""What planners should do about a hotspot: one action and the reason, from its evidence.

Pure rules over the hotspot summary, in this order:

* dominant cause weak coverage (or, undiagnosed, MR says the area is weak): a planned site in
  or next to the hotspot → ``new_site`` (expedite it rather than build another); MR weak
  outdoors → ``new_site``; MR fine but complaints mostly indoors → ``indoor_system``; MR fine
  and outdoors → ``parameter_optimisation`` (coverage tuning);
* interference → ``interference_hunt`` (naming known interference sources);
* congestion (or a busy cell among the worst KPIs) → ``capacity``;
* outage → ``outage_follow_up`` (repeated outages are a maintenance matter, not planning);
* anything else — complaints concentrate with healthy KPIs and coverage, or terminal/roaming
  causes dominate — → ``parameter_optimisation`` (tilt, neighbours, handover, power).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ACTIONS = (
    "new_site",
    "indoor_system",
    "interference_hunt",
    "capacity",
    "outage_follow_up",
    "parameter_optimisation",
)


@dataclass(frozen=True)
class Evidence:
    dominant_cause: str | None
    indoor_share: float | None
    mr_weak_share: float | None
    weak_grid_share: float  # diagnostics' weak-grid threshold (share of weak samples)
    indoor_threshold: float
    planned: Sequence[str] = ()
    interference_sources: Sequence[str] = ()
    worst_kpis: Sequence[Mapping[str, Any]] = ()


def recommend(ev: Evidence) -> tuple[str, str]:
    """``(action, reason)`` for a hotspot.

    >>> recommend(Evidence("congestion", 0.1, 0.02, 0.1, 0.6))
    ('capacity', 'congestion dominates: add carriers/sectors or offload traffic')
    """
    bad_kpis = {k["kpi"] for k in ev.worst_kpis if k.get("state") == "bad"}
    weak_mr = ev.mr_weak_share is not None and ev.mr_weak_share > ev.weak_grid_share
    cause = ev.dominant_cause
    undiagnosed = cause in (None, "undiagnosed", "no_fault_found")
    if cause == "weak_coverage" or (undiagnosed and weak_mr):
        return _coverage(ev, weak_mr)
    if cause == "interference" or (undiagnosed and "ul_interference_dbm" in bad_kpis):
        sources = f" (known sources: {', '.join(ev.interference_sources)})"
        return "interference_hunt", "interference dominates" + (
            sources if ev.interference_sources else ": locate the source"
        )
    if cause == "congestion" or (undiagnosed and "prb_util_dl_pct" in bad_kpis):
        return "capacity", "congestion dominates: add carriers/sectors or offload traffic"
    if cause == "outage":
        return "outage_follow_up", "outages dominate: fix site reliability (power, transmission)"
    return (
        "parameter_optimisation",
        "complaints concentrate without a dominant coverage, interference or load fault: "
        "review tilt, neighbours, handover and power",
    )


def _coverage(ev: Evidence, weak_mr: bool) -> tuple[str, str]:
    """Weak coverage: a planned site to expedite, a new site where MR is weak outdoors, an
    indoor system where MR is fine but complaints come from indoors, else coverage tuning."""
    mostly_indoor = ev.indoor_share is not None and ev.indoor_share >= ev.indoor_threshold
    indoors = f"{ev.indoor_share:.0%} of complaints are indoors" if mostly_indoor else ""
    if ev.planned:
        return "new_site", f"weak coverage; planned site {', '.join(ev.planned)} here: expedite it"
    if weak_mr:
        share = f"{ev.mr_weak_share:.0%}" if ev.mr_weak_share is not None else "many"
        return "new_site", f"weak coverage: {share} of MR samples here are weak, no site planned"
    if mostly_indoor:
        outdoor = "MR outdoors is fine" if ev.mr_weak_share is not None else "no MR here"
        return "indoor_system", f"weak coverage indoors: {indoors}, {outdoor}"
    if ev.mr_weak_share is None:
        return "new_site", "weak coverage dominates; no MR here to say more, no site planned"
    return (
        "parameter_optimisation",
        "weak-coverage complaints where MR is fine: tune tilt, power and neighbours",
    )
