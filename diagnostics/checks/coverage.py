"""Weak coverage (弱覆盖): MR around the place, distance and sector geometry, known weak areas and
planned sites, indoor penetration.

Thresholds (settings): a sample is covered at RSRP ≥ ``weak_rsrp_dbm`` (−110); a grid is weak
when more than ``weak_grid_max_weak_share`` (10 %) of its samples are not covered (< 90 %
covered, the CMCC MR criterion); median RSRP below ``no_coverage_rsrp_dbm`` (−115) = no usable
coverage; beyond ``edge_distance_isd_ratio`` × local inter-site distance = cell edge.
"""

from __future__ import annotations

from datetime import datetime

from diagnostics.checks.common import Weights, ev, fmt, strength, unknown
from diagnostics.evidence import Context
from diagnostics.models import ComplaintRecord, Evidence
from diagnostics.settings import DiagnosticsSettings
from diagnostics.symptoms import place_hints

CAUSE = "weak_coverage"
WEAK_AREAS = ("blind_spot", "weak_coverage")


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    out = _mr(ctx, s, w)
    out += _geometry(ctx, s, w)
    out += _areas(ctx, s, w)
    floor = ctx.complaint.floor
    if (
        floor is not None
        and floor >= s.high_floor
        and ctx.complaint.symptom in ("no_signal", "weak_signal")
    ):
        # high-floor effect (高层效应): sectors tilted down to the street leave upper floors weak
        weight = w.medium if floor >= 2 * s.high_floor else w.weak
        out.append(
            ev(
                "high_floor",
                CAUSE,
                "abnormal",
                weight,
                value=float(floor),
                threshold=float(s.high_floor),
                unit="floor",
                detail=f"floor {floor}: the sectors are tilted down to the street; "
                "upper floors often get a weak or unstable signal (high-floor effect)",
            )
        )
    return out


def _mr(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    c = ctx.complaint
    cov = ctx.coverage
    thr = s.weak_grid_max_weak_share
    if not c.has_location() and (cov is None or cov.samples < s.mr_min_samples):
        why = "no position given (only a cell) and too few MR of that cell to tell its coverage"
        return [
            unknown("mr_weak_share", CAUSE, why, threshold=thr, unit="share"),
            unknown("mr_rsrp_median", CAUSE, why, threshold=s.weak_rsrp_dbm, unit="dBm"),
        ]
    if cov is None or cov.samples < s.mr_min_samples:
        n = 0 if cov is None else cov.samples
        why = (
            f"only {n} MR samples within {s.mr_radius_m:.0f} m in the last "
            f"{s.mr_lookback_days:.0f} "
            "days "
            f"(need {s.mr_min_samples})"
            if ctx.mr_available
            else "no MR/MDT data loaded"
        )
        missing = [
            unknown("mr_weak_share", CAUSE, why, threshold=thr, unit="share"),
            unknown("mr_rsrp_median", CAUSE, why, threshold=s.weak_rsrp_dbm, unit="dBm"),
        ]
        if indoor_depth(c) is not None:
            missing.append(
                unknown(
                    "indoor_penetration",
                    CAUSE,
                    "indoor, but no MR to tell the outdoor level",
                    threshold=s.weak_rsrp_dbm,
                    unit="dBm",
                )
            )
        return missing
    out: list[Evidence] = []
    where = f"{cov.samples} MR samples in {cov.grids} grid(s) within {s.mr_radius_m:.0f} m"
    if cov.source == "cell":
        where = f"{cov.samples} MR samples served by cell {c.cell_id} (no position given)"
    if cov.weak_share is None:
        out.append(
            unknown(
                "mr_weak_share",
                CAUSE,
                f"{where}, without a weak-sample share",
                threshold=thr,
                unit="share",
                window=cov.window,
            )
        )
    elif cov.weak_share > thr:
        out.append(
            ev(
                "mr_weak_share",
                CAUSE,
                "abnormal",
                w.medium * strength(cov.weak_share, thr, 0.5),
                value=cov.weak_share,
                threshold=thr,
                unit="share",
                window=cov.window,
                detail=f"{cov.weak_share:.0%} of {where} are below {s.weak_rsrp_dbm:.0f} dBm "
                f"(covered {1 - cov.weak_share:.0%} < {1 - thr:.0%}: weak-coverage grid)",
            )
        )
    else:
        out.append(
            ev(
                "mr_weak_share",
                CAUSE,
                "normal",
                -w.weak,
                value=cov.weak_share,
                threshold=thr,
                unit="share",
                window=cov.window,
                detail=f"{1 - cov.weak_share:.0%} of {where} are covered (≥ "
                f"{s.weak_rsrp_dbm:.0f} "
                "dBm)",
            )
        )
    p50 = cov.rsrp_p50
    spread = f"RSRP p10/p50/p90 {fmt(cov.rsrp_p10)}/{fmt(p50)}/{fmt(cov.rsrp_p90)} dBm"
    if p50 is None:
        out.append(
            unknown(
                "mr_rsrp_median",
                CAUSE,
                f"{where}: no RSRP percentiles",
                threshold=s.weak_rsrp_dbm,
                unit="dBm",
                window=cov.window,
            )
        )
    elif p50 < s.weak_rsrp_dbm:
        level = "no usable coverage" if p50 < s.no_coverage_rsrp_dbm else "weak coverage"
        out.append(
            ev(
                "mr_rsrp_median",
                CAUSE,
                "abnormal",
                w.medium * strength(p50, s.weak_rsrp_dbm, s.no_coverage_rsrp_dbm - 5.0),
                value=p50,
                threshold=s.weak_rsrp_dbm,
                unit="dBm",
                window=cov.window,
                detail=f"{spread}: median below {s.weak_rsrp_dbm:.0f} dBm, {level}",
            )
        )
    else:
        out.append(
            ev(
                "mr_rsrp_median",
                CAUSE,
                "normal",
                0.0,
                value=p50,
                threshold=s.weak_rsrp_dbm,
                unit="dBm",
                window=cov.window,
                detail=f"{spread}",
            )
        )
    depth = indoor_depth(c)
    if depth is not None and p50 is not None:
        out.append(_indoor(c.floor, depth, p50, cov.window, s, w))
    return out


def indoor_depth(c: ComplaintRecord) -> str | None:
    """'basement' (below ground, car parks, lifts), 'indoor', or None (outdoors / not said)."""
    hints = place_hints(c.description)
    if (c.floor is not None and c.floor < 0) or "basement" in hints:
        return "basement"
    if c.indoor or "indoor" in hints:
        return "indoor"
    return None


def _indoor(
    floor_no: int | None,
    depth: str,
    p50: float,
    window: tuple[datetime, datetime],
    s: DiagnosticsSettings,
    w: Weights,
) -> Evidence:
    """Indoor penetration (室内屏蔽): the outdoor level less the typical building loss."""
    loss = s.basement_loss_db if depth == "basement" else s.indoor_loss_db
    inside = p50 - loss
    where = "below ground" if depth == "basement" else "indoors"
    floor = f", floor {floor_no}" if floor_no is not None else ""
    detail = (
        f"{where}{floor}: outdoor median {p50:.0f} dBm less ~{loss:.0f} dB building loss "
        f"≈ {inside:.0f} dBm"
    )
    if inside < s.weak_rsrp_dbm:
        weight = w.medium if depth == "basement" else w.weak
        return ev(
            "indoor_penetration",
            CAUSE,
            "abnormal",
            weight * strength(inside, s.weak_rsrp_dbm, s.no_coverage_rsrp_dbm),
            value=inside,
            threshold=s.weak_rsrp_dbm,
            unit="dBm",
            window=window,
            detail=f"{detail}, below {s.weak_rsrp_dbm:.0f} dBm",
        )
    return ev(
        "indoor_penetration",
        CAUSE,
        "normal",
        0.0,
        value=inside,
        threshold=s.weak_rsrp_dbm,
        unit="dBm",
        window=window,
        detail=detail,
    )


def _geometry(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    serving = ctx.serving
    c = ctx.complaint
    if not c.has_location():
        return [
            unknown(
                "site_distance",
                CAUSE,
                "no position given: distance to the site unknown",
                threshold=s.edge_distance_isd_ratio,
                unit="ratio",
            )
        ]
    if not ctx.cells_known:
        return [unknown("site_distance", CAUSE, "no cell inventory loaded", unit="ratio")]
    if serving.nearest_site_m is None:
        return [
            ev(
                "site_distance",
                CAUSE,
                "abnormal",
                w.medium,
                value=None,
                threshold=s.serving_search_radius_m,
                unit="m",
                detail=f"no active cell within {s.serving_search_radius_m / 1000:.1f} km of the "
                "place",
            )
        ]
    isd = serving.local_isd_m or s.default_isd_m
    ratio = serving.nearest_site_m / isd
    thr = s.edge_distance_isd_ratio
    out: list[Evidence] = []
    detail = (
        f"nearest active site {serving.nearest_site_m:.0f} m away; local inter-site distance "
        f"{isd:.0f} m (ratio {ratio:.2f})"
    )
    if ratio > thr:
        out.append(
            ev(
                "site_distance",
                CAUSE,
                "abnormal",
                # at the edge it only supports; well beyond it (≥ 1.5 × ISD) it is a coverage gap
                w.weak + (w.medium - w.weak) * min(1.0, (ratio - thr) / (1.5 - thr)),
                cell=serving.cells[0] if serving.cells else None,
                value=ratio,
                threshold=thr,
                unit="ratio",
                detail=detail
                + (
                    ": beyond the cell edge, a coverage gap"
                    if ratio >= 1.5
                    else ": at the cell edge"
                ),
            )
        )
    else:
        out.append(
            ev(
                "site_distance",
                CAUSE,
                "normal",
                0.0,
                cell=serving.cells[0] if serving.cells else None,
                value=ratio,
                threshold=thr,
                unit="ratio",
                detail=detail,
            )
        )
    if serving.in_main_lobe is not None and serving.off_axis_deg is not None:
        best = serving.cells[0] if serving.cells else None
        if serving.in_main_lobe:
            out.append(
                ev(
                    "sector_main_lobe",
                    CAUSE,
                    "normal",
                    0.0,
                    cell=best,
                    value=serving.off_axis_deg,
                    unit="deg",
                    detail=f"the place is {serving.off_axis_deg:.0f}° off the best sector's "
                    "azimuth, inside its main lobe",
                )
            )
        else:
            out.append(
                ev(
                    "sector_main_lobe",
                    CAUSE,
                    "abnormal",
                    w.context,
                    cell=best,
                    value=serving.off_axis_deg,
                    unit="deg",
                    detail=f"the place is {serving.off_axis_deg:.0f}° off the best sector's "
                    "azimuth, outside its main lobe",
                )
            )
    return out


def _areas(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    c = ctx.complaint
    if not c.has_location():
        return [
            unknown("known_weak_area", CAUSE, "no position given: known areas can't be matched")
        ]
    out: list[Evidence] = []
    weak = [a for a in ctx.areas if a.kind in WEAK_AREAS]
    if weak:
        a = weak[0]
        inside = a.distance_m == 0
        label = "blind spot (盲区)" if a.kind == "blind_spot" else "weak-coverage area (弱覆盖)"
        out.append(
            ev(
                "known_weak_area",
                CAUSE,
                "abnormal",
                w.strong if inside else w.medium,
                value=a.distance_m,
                threshold=s.area_margin_m,
                unit="m",
                detail=f"{'inside' if inside else f'{a.distance_m:.0f} m from'} the recorded "
                f"{label}"
                f"{' ' + repr(a.name) if a.name else ''}{': ' + a.note if a.note else ''}",
            )
        )
    else:
        out.append(
            ev(
                "known_weak_area",
                CAUSE,
                "normal",
                0.0,
                threshold=s.area_margin_m,
                unit="m",
                detail="no recorded blind spot or weak-coverage area here",
            )
        )
    planned = [a for a in ctx.areas if a.kind == "planned_site"]
    serving = ctx.serving
    if planned:
        a = planned[0]
        when = f", planned on air {a.planned_on_air.isoformat()}" if a.planned_on_air else ""
        out.append(
            ev(
                "planned_site",
                CAUSE,
                "abnormal",
                w.medium,
                value=a.distance_m,
                threshold=s.area_margin_m,
                unit="m",
                detail="a new site is planned "
                f"here{' (' + a.name + ')' if a.name else ''}{when}: "
                "coverage is known to be lacking",
            )
        )
    elif (
        serving.planned_m is not None
        and serving.planned_cell is not None
        and (serving.nearest_site_m is None or serving.planned_m < serving.nearest_site_m)
    ):
        out.append(
            ev(
                "planned_site",
                CAUSE,
                "abnormal",
                w.weak,
                cell=serving.planned_cell,
                value=serving.planned_m,
                unit="m",
                detail=f"planned cell {serving.planned_cell} ({serving.planned_m:.0f} m) is "
                "nearer "
                "than any active site",
            )
        )
    else:
        out.append(
            ev(
                "planned_site",
                CAUSE,
                "normal",
                0.0,
                detail="no planned site nearer than the active ones",
            )
        )
    return out
