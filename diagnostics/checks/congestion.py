"""Congestion (网络繁忙): busy-hour PRB load, users, throughput, setup failures and drops at the
time of the problem, and events.

Thresholds (settings): the busiest hour's DL PRB utilisation at the time of the problem above
``prb_busy_pct`` (70 %, the lower end of the handbook's ~70–80 % and the operators' high-load
cell criterion) = congested; set higher, a load from ``prb_elevated_pct`` (70 %) up to it is
"elevated", no evidence against load. RRC users above ``traffic_surge_ratio`` (1.5) × the same
hours a day earlier = a traffic surge (events, holidays 节假日); user throughput below
``low_throughput_mbps`` (5) or below ``throughput_drop_ratio`` (0.5) × a day earlier = degraded;
RRC/E-RAB setup success below ``setup_sr_pct`` (98 %) and drop rate above ``drop_rate_pct`` (2 %)
averaged over the problem's hours. Setup failures, drops and venues are not specific to load: they
only corroborate a loaded cell. While another serving cell is down at the time its users move onto
the cells still up, so load found there counts ``displaced_load_factor`` (0.5) as much: the outage
is the root cause and the load its consequence.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from diagnostics.checks.alarms import at_time, outage_alarms
from diagnostics.checks.common import (
    Weights,
    ev,
    kpi_check,
    no_kpi_detail,
    problem_hours,
    site_factor,
    strength,
    time_share,
    unknown,
    worst,
)
from diagnostics.evidence import Context, KpiStats
from diagnostics.models import Evidence
from diagnostics.places import AreaHit, event_times
from diagnostics.settings import DiagnosticsSettings

CAUSE = "congestion"


def _ratio(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before <= 0:
        return None
    return now / before


def _surge_ratio(k: KpiStats) -> float | None:
    return _ratio(k.users_at, k.users_before)


def _thr_ratio(k: KpiStats) -> float | None:
    return _ratio(k.thr_at, k.thr_before)


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    prb = _prb(ctx, s, w)
    surge = _surge(ctx, s, w)
    thr = _throughput(ctx, s, w)
    if surge.finding == "abnormal" and thr.finding == "abnormal":
        # more users than a day earlier and each getting less: load-induced degradation
        surge = replace(
            surge, support=surge.support * w.medium / w.weak if w.weak else surge.support
        )
    loaded = prb.finding == "abnormal" or (
        surge.finding == "abnormal" and thr.finding == "abnormal"
    )
    factor = 1.0 if loaded else 0.5
    down = down_at_time(ctx, s)
    if down:
        # a serving cell down at the time pushes its users onto the others: their load is the
        # outage's consequence (the root cause is the outage), so it counts for less here
        prb, surge, thr = (_displaced(ctx, e, down, s) for e in (prb, surge, thr))
    out = [prb, surge, thr, _setup(ctx, s, w, factor), _drops(ctx, s, w, factor)]
    venues = [a for a in ctx.areas if a.kind == "event_venue"]
    if venues:
        out.append(_venue(ctx, venues[0], s, w, factor))
    return out


def down_at_time(ctx: Context, s: DiagnosticsSettings) -> list[str]:
    """Serving cells (or sites) out of service at the time: availability breached, or an outage
    alarm active then."""
    down = [
        k.cell_id
        for k in ctx.kpis.values()
        if k.availability_min is not None
        and k.availability_min < s.availability_pct
        and site_factor(ctx, k.cell_id) >= 0.5
    ]
    down += [a.object_id for a in outage_alarms(ctx, s, "serving") if at_time(ctx, a)]
    return list(dict.fromkeys(down))


def _displaced(ctx: Context, e: Evidence, down: list[str], s: DiagnosticsSettings) -> Evidence:
    """A load finding on a cell that stayed up while another serving cell was down."""
    if e.finding != "abnormal" or e.cell_id in down or ctx.site_of.get(e.cell_id or "") in down:
        return e
    return replace(
        e,
        support=e.support * s.displaced_load_factor,
        detail=f"{e.detail}; while {', '.join(down[:2])} is down and its users load this cell",
    )


def _venue(ctx: Context, a: AreaHit, s: DiagnosticsSettings, w: Weights, factor: float) -> Evidence:
    """At an event venue: during the event (its time read from the area's note) crowds load the
    cells (events and holidays, 节假日); outside it the venue says nothing."""
    name = f" {a.name!r}" if a.name else ""
    when = event_times(a.note, ctx.complaint.reported_at.tzinfo)
    if when is None:
        return ev(
            "event_venue",
            CAUSE,
            "abnormal",
            w.weak * factor,
            value=a.distance_m,
            threshold=s.area_margin_m,
            unit="m",
            detail=f"at or near the event venue{name}: crowds load the cells during events and "
            "holidays",
        )
    start, end = when
    margin = timedelta(hours=1)
    if ctx.window[0] <= end + margin and ctx.window[1] >= start - margin:
        return ev(
            "event_venue",
            CAUSE,
            "abnormal",
            w.medium,
            value=a.distance_m,
            threshold=s.area_margin_m,
            unit="m",
            window=(start, end),
            detail=f"during the event at{name} ({start:%Y-%m-%d %H:%M}–{end:%H:%M}): the crowd "
            "loads the cells",
        )
    return ev(
        "event_venue",
        CAUSE,
        "normal",
        0.0,
        value=a.distance_m,
        threshold=s.area_margin_m,
        unit="m",
        window=(start, end),
        detail=f"at the venue{name}, but not during its event ({start:%Y-%m-%d %H:%M})",
    )


def _prb(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    thr = s.prb_busy_pct
    found = worst(ctx, lambda k: k.prb_busy, higher_is_worse=True, threshold=thr)
    if found is None:
        return unknown(
            "prb_busy_hour",
            CAUSE,
            no_kpi_detail(ctx, "PRB utilisation"),
            threshold=thr,
            unit="%",
            window=ctx.window,
        )
    stats, value = found
    when = f" at {stats.busy_hour:%Y-%m-%d %H:00} UTC" if stats.busy_hour else ""
    if value > thr:
        persistent = min(1.0, stats.prb_busy_hours / 3.0)
        weight = w.medium + (w.strong - w.medium) * persistent
        weight *= time_share(stats.prb_busy_hours, problem_hours(ctx, stats.hours_at), s)
        return ev(
            "prb_busy_hour",
            CAUSE,
            "abnormal",
            weight * strength(value, thr, min(100.0, thr + 15.0)) * site_factor(ctx, stats.cell_id),
            cell=stats.cell_id,
            value=value,
            threshold=thr,
            unit="%",
            window=ctx.window,
            detail=f"busy-hour DL PRB utilisation {value:.0f}%{when}, above {thr:.0f}% in "
            f"{stats.prb_busy_hours} of the problem's {stats.hours_at} hour(s)",
        )
    other = ""
    if stats.prb_before is not None:
        other = f" (a day earlier: up to {stats.prb_before:.0f}%)"
    # within the handbook's band of congested loads (~70–80 %) but below the threshold: not
    # congested enough to say so, yet no evidence against load either
    elevated = value >= s.prb_elevated_pct
    if elevated:
        other += f", elevated (≥ {s.prb_elevated_pct:.0f}%)"
    return ev(
        "prb_busy_hour",
        CAUSE,
        "normal",
        0.0 if elevated else -w.context,
        cell=stats.cell_id,
        value=value,
        threshold=thr,
        unit="%",
        window=ctx.window,
        detail=f"DL PRB utilisation at most {value:.0f}%{when} at the time of the problem{other}",
    )


def _surge(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    thr = s.traffic_surge_ratio
    found = worst(ctx, _surge_ratio, higher_is_worse=True, threshold=thr)
    if found is None:
        return unknown(
            "traffic_surge",
            CAUSE,
            no_kpi_detail(ctx, "RRC users now and a day earlier"),
            threshold=thr,
            unit="ratio",
            window=ctx.window,
        )
    stats, ratio = found
    detail = (
        f"{stats.users_at or 0:.0f} RRC users on average at the time, {ratio:.1f}× the same "
        "hours "
        f"a day earlier ({stats.users_before or 0:.0f})"
    )
    if ratio > thr:
        return ev(
            "traffic_surge",
            CAUSE,
            "abnormal",
            w.weak * strength(ratio, thr, 2 * thr) * site_factor(ctx, stats.cell_id),
            cell=stats.cell_id,
            value=ratio,
            threshold=thr,
            unit="ratio",
            window=ctx.window,
            detail=detail,
        )
    return ev(
        "traffic_surge",
        CAUSE,
        "normal",
        0.0,
        cell=stats.cell_id,
        value=ratio,
        threshold=thr,
        unit="ratio",
        window=ctx.window,
        detail=detail,
    )


def _throughput(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    low, drop = s.low_throughput_mbps, s.throughput_drop_ratio
    found = worst(ctx, lambda k: k.thr_min, higher_is_worse=False, threshold=low)
    if found is None:
        return unknown(
            "user_throughput",
            CAUSE,
            no_kpi_detail(ctx, "user throughput"),
            threshold=low,
            unit="Mbps",
            window=ctx.window,
        )
    stats, value = found
    fell = worst(ctx, _thr_ratio, higher_is_worse=False, threshold=drop)
    ratio = fell[1] if fell is not None else None
    before = f", {ratio:.0%} of a day earlier" if ratio is not None else ""
    if value < low:
        return ev(
            "user_throughput",
            CAUSE,
            "abnormal",
            w.weak * strength(value, low, low / 4.0) * site_factor(ctx, stats.cell_id),
            cell=stats.cell_id,
            value=value,
            threshold=low,
            unit="Mbps",
            window=ctx.window,
            detail=f"user throughput down to {value:.1f} Mbps (< {low:.0f} Mbps){before}",
        )
    if fell is not None and ratio is not None and ratio < drop:
        cell = fell[0]
        return ev(
            "user_throughput",
            CAUSE,
            "abnormal",
            w.weak * strength(ratio, drop, drop / 3.0) * site_factor(ctx, cell.cell_id),
            cell=cell.cell_id,
            value=cell.thr_at,
            threshold=low,
            unit="Mbps",
            window=ctx.window,
            detail=f"user throughput {cell.thr_at or 0:.1f} Mbps, only {ratio:.0%} of the same "
            "hours a day "
            f"earlier ({cell.thr_before or 0:.1f} Mbps)",
        )
    return ev(
        "user_throughput",
        CAUSE,
        "normal",
        0.0,
        cell=stats.cell_id,
        value=value,
        threshold=low,
        unit="Mbps",
        window=ctx.window,
        detail=f"user throughput at least {value:.1f} Mbps{before}",
    )


def _setup(ctx: Context, s: DiagnosticsSettings, w: Weights, factor: float) -> Evidence:
    thr = s.setup_sr_pct

    def abnormal(stats: KpiStats, value: float) -> tuple[float, str]:
        support = (
            w.weak * factor * strength(value, thr, thr - 8.0) * site_factor(ctx, stats.cell_id)
        )
        return support, (
            f"RRC/E-RAB setup success {value:.1f}% on average at the time (< {thr:.0f}% in "
            f"{stats.setup_bad_hours} hour(s))"
        )

    def normal(stats: KpiStats, value: float) -> tuple[float, str]:
        return 0.0, f"RRC/E-RAB setup success {value:.1f}% on average at the time"

    return kpi_check(
        ctx,
        "setup_success",
        CAUSE,
        lambda k: k.setup_avg,
        threshold=thr,
        higher_is_worse=False,
        unit="%",
        what="RRC/E-RAB setup success",
        abnormal=abnormal,
        normal=normal,
    )


def _drops(ctx: Context, s: DiagnosticsSettings, w: Weights, factor: float) -> Evidence:
    thr = s.drop_rate_pct

    def abnormal(stats: KpiStats, value: float) -> tuple[float, str]:
        return w.context * factor * strength(value, thr, 3 * thr), (
            f"call drop rate {value:.1f}% on average at the time (> {thr:.0f}% in "
            f"{stats.drop_bad_hours} hour(s))"
        )

    def normal(stats: KpiStats, value: float) -> tuple[float, str]:
        return 0.0, f"call drop rate {value:.1f}% on average at the time"

    return kpi_check(
        ctx,
        "call_drop_rate",
        CAUSE,
        lambda k: k.drop_avg,
        threshold=thr,
        higher_is_worse=True,
        unit="%",
        what="call drop rate",
        abnormal=abnormal,
        normal=normal,
    )
