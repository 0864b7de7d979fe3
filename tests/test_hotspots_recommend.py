"""The recommendation rules, branch by branch."""

from __future__ import annotations

import pytest

from geo.recommend import ACTIONS, Evidence, recommend


def ev(cause: str | None, **kw: object) -> Evidence:
    base: dict[str, object] = {
        "dominant_cause": cause,
        "indoor_share": 0.2,
        "mr_weak_share": 0.02,
        "weak_grid_share": 0.10,
        "indoor_threshold": 0.6,
    }
    return Evidence(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("evidence", "action", "words"),
    [
        (ev("weak_coverage", planned=["SH0042"]), "new_site", "expedite"),
        (ev("weak_coverage", mr_weak_share=0.6), "new_site", "60% of MR"),
        (ev("weak_coverage", indoor_share=0.8), "indoor_system", "80% of complaints"),
        (ev("weak_coverage", mr_weak_share=None), "new_site", "no MR"),
        (ev("weak_coverage"), "parameter_optimisation", "MR is fine"),
        (ev("undiagnosed", mr_weak_share=0.4), "new_site", "40% of MR"),
        (ev("interference", interference_sources=["Factory B"]), "interference_hunt", "Factory"),
        (ev("interference"), "interference_hunt", "locate the source"),
        (ev("congestion"), "capacity", "congestion"),
        (ev(None, worst_kpis=[{"kpi": "prb_util_dl_pct", "state": "bad"}]), "capacity", ""),
        (ev("outage"), "outage_follow_up", "reliability"),
        (ev("terminal_sim"), "parameter_optimisation", "tilt"),
    ],
)
def test_rules(evidence: Evidence, action: str, words: str) -> None:
    got, reason = recommend(evidence)
    assert got == action and got in ACTIONS
    assert words in reason
