"""The alarms of a complaint's cells and sites: which take service down at the time of the
problem, which of several took it down, which neighbours are down with them. Read by the outage
checks (``checks.outage``), by the others that must know the cells were down (terminal,
congestion, interference), by the reply and by the mass events.

An alarm cleared within ``outage_alarm_min_minutes`` of being raised is a flap (闪断), not an
outage. A neighbouring cell or site that carries at least ``mr_serving_min_share`` of the place's
MR is read as serving (``serves_here``).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from diagnostics.checks.common import time_share
from diagnostics.evidence import AlarmRow, Context
from diagnostics.settings import DiagnosticsSettings

SEVERITY = {"critical": 1.0, "major": 1.0, "minor": 0.6, "warning": 0.4}


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
        if (takes_service_down(a, s) or degraded_but_down(ctx, a, s))
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


def degraded_but_down(ctx: Context, a: AlarmRow, s: DiagnosticsSettings) -> bool:
    """A minor alarm of a degrading type (``degraded_alarm_types``) on an object the availability
    KPI shows down: the severity was the NMS's guess, the KPI is the outage."""
    return a.alarm_type in s.outage_alarm_types and measured_down(ctx, a, s)


def measured_down(ctx: Context, a: AlarmRow, s: DiagnosticsSettings) -> bool:
    """A cell of the alarm's object lost its availability at the time: the alarm's severity (a
    planned works' site_down raised as a warning) then says nothing of the outage's."""
    return any(
        (cell == a.object_id or ctx.site_of.get(cell) == a.object_id)
        and k.availability_min is not None
        and k.availability_min < s.availability_pct
        for cell, k in ctx.kpis.items()
        if k.hours_at > 0
    )
