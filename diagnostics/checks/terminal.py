"""Terminal / SIM (终端及SIM卡): the handbook's first step, "rule out the terminal and the SIM".

Evidence that points to the user's side: the device lacks what the symptom and the local network
need (VoLTE for calls where only LTE/NR serve, LTE/NR for data, the local bands), the SIM is an
old 2G/3G card, the model has a known issue, the problem happens everywhere (it follows the
user), the same subscriber complained from other places, nobody nearby has it, and other users on
the same cells are fine (their KPIs, alarms and MR are healthy). Neighbours affected, or the
serving cells breaching their thresholds, argue against it. The handset and SIM checks are in
``terminal_device``; "it happens everywhere" is explained away when the registration shows a fault
that follows the subscriber as well (roaming switched off, not registered, …).
"""

from __future__ import annotations

from diagnostics.checks.alarms import at_time, outage_alarms
from diagnostics.checks.common import (
    Weights,
    ev,
    mr_verdict,
    occasional,
    site_factor,
    unknown,
    worst,
)
from diagnostics.checks.roaming import follows_subscriber
from diagnostics.checks.terminal_device import CAUSE, capability, known_issue, sim
from diagnostics.description import stated_everywhere, stated_neighbours
from diagnostics.evidence import Context
from diagnostics.models import Evidence
from diagnostics.settings import DiagnosticsSettings

FROM_TEXT = " (said in the description)"


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    return [
        capability(ctx, s, w),
        sim(ctx, s, w),
        known_issue(ctx, w),
        _everywhere(ctx, w),
        _neighbours(ctx, w),
        _repeats(ctx, s, w),
        _other_users(ctx, s, w),
    ]


def _everywhere(ctx: Context, w: Weights) -> Evidence:
    value, said = ctx.complaint.everywhere, ""
    if value is None:  # the field is empty: the description may say it (到哪里都这样)
        value = stated_everywhere(ctx.complaint.description)
        said = FROM_TEXT if value is not None else ""
    if value is None:
        return unknown(
            "problem_everywhere", CAUSE, "not asked whether it also happens at other places"
        )
    if value and occasional(ctx.complaint):
        # the handbook sends a problem to the SIM when it lasts ("for a long time … everywhere");
        # one that comes now and then, wherever it is, is to be explained and observed
        return ev(
            "problem_everywhere",
            CAUSE,
            "abnormal",
            0.0,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail=f"the problem also happens at other places{said}, but only occasionally: a "
            "faulty SIM or handset fails all the time",
        )
    if value:
        # it follows the subscriber: the handset or SIM, unless the registration already shows
        # a fault that follows them too (explaining it away, as the roaming checklist reads it)
        registration = follows_subscriber(ctx)
        return ev(
            "problem_everywhere",
            CAUSE,
            "abnormal",
            w.weak if registration else w.medium,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail=f"the problem also happens at other places{said}: "
            + (
                f"it follows the subscriber, and {registration}"
                if registration
                else "it follows the handset or SIM"
            ),
        )
    return ev(
        "problem_everywhere",
        CAUSE,
        "normal",
        -w.weak,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"the problem happens only at this place{said}",
    )


def _neighbours(ctx: Context, w: Weights) -> Evidence:
    value, said = ctx.complaint.neighbours_affected, ""
    if value in (None, "unknown"):  # not given: the description may say it (周围用户也一样)
        stated = stated_neighbours(ctx.complaint.description)
        if stated is not None:
            value, said = stated, FROM_TEXT
    if value in (None, "unknown"):
        return unknown(
            "neighbours_affected", CAUSE, "not known whether people nearby have the same problem"
        )
    if value == "yes":
        return ev(
            "neighbours_affected",
            CAUSE,
            "abnormal",
            -w.medium,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail=f"people nearby have the same problem (周围用户也一样){said}: a network cause",
        )
    return ev(
        "neighbours_affected",
        CAUSE,
        "normal",
        w.weak,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"people nearby don't have the problem{said}",
    )


def _repeats(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    if ctx.serving.location is None:
        return unknown(
            "repeat_elsewhere",
            CAUSE,
            "no place known to compare other complaints with",
            threshold=s.repeat_min_distance_m,
            unit="m",
        )
    far = [
        r
        for r in ctx.repeats
        if r.distance_m is not None and r.distance_m >= s.repeat_min_distance_m
    ]
    if far:
        support = w.weak if len(far) == 1 else w.medium
        return ev(
            "repeat_elsewhere",
            CAUSE,
            "abnormal",
            support,
            value=float(len(far)),
            threshold=s.repeat_min_distance_m,
            unit="complaints",
            detail=f"the same subscriber complained {len(far)} time(s) in the last "
            f"{s.repeat_lookback_days:.0f} days from places over "
            f"{s.repeat_min_distance_m / 1000:.0f} km away",
        )
    return ev(
        "repeat_elsewhere",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=s.repeat_min_distance_m,
        unit="complaints",
        detail="no complaint from this subscriber at other places recently",
    )


def _other_users(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    """Are other users on the same cells fine? KPIs, alarms, MR and other complaints."""
    breaches: list[str] = []
    checks = (
        ("availability", lambda k: k.availability_min, False, s.availability_pct),
        ("PRB load", lambda k: k.prb_busy, True, s.prb_busy_pct),
        ("UL interference", lambda k: k.ul_max, True, s.ul_interference_dbm),
        ("drop rate", lambda k: k.drop_avg, True, s.drop_rate_pct),
    )
    measured: list[str] = []  # what the "fine" is based on, said in the detail
    for name, get, higher, thr in checks:
        found = worst(ctx, get, higher_is_worse=higher, threshold=thr)
        if found is None:
            continue
        if not measured:
            measured.append("the serving cells' KPIs" + (" and alarms" if ctx.alarm_feed else ""))
        stats, value = found
        if ((value > thr) if higher else (value < thr)) and site_factor(ctx, stats.cell_id) >= 0.5:
            breaches.append(f"{name} {value:.1f} on {stats.cell_id}")
    if any(at_time(ctx, a) for a in outage_alarms(ctx, s, "serving")):
        breaches.append("outage alarm on a serving cell/site")
    verdict = mr_verdict(ctx.coverage, s)
    if verdict is not None:
        measured.append("MR of the place")
        if verdict.state == "weak":  # past the criterion beyond sampling noise, as coverage has it
            breaches.append(f"{verdict.share:.0%} weak MR samples")
    if not measured and not breaches:
        return unknown(
            "other_users_affected",
            CAUSE,
            "no KPI or MR data for the serving cells: can't tell whether other users are fine",
            threshold=0.0,
            unit="breaches",
            window=ctx.window,
        )
    if breaches:
        return ev(
            "other_users_affected",
            CAUSE,
            "abnormal",
            -w.medium * min(1.0, 0.5 + 0.25 * len(breaches)),
            value=float(len(breaches)),
            threshold=0.0,
            unit="breaches",
            window=ctx.window,
            detail="other users here are affected too: " + "; ".join(breaches),
        )
    return ev(
        "other_users_affected",
        CAUSE,
        "normal",
        w.weak,
        value=0.0,
        threshold=0.0,
        unit="breaches",
        window=ctx.window,
        detail="other users here are fine: " + " and ".join(measured) + " are healthy",
    )
