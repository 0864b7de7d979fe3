"""Interference (干扰): uplink noise per PRB on the serving cells, downlink SINR/CQI poor while RSRP
is good, known interference sources, interference alarms, the high-floor effect.

Thresholds (settings): LTE uplink noise+interference per PRB normally −117…−119 dBm; above
``ul_interference_dbm`` (−105) in an hour = interfered cell. MR SINR below ``poor_sinr_db`` (−3 dB)
in more than ``poor_sinr_share`` (20 %) of the samples while RSRP is good (≥ ``good_rsrp_dbm``,
−100) = downlink interference; CQI averaging below ``poor_cqi`` (7) at the time = poor channel
quality: a measurement of downlink interference where the MR here show good RSRP, supporting
context where they can't tell, little under weak RSRP (that is coverage). All KPIs are taken
at the time of the problem (the hours of ``Context.window``).
"""

from __future__ import annotations

from dataclasses import replace

from diagnostics.checks.alarms import at_time
from diagnostics.checks.common import (
    NO_ALARM_FEED,
    Weights,
    ev,
    floor_of,
    fmt,
    kpi_check,
    no_kpi_detail,
    object_factor,
    problem_hours,
    share_bounds,
    site_factor,
    strength,
    strong_but_polluted,
    time_share,
    unknown,
    worst,
)
from diagnostics.evidence import Context, KpiStats
from diagnostics.models import Evidence
from diagnostics.settings import DiagnosticsSettings

CAUSE = "interference"


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    uplink, downlink, cqi = _uplink(ctx, s, w), _downlink(ctx, s, w), _cqi(ctx, s, w)
    if uplink.finding == "normal" and "abnormal" in (downlink.finding, cqi.finding):
        # the uplink noise KPI can't see interference on the downlink (pilot pollution, an
        # overshooting cell, an external source near the handset): a clean uplink is then no
        # evidence against interference
        uplink = replace(
            uplink,
            support=0.0,
            detail=f"{uplink.detail}; the interference found is on the downlink, which this KPI "
            "does not measure",
        )
    sources = _sources(ctx, s, w)
    clean = uplink.finding == "normal" and "normal" in (downlink.finding, cqi.finding)
    if clean and "abnormal" not in (downlink.finding, cqi.finding):
        # a recorded source that the measurements at the time don't show (clean uplink, clean
        # downlink quality) is not active now: seized, switched off, or only on at other hours
        sources = [_inactive(e, w) if e.check == "interference_source_area" else e for e in sources]
    return [uplink, downlink, cqi, *sources]


def _inactive(source: Evidence, w: Weights) -> Evidence:
    if source.finding != "abnormal":
        return source
    return replace(
        source,
        support=min(source.support, w.context),
        detail=f"{source.detail}; but the serving cells' uplink noise and the downlink quality "
        "here are clean at the time: the source is not active now",
    )


def _uplink(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    thr = s.ul_interference_dbm

    def abnormal(stats: KpiStats, value: float) -> tuple[float, str]:
        persistent = min(1.0, stats.ul_bad_hours / 3.0)
        weight = w.medium + (w.strong - w.medium) * persistent
        weight *= time_share(stats.ul_bad_hours, problem_hours(ctx, stats.hours_at), s)
        when = (
            f" (worst at {stats.ul_worst_hour:%Y-%m-%d %H:00} UTC)" if stats.ul_worst_hour else ""
        )
        support = weight * strength(value, thr, thr + 10.0) * site_factor(ctx, stats.cell_id)
        return support, (
            f"uplink noise+interference per PRB up to {value:.1f} dBm{when}, above {thr:.0f} dBm "
            f"in {stats.ul_bad_hours} of the problem's {stats.hours_at} hour(s); normal is about "
            "−117…−119 dBm"
        )

    def normal(stats: KpiStats, value: float) -> tuple[float, str]:
        return -w.context, (
            f"uplink noise+interference per PRB at most {value:.1f} dBm on the serving cells"
        )

    return kpi_check(
        ctx,
        "ul_interference",
        CAUSE,
        lambda k: k.ul_max,
        threshold=thr,
        higher_is_worse=True,
        unit="dBm",
        what="uplink interference KPI",
        abnormal=abnormal,
        normal=normal,
    )


def _downlink(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    cov = ctx.coverage
    thr = s.poor_sinr_share
    few = cov is not None and cov.samples < s.mr_min_samples
    too_few = unknown(
        "dl_sinr_good_rsrp",
        CAUSE,
        "not enough MR around the place for SINR",
        threshold=thr,
        unit="share",
    )
    if cov is None or (few and (cov.samples < s.mr_few_samples or cov.source == "cell")):
        return too_few
    share = cov.good_rsrp_poor_sinr_share
    good_rsrp = cov.rsrp_p50 is not None and cov.rsrp_p50 >= s.good_rsrp_dbm
    if share is None:  # daily grid: the grid's poor-SINR share when its RSRP is good
        share = cov.poor_sinr_share if good_rsrp else None
    # a sparse feed's few MR (as for the weak share) tell only a poor SINR beyond sampling noise
    z = s.mr_share_confidence_z
    if few and (share is None or share_bounds(share, cov.samples, z)[0] <= thr):
        return too_few
    if share is None:
        why = (
            "RSRP is not good here, so poor SINR is not a sign of interference"
            if cov.poor_sinr_share is not None
            else "the MR carry no SINR"
        )
        return ev(
            "dl_sinr_good_rsrp",
            CAUSE,
            "normal" if cov.poor_sinr_share is not None else "unknown",
            0.0,
            value=cov.poor_sinr_share,
            threshold=thr,
            unit="share",
            window=cov.window,
            detail=why,
        )
    detail = (
        f"{share:.0%} of samples with good RSRP (median {fmt(cov.rsrp_p50)} dBm) have SINR below "
        f"{s.poor_sinr_db:.0f} dB (mean SINR {fmt(cov.sinr_mean)} dB)"
    )
    if share > thr:
        return ev(
            "dl_sinr_good_rsrp",
            CAUSE,
            "abnormal",
            w.medium * strength(share, thr, 0.7),
            value=share,
            threshold=thr,
            unit="share",
            window=cov.window,
            detail=detail + ": downlink interference",
        )
    return ev(
        "dl_sinr_good_rsrp",
        CAUSE,
        "normal",
        0.0,
        value=share,
        threshold=thr,
        unit="share",
        window=cov.window,
        detail=detail,
    )


def _cqi(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    thr = s.poor_cqi
    found = worst(ctx, lambda k: k.cqi_avg, higher_is_worse=False, threshold=thr)
    if found is None:
        return unknown(
            "cqi", CAUSE, no_kpi_detail(ctx, "CQI"), threshold=thr, unit="cqi", window=ctx.window
        )
    stats, value = found
    if value < thr:
        cov = ctx.coverage
        rsrp = cov.rsrp_p50 if cov is not None else None
        weak_here = rsrp is not None and rsrp < s.weak_rsrp_dbm
        # poor CQI under weak RSRP is coverage, not interference; under RSRP measured good it is
        # the downlink-interference signature itself (a quality problem, not a level problem)
        good_here = rsrp is not None and rsrp >= s.good_rsrp_dbm
        weight = w.weak * 0.3 if weak_here else w.medium if good_here else w.weak
        return ev(
            "cqi",
            CAUSE,
            "abnormal",
            weight * strength(value, thr, thr - 4.0) * site_factor(ctx, stats.cell_id),
            cell=stats.cell_id,
            value=value,
            threshold=thr,
            unit="cqi",
            window=ctx.window,
            detail=f"average CQI {value:.1f} at the time (< {thr:.0f} in {stats.cqi_bad_hours} "
            "hour(s))"
            + ("; RSRP is weak here too" if weak_here else "")
            + (f" while RSRP here is good (median {fmt(rsrp)} dBm)" if good_here else ""),
        )
    return ev(
        "cqi",
        CAUSE,
        "normal",
        0.0,
        cell=stats.cell_id,
        value=value,
        threshold=thr,
        unit="cqi",
        window=ctx.window,
        detail=f"hourly average CQI at least {value:.1f}",
    )


def _sources(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    out: list[Evidence] = []
    c = ctx.complaint
    sources = [a for a in ctx.areas if a.kind == "interference_source"]
    if sources:
        src = sources[0]
        inside = src.distance_m == 0
        out.append(
            ev(
                "interference_source_area",
                CAUSE,
                "abnormal",
                w.medium if inside else w.weak,
                value=src.distance_m,
                threshold=s.area_margin_m,
                unit="m",
                detail=f"{'inside' if inside else f'{src.distance_m:.0f} m from'} a recorded "
                "interference source"
                f"{' ' + repr(src.name) if src.name else ''}{': ' + src.note if src.note else ''}",
            )
        )
    elif c.has_location():
        out.append(
            ev(
                "interference_source_area",
                CAUSE,
                "normal",
                0.0,
                threshold=s.area_margin_m,
                unit="m",
                detail="no recorded interference source here",
            )
        )
    alarms = [
        a
        for a in ctx.alarms
        if a.role == "serving" and a.alarm_type == "interference" and at_time(ctx, a)
    ]
    if alarms:
        a = alarms[0]
        out.append(
            ev(
                "interference_alarm",
                CAUSE,
                "abnormal",
                w.strong * object_factor(ctx, a.object_id),
                cell=a.object_id,
                value=float(len(alarms)),
                threshold=1.0,
                unit="alarms",
                window=ctx.window,
                detail=f"interference alarm {a.alarm_id} on {a.object_id} ({a.severity}) raised "
                f"{a.raised_at:%Y-%m-%d %H:%M} "
                f"UTC{', still active' if a.cleared_at is None else ''}",
            )
        )
    elif ctx.serving.cells and not ctx.alarm_feed:
        out.append(
            unknown("interference_alarm", CAUSE, NO_ALARM_FEED, threshold=1.0, window=ctx.window)
        )
    elif ctx.serving.cells:
        out.append(
            ev(
                "interference_alarm",
                CAUSE,
                "normal",
                0.0,
                value=0.0,
                threshold=1.0,
                unit="alarms",
                window=ctx.window,
                detail="no interference alarm on the serving cells in the window",
            )
        )
    floor = floor_of(c)
    if (
        floor is not None
        and floor >= s.high_floor
        and (c.symptom not in ("no_signal", "weak_signal") or strong_but_polluted(ctx.coverage, s))
    ):
        out.append(
            ev(
                "high_floor",
                CAUSE,
                "abnormal",
                w.context,
                value=float(floor),
                threshold=float(s.high_floor),
                unit="floor",
                detail=f"floor {floor}: high floors see many distant cells (pilot pollution)",
            )
        )
    return out
