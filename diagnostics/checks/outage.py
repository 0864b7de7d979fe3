"""Outage (基站故障, 传输中断, 停电, 工程关站): alarms overlapping the window on the serving
cells and sites and on the neighbours, availability, and other complaints at the same time and
place.

Thresholds (settings): availability below ``availability_pct`` (99.5 %) in any hour = the cell
was down; alarm types in ``outage_alarm_types`` (cell_unavailable, site_down, transmission,
power, hardware) take service down; ``mass_min_complaints`` − 1 other subscribers complaining
within ``mass_radius_m`` and ``mass_window_hours`` = a group fault (群障). An outage that ended
within ``restored_lookback_hours`` before the time of the problem explains a loss of service
reported without a time (``_restored_before``): who has no service calls once it is back.

A neighbouring cell or site that carries at least ``mr_serving_min_share`` of the place's MR is
read as serving (``serves_here``): a site spreads its samples over its sectors and layers, and a
cell that is down sends no MR, so either can fall out of the serving cells picked from the MR. An
outage alarm that is over by the call counts by the share of the problem's time it covered
(``time_share``, as the KPI breaches do): a few hours of outage explain a problem of a few hours,
not one of several days. One still going on counts whole. An alarm cleared within
``outage_alarm_min_minutes`` of being raised is a flap (闪断), not an outage.
"""

from __future__ import annotations

import math
from datetime import timedelta

from diagnostics.checks.alarms import (
    SEVERITY,
    alarm_share,
    alarm_text,
    at_time,
    cause_alarm,
    measured_down,
    outage_alarms,
)
from diagnostics.checks.common import (
    NO_ALARM_FEED,
    Weights,
    ev,
    kpi_check,
    no_kpi_detail,
    object_factor,
    site_factor,
    strength,
    time_share,
    unknown,
)
from diagnostics.evidence import AlarmRow, Context, KpiStats
from diagnostics.models import Evidence
from diagnostics.settings import DiagnosticsSettings

CAUSE = "outage"
OUTAGE_SYMPTOMS = (
    "no_signal",
    "no_data",
    "cannot_call",
    "cannot_receive",
    "weak_signal",
    "call_drop",
)


# Symptoms of service lost altogether, which the customer often reports only once it is back.
RESTORED_SYMPTOMS = ("no_signal", "no_data", "cannot_call", "cannot_receive", "sms_failure")


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    out = [_alarms(ctx, s, w), _availability(ctx, s, w), _neighbours(ctx, s, w)]
    fault = any(e.finding == "abnormal" for e in out[:2])
    out.append(_nearby(ctx, s, w, fault))
    return out


def _alarms(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    if not ctx.serving.cells:
        return unknown("outage_alarms", CAUSE, no_kpi_detail(ctx, "alarms"), window=ctx.window)
    alarms = outage_alarms(ctx, s, "serving")
    if not alarms and not ctx.alarm_feed:
        return unknown("outage_alarms", CAUSE, NO_ALARM_FEED, threshold=1.0, window=ctx.window)
    if not alarms:
        return ev(
            "outage_alarms",
            CAUSE,
            "normal",
            -w.context,
            value=0.0,
            threshold=1.0,
            unit="alarms",
            window=ctx.window,
            detail="no outage alarm (cell, site, transmission, power, hardware) "
            "on the serving cells or sites in the window",
        )
    top = alarms[0]
    restored = _restored_before(ctx, s, alarms)
    if restored is not None:
        ended = (ctx.window[0] - (restored.cleared_at or ctx.window[0])).total_seconds() / 3600
        severity = SEVERITY.get(restored.severity, 0.4)
        return ev(
            "outage_alarms",
            CAUSE,
            "abnormal",
            w.medium * severity * object_factor(ctx, restored.object_id),
            cell=restored.object_id,
            value=float(len(alarms)),
            threshold=1.0,
            unit="alarms",
            window=ctx.window,
            detail=f"{alarm_text(restored)}: service was restored {ended:.1f} h before the time "
            "looked at; a customer who lost service often calls once it is back",
        )
    if not at_time(ctx, top):
        return ev(
            "outage_alarms",
            CAUSE,
            "normal",
            0.0,
            cell=top.object_id,
            value=0.0,
            threshold=1.0,
            unit="alarms",
            window=ctx.window,
            detail="no outage alarm at the time of the problem; earlier: " + alarm_text(top),
        )
    now = [a for a in alarms if at_time(ctx, a)]
    support = max(
        w.strong
        * (1.0 if measured_down(ctx, a, s) else SEVERITY.get(a.severity, 0.4))
        * object_factor(ctx, a.object_id)
        * alarm_share(ctx, a, s)
        for a in now
    )
    more = f" (+{len(alarms) - 1} more)" if len(alarms) > 1 else ""
    detail = alarm_text(cause_alarm(ctx, s) or top) + more
    if all(_may_leave_service_up(ctx, a, s) for a in now) and _stayed_up(ctx, s):
        support *= s.alarm_without_impact_factor
        stale = all(a.alarm_type not in s.alarm_types_down_only_with_kpi for a in now)
        detail += (
            f"; open since {top.raised_at:%Y-%m-%d %H:%M} while the serving cells stayed available"
            " throughout: a stale alarm, never cleared"
            if stale
            else "; the serving cells stayed available throughout, so it did not take the "
            "service down"
        )
    return ev(
        "outage_alarms",
        CAUSE,
        "abnormal",
        support,
        cell=top.object_id,
        value=float(len(alarms)),
        threshold=1.0,
        unit="alarms",
        window=ctx.window,
        detail=detail,
    )


def _restored_before(
    ctx: Context, s: DiagnosticsSettings, alarms: list[AlarmRow]
) -> AlarmRow | None:
    """An outage of the serving cells that ended within ``restored_lookback_hours`` before the
    time of the problem, when it explains the complaint: a loss of service (the customer could
    not call while it lasted), no time given by the customer (with one, the outage missed it),
    no outage at the time itself, and an alarm that takes service down by itself."""
    c = ctx.complaint
    if c.symptom not in RESTORED_SYMPTOMS or c.gave_times() or any(at_time(ctx, a) for a in alarms):
        return None
    start = ctx.window[0]
    earliest = start - timedelta(hours=s.restored_lookback_hours)
    ended = [
        a
        for a in alarms
        if a.cleared_at is not None
        and earliest <= a.cleared_at <= start
        and a.alarm_type not in s.alarm_types_down_only_with_kpi
    ]
    return max(ended, key=lambda a: (a.cleared_at, -SEVERITY.get(a.severity, 0.4)), default=None)


def _may_leave_service_up(ctx: Context, a: AlarmRow, s: DiagnosticsSettings) -> bool:
    """An alarm that doesn't by itself mean the service is down: of a type that may leave it up
    (``alarm_types_down_only_with_kpi``), or open since long before the time looked at
    (``stale_alarm_hours``): with the cells measured available, the NMS never cleared it."""
    if a.alarm_type in s.alarm_types_down_only_with_kpi:
        return True
    old = ctx.window[0] - a.raised_at >= timedelta(hours=s.stale_alarm_hours)
    return a.cleared_at is None and old


def _stayed_up(ctx: Context, s: DiagnosticsSettings) -> bool:
    """Every serving cell measured at the time kept its availability (the best one measured)."""
    cells = ctx.serving.cells
    best = ctx.kpis.get(cells[0]) if cells else None
    a0, a1 = ctx.kpi_window or ctx.window
    # every hour of the window reported: a cell that lost power often reports nothing at all
    hours = math.ceil((a1 - a0.replace(minute=0, second=0, microsecond=0)).total_seconds() / 3600)
    if best is None or best.hours_at < hours or best.availability_min is None:
        return False
    return all(
        k.availability_min is not None and k.availability_min >= s.availability_pct
        for k in ctx.kpis.values()
        if k.hours_at > 0
    )


def _availability(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    thr = s.availability_pct

    def down(stats: KpiStats, value: float) -> tuple[float, str]:
        """Support before the cell's serving weight, and the detail."""
        support = (
            w.strong
            * strength(value, thr, thr - 20.0)
            * time_share(stats.unavailable_hours, stats.hours_at, s)
        )
        return support, (
            f"cell availability down to {value:.1f}% (< {thr}% in {stats.unavailable_hours} "
            f"of {stats.hours} hour(s))"
        )

    def abnormal(stats: KpiStats, value: float) -> tuple[float, str]:
        support, detail = down(stats, value)
        return support * site_factor(ctx, stats.cell_id), detail

    def normal(stats: KpiStats, value: float) -> tuple[float, str]:
        silent = _silent_hours(ctx, stats)
        if silent:  # a site without power reports nothing: those hours are not "available"
            return 0.0, (
                f"serving cells available at least {value:.1f}% of every hour with counters; "
                f"{silent} hour(s) at the time had none ({stats.cell_id})"
            )
        return -w.context, f"serving cells available at least {value:.1f}% of every hour"

    found = kpi_check(
        ctx,
        "availability",
        CAUSE,
        lambda k: k.availability_min,
        threshold=thr,
        higher_is_worse=False,
        unit="%",
        what="availability KPI",
        abnormal=abnormal,
        normal=normal,
    )
    best = ctx.best_server_kpis
    if found.finding == "abnormal" or best is None or best.availability_min is None:
        return found
    if best.availability_min >= thr or not best.unavailable_hours:
        return found
    value = best.availability_min
    support, detail = down(best, value)  # the place's best server: its full weight
    return ev(
        "availability",
        CAUSE,
        "abnormal",
        support,
        cell=best.cell_id,
        value=value,
        threshold=thr,
        unit="%",
        window=ctx.window,
        detail=f"{detail} on {best.cell_id}, the place's best server by its geometry (the MR, "
        "taken while it was down, show other cells standing in)",
    )


def _silent_hours(ctx: Context, stats: KpiStats) -> int:
    """Hours at the time of the problem in which the cell reported no availability counter (no
    row, or a row with the counters blank): a site down without power reports nothing."""
    if stats.availability_hours is None or ctx.kpi_window is None:
        return 0
    start, end = ctx.kpi_window
    first = start.replace(minute=0, second=0, microsecond=0)
    expected = max(1, math.ceil((end - first) / timedelta(hours=1)))
    return max(0, expected - stats.availability_hours)


def _neighbours(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    if not ctx.serving.neighbours:
        return unknown(
            "neighbour_outage",
            CAUSE,
            "no neighbouring cells known around the place",
            window=ctx.window,
        )
    alarms = [a for a in outage_alarms(ctx, s, "neighbour") if at_time(ctx, a)]
    if not alarms and not ctx.alarm_feed:
        return unknown("neighbour_outage", CAUSE, NO_ALARM_FEED, threshold=1.0, window=ctx.window)
    if alarms:
        return ev(
            "neighbour_outage",
            CAUSE,
            "abnormal",
            w.weak * SEVERITY.get(alarms[0].severity, 0.4),
            cell=alarms[0].object_id,
            value=float(len(alarms)),
            threshold=1.0,
            unit="alarms",
            window=ctx.window,
            detail="neighbouring " + alarm_text(alarms[0]),
        )
    return ev(
        "neighbour_outage",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=1.0,
        unit="alarms",
        window=ctx.window,
        detail=f"no outage alarm on the {len(ctx.serving.neighbours)} neighbouring cell(s)",
    )


def _nearby(ctx: Context, s: DiagnosticsSettings, w: Weights, fault: bool) -> Evidence:
    thr = float(s.nearby_min_complaints)
    if ctx.serving.location is None:
        return unknown(
            "nearby_complaints",
            CAUSE,
            "no place known to look for other complaints",
            threshold=thr,
            unit="complaints",
        )
    others = ctx.nearby
    detail = (
        f"{len(others)} other subscriber(s) complained within {s.nearby_radius_m:.0f} m and "
        f"±{s.nearby_window_hours:.0f} h"
    )
    if len(others) >= thr:
        like = sum(1 for o in others if o.symptom in OUTAGE_SYMPTOMS) / len(others)
        # a crowd of complaints confirms a fault on record; alone it is only a hint
        support = (w.weak if fault else w.context) * min(1.0, len(others) / 3.0) * like
        return ev(
            "nearby_complaints",
            CAUSE,
            "abnormal",
            support,
            value=float(len(others)),
            threshold=thr,
            unit="complaints",
            window=ctx.window,
            detail=detail + ": a group fault is likely (群障)",
        )
    return ev(
        "nearby_complaints",
        CAUSE,
        "normal",
        0.0,
        value=float(len(others)),
        threshold=thr,
        unit="complaints",
        window=ctx.window,
        detail=detail,
    )
