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
from datetime import datetime, timedelta

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
SEVERITY = {"critical": 1.0, "major": 1.0, "minor": 0.6, "warning": 0.4}
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


def alarm_text(a: AlarmRow) -> str:
    state = "still active" if a.cleared_at is None else f"cleared {a.cleared_at:%Y-%m-%d %H:%M} UTC"
    text = f": {a.text}" if a.text else ""
    return (
        f"{a.alarm_type} alarm {a.alarm_id} on {a.object_id} ({a.severity}) raised "
        f"{a.raised_at:%Y-%m-%d %H:%M} UTC, {state}{text}"
    )


def at_time(ctx: Context, a: AlarmRow) -> bool:
    """Was the alarm active during the time of the problem, or, when the customer gave no times,
    when they called? (Told the next morning that it fails "every evening", during an outage:
    the outage counts; told "last night 20:00-22:00", the outage of this morning doesn't.)"""
    start, end = ctx.window
    c = ctx.complaint
    if a.raised_at < end and (a.cleared_at is None or a.cleared_at > start):
        return True
    if c.gave_times():
        return False
    return a.raised_at <= c.reported_at and (a.cleared_at is None or a.cleared_at > c.reported_at)


def alarm_share(ctx: Context, a: AlarmRow, s: DiagnosticsSettings) -> float:
    """``time_share`` of an alarm: a problem of a few hours is explained by an outage in any of
    them, a problem described over days only in part by an outage of a few hours that is over.
    One still going on at the end of the window explains it whole: whatever start the customer
    gives ("drops since yesterday"), the outage is what they live when they call."""
    start, end = ctx.window
    if a.cleared_at is None or a.cleared_at >= end:
        return 1.0
    hours = (end - start).total_seconds() / 3600
    overlap = (a.cleared_at - max(start, a.raised_at)).total_seconds() / 3600
    return time_share(max(1, math.ceil(overlap)), max(1, math.ceil(hours)), s)


def serves_here(ctx: Context, s: DiagnosticsSettings, obj: str) -> bool:
    """Does a cell or site filed as a neighbour in fact serve the place? It does when it carries at
    least ``mr_serving_min_share`` of the place's MR (a site: its cells together). A site spreads
    its samples over its sectors and layers, so each cell may stay under the share while the site
    as a whole serves the place, and a site_down takes all of them down at once. The cell the
    geometry says serves best does too, when the MR chose others: MR taken while its site was
    down show the cells that stood in for it."""
    best = ctx.geometry.cells[:1] if ctx.geometry is not None else []
    if any(obj in (c, ctx.site_of.get(c)) for c in best):
        return True
    total = sum(ctx.mr_cells.values())
    if total <= 0:
        return False
    here = sum(n for c, n in ctx.mr_cells.items() if obj in (c, ctx.site_of.get(c)))
    return here / total >= s.mr_serving_min_share


def role_of(ctx: Context, s: DiagnosticsSettings, a: AlarmRow) -> str:
    """The alarm's role for the place: "serving" also for a neighbour that serves here."""
    if a.role == "neighbour" and serves_here(ctx, s, a.object_id):
        return "serving"
    return a.role


def takes_service_down(a: AlarmRow, s: DiagnosticsSettings) -> bool:
    """An outage alarm of a type that takes service down, at a severity that does."""
    if a.alarm_type not in s.outage_alarm_types:
        return False
    return a.alarm_type not in s.degraded_alarm_types or a.severity in ("critical", "major")


def _flap(a: AlarmRow, s: DiagnosticsSettings) -> bool:
    return a.cleared_at is not None and a.cleared_at - a.raised_at < timedelta(
        minutes=s.outage_alarm_min_minutes
    )


def outage_alarms(ctx: Context, s: DiagnosticsSettings, role: str) -> list[AlarmRow]:
    """The role's outage alarms, those active at the time of the problem first, then by severity;
    flaps (cleared within ``outage_alarm_min_minutes``) left out."""
    alarms = [
        a
        for a in ctx.alarms
        if (takes_service_down(a, s) or _degraded_but_down(ctx, a, s))
        and not _flap(a, s)
        and role_of(ctx, s, a) == role
    ]
    return sorted(
        alarms, key=lambda a: (not at_time(ctx, a), -SEVERITY.get(a.severity, 0.4), a.raised_at)
    )


# alarms that are the service going down itself, not a cause that may take it down later
SERVICE_DOWN = ("cell_unavailable", "site_down")


def cause_alarm(ctx: Context, s: DiagnosticsSettings) -> AlarmRow | None:
    """The serving outage alarm the evidence names and the reply speaks of: the first by
    ``outage_alarms`` (at the time, most severe, earliest), except that when the cells' own down
    alarm shows when service stopped, the cause raised last before it is what took it down: a
    mains failure the batteries rode through, then the fibre burnt and the cells went down with
    it, is a transmission fault (gen 28's bushfire was 'lost power', field maintenance sent)."""
    alarms = outage_alarms(ctx, s, "serving")
    if not alarms:
        return None
    now = [a for a in alarms if at_time(ctx, a)]
    down = min((a.raised_at for a in now if a.alarm_type in SERVICE_DOWN), default=None)
    if down is None:
        return alarms[0]
    lag = timedelta(minutes=s.outage_cause_lag_minutes)
    causes = [a for a in now if a.alarm_type not in SERVICE_DOWN and a.raised_at <= down + lag]
    return max(causes, key=lambda a: a.raised_at, default=alarms[0])


def down_around(ctx: Context, s: DiagnosticsSettings) -> list[str]:
    """The neighbouring cells (of the context's) that an outage alarm active at the time of the
    problem takes down: the alarmed cell's whole site, or the alarmed site's cells."""
    down_sites = set()
    for a in outage_alarms(ctx, s, "neighbour"):
        if at_time(ctx, a):
            down_sites.add(ctx.site_of.get(a.object_id, a.object_id))
    return [cell for cell, site in ctx.site_of.items() if site in down_sites]


def outage_began(ctx: Context, s: DiagnosticsSettings) -> datetime | None:
    """When the serving cells' outage began by its alarms, if before the report: a report the
    next morning, without times, of last night's outage is of that outage's event."""
    raised = [a.raised_at for a in outage_alarms(ctx, s, "serving") if at_time(ctx, a)]
    began = min(raised, default=None)
    return began if began is not None and began < ctx.complaint.reported_at else None


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
        * (1.0 if _measured_down(ctx, a, s) else SEVERITY.get(a.severity, 0.4))
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


def _degraded_but_down(ctx: Context, a: AlarmRow, s: DiagnosticsSettings) -> bool:
    """A minor alarm of a degrading type (``degraded_alarm_types``) on an object the availability
    KPI shows down: the severity was the NMS's guess, the KPI is the outage."""
    return a.alarm_type in s.outage_alarm_types and _measured_down(ctx, a, s)


def _measured_down(ctx: Context, a: AlarmRow, s: DiagnosticsSettings) -> bool:
    """A cell of the alarm's object lost its availability at the time: the alarm's severity (a
    planned works' site_down raised as a warning) then says nothing of the outage's."""
    return any(
        (cell == a.object_id or ctx.site_of.get(cell) == a.object_id)
        and k.availability_min is not None
        and k.availability_min < s.availability_pct
        for cell, k in ctx.kpis.items()
        if k.hours_at > 0
    )


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
