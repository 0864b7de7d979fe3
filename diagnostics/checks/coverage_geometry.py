"""Weak coverage from the map (the coverage checks' second half): distance to the nearest site
against the local inter-site distance, the sector's main lobe, recorded blind spots and weak
areas, and planned sites.

Distance and azimuth only predict the signal at the place; geolocated MR measure it. Where the MR
around the place show it covered (enough samples, weak share not past the criterion beyond its
noise, median RSRP at least ``weak_rsrp_dbm``), the geometric findings are still reported but
count at most as context (``score_weight_context``): an optimisation engineer trusts the
measurement over the prediction. Recorded blind spots and planned sites are the operator's own
records and keep their weight.
"""

from __future__ import annotations

from diagnostics.checks.common import Weights, ev, mr_verdict, share_bounds, unknown
from diagnostics.checks.roaming import served_abroad
from diagnostics.evidence import Context
from diagnostics.models import Evidence
from diagnostics.places import build_blocked
from diagnostics.settings import DiagnosticsSettings

CAUSE = "weak_coverage"
WEAK_AREAS = ("blind_spot", "weak_coverage")
MEASURED = "; but the MR here show the place covered"


def _predicted(support: float, covered: bool, w: Weights) -> float:
    """A geometric prediction's support, at most context when the MR measured the place covered."""
    return min(support, w.context) if covered else support


def _mr_covered(ctx: Context, s: DiagnosticsSettings) -> bool:
    """The MR measured the place covered; or, too few for that verdict (a sparse feed), they
    still rule out the gap the geometry predicts: a gap leaves most samples weak, and ten good
    ones out of ten don't come from one."""
    cov = ctx.coverage
    verdict = mr_verdict(cov, s)
    if verdict is not None:
        return verdict.covered
    if cov is None or cov.source == "cell" or cov.weak_share is None:
        return False
    weak_median = cov.rsrp_p50 is not None and cov.rsrp_p50 < s.weak_rsrp_dbm
    if cov.samples < s.mr_handful_samples or weak_median:
        return False
    high = share_bounds(cov.weak_share, cov.samples, s.mr_share_confidence_z)[1]
    return high < s.mr_gap_weak_share


def geometry(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    serving = ctx.serving
    c = ctx.complaint
    if not c.has_location():
        missing = "" if serving.known_cell else f", and cell {c.cell_id} is not in the inventory"
        return [
            unknown(
                "site_distance",
                CAUSE,
                f"no position given{missing}: distance to the site unknown",
                threshold=s.edge_distance_isd_ratio,
                unit="ratio",
            )
        ]
    if not ctx.cells_known:
        return [unknown("site_distance", CAUSE, "no cell inventory loaded", unit="ratio")]
    covered = _mr_covered(ctx, s)
    if serving.nearest_site_m is None and served_abroad(ctx):
        return [
            unknown(
                "site_distance",
                CAUSE,
                f"no active cell within {s.serving_search_radius_m / 1000:.1f} km of the place, "
                "and the subscriber is abroad on another network: not our coverage",
                threshold=s.serving_search_radius_m,
                unit="m",
            )
        ]
    if serving.nearest_site_m is None:
        return [
            ev(
                "site_distance",
                CAUSE,
                "abnormal",
                _predicted(w.medium, covered, w),
                value=None,
                threshold=s.serving_search_radius_m,
                unit="m",
                detail=f"no active cell within {s.serving_search_radius_m / 1000:.1f} km of the "
                "place" + (MEASURED if covered else ""),
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
                _predicted(
                    w.weak + (w.medium - w.weak) * min(1.0, (ratio - thr) / (1.5 - thr)), covered, w
                ),
                cell=serving.cells[0] if serving.cells else None,
                value=ratio,
                threshold=thr,
                unit="ratio",
                detail=detail
                + (
                    ": beyond the cell edge, a coverage gap"
                    if ratio >= 1.5
                    else ": at the cell edge"
                )
                + (MEASURED if covered else ""),
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
        # the sector the angle was measured from (MR may have put another cell first: an
        # indoor system's omni cell has no azimuth to be off)
        best = serving.lobe_cell or (serving.cells[0] if serving.cells else None)
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
                    detail=f"the place is {serving.off_axis_deg:.0f}° off the azimuth of {best} "
                    "(the best sector by geometry), inside its main lobe",
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
                    detail=f"the place is {serving.off_axis_deg:.0f}° off the azimuth of {best} "
                    "(the best sector by geometry), outside its main lobe",
                )
            )
    return out


def areas(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
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
                "coverage is known to be lacking"
                + (f"; its build is held up ({a.note})" if build_blocked(a) else ""),
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
                # a geometric hint like the distance: the MR, where they exist, measure it
                _predicted(w.weak, _mr_covered(ctx, s), w),
                cell=serving.planned_cell,
                value=serving.planned_m,
                unit="m",
                detail=f"planned cell {serving.planned_cell} ({serving.planned_m:.0f} m) is "
                "nearer than any active site" + (MEASURED if _mr_covered(ctx, s) else ""),
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
