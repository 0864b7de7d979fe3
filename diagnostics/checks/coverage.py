"""Weak coverage (弱覆盖): MR around the place, distance and sector geometry, known weak areas and
planned sites (those two in ``coverage_geometry``), indoor penetration, the high-floor effect.

Thresholds (settings): a sample is covered at RSRP ≥ ``weak_rsrp_dbm`` (−110); a grid is weak
when more than ``weak_grid_max_weak_share`` (10 %) of its samples are not covered (< 90 %
covered, the CMCC MR criterion), judged on the share's confidence bound
(``mr_share_confidence_z``) so that a few weak samples among a few dozen don't make a weak place;
a cell named without a position is judged on all its MR against ``weak_cell_max_weak_share``;
median RSRP below ``no_coverage_rsrp_dbm`` (−115) = no usable
coverage; beyond ``edge_distance_isd_ratio`` × local inter-site distance = cell edge.
"""

from __future__ import annotations

from datetime import datetime

from diagnostics.checks.common import (
    Weights,
    ev,
    floor_of,
    fmt,
    mr_unknown,
    mr_verdict,
    strength,
    strong_but_polluted,
    unknown,
    weak_share_threshold,
)
from diagnostics.checks.coverage_geometry import areas, geometry
from diagnostics.description import place_hints
from diagnostics.evidence import Context
from diagnostics.models import ComplaintRecord, Evidence
from diagnostics.settings import DiagnosticsSettings

CAUSE = "weak_coverage"


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    out = _mr(ctx, s, w)
    out += geometry(ctx, s, w)
    out += areas(ctx, s, w)
    floor = floor_of(ctx.complaint)
    if (
        floor is not None
        and floor >= s.high_floor
        and ctx.complaint.symptom in ("no_signal", "weak_signal")
        and not strong_but_polluted(ctx.coverage, s)  # then the floor is interference's
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
    if not c.has_location() and mr_unknown(cov, s):
        why = "no position given (only a cell) and too few MR of that cell to tell its coverage"
        return [
            unknown("mr_weak_share", CAUSE, why, threshold=thr, unit="share"),
            unknown("mr_rsrp_median", CAUSE, why, threshold=s.weak_rsrp_dbm, unit="dBm"),
        ]
    if cov is None or mr_unknown(cov, s):
        n = 0 if cov is None else cov.samples
        radius = (cov.radius_m if cov is not None else None) or s.mr_radius_m
        why = (
            f"only {n} MR samples within {radius:.0f} m in the last "
            f"{s.mr_lookback_days:.0f} "
            "days "
            f"(need {s.mr_min_samples}, or {s.mr_handful_samples} weak beyond sampling noise)"
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
    radius = cov.radius_m or s.mr_radius_m
    where = f"{cov.samples} MR samples in {cov.grids} grid(s) within {radius:.0f} m"
    if cov.source == "cell":
        where = f"{cov.samples} MR samples served by cell {c.cell_id} (no position given)"
    out.append(_weak_share(ctx, where, s, w))
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
        out.append(_indoor(floor_of(c), depth, p50, cov.window, s, w))
    return out


def _weak_share(ctx: Context, where: str, s: DiagnosticsSettings, w: Weights) -> Evidence:
    """The CMCC criterion (< 90 % of samples at ≥ −110 dBm = weak grid) read beyond sampling
    noise: operators call a grid weak only on hundreds of samples, and a handful of weak samples
    among a few dozen is not a weak place. The support follows the share's lower bound."""
    cov = ctx.coverage
    assert cov is not None
    thr = weak_share_threshold(cov, s)
    verdict = mr_verdict(cov, s)
    if verdict is None:
        return unknown(
            "mr_weak_share",
            CAUSE,
            f"{where}, without a weak-sample share",
            threshold=thr,
            unit="share",
            window=cov.window,
        )
    share, low = verdict.share, verdict.low
    below = f"{share:.0%} of {where} are below {s.weak_rsrp_dbm:.0f} dBm"
    if verdict.state == "weak":
        support = w.medium * strength(low, thr, 0.5)
        return ev(
            "mr_weak_share",
            CAUSE,
            "abnormal",
            support,
            value=share,
            threshold=thr,
            unit="share",
            window=cov.window,
            detail=f"{below} (covered {1 - share:.0%} < {1 - thr:.0%}, at least {low:.0%} weak "
            "beyond sampling noise: weak coverage)",
        )
    if verdict.state == "unclear":
        return ev(
            "mr_weak_share",
            CAUSE,
            "normal",
            0.0,
            value=share,
            threshold=thr,
            unit="share",
            window=cov.window,
            detail=f"{below}: past the {thr:.0%} criterion only within sampling noise (could be "
            f"{low:.0%}), not a weak place",
        )
    return ev(
        "mr_weak_share",
        CAUSE,
        "normal",
        -w.weak,
        value=share,
        threshold=thr,
        unit="share",
        window=cov.window,
        detail=f"{1 - share:.0%} of {where} are covered (≥ {s.weak_rsrp_dbm:.0f} dBm)",
    )


def indoor_depth(c: ComplaintRecord) -> str | None:
    """'basement' (below ground, car parks, lifts), 'indoor', or None (outdoors / not said)."""
    hints = place_hints(c.description)
    floor = floor_of(c)
    if (floor is not None and floor < 0) or "basement" in hints:
        return "basement"
    if c.indoor or "indoor" in hints or (c.indoor is None and floor is not None):
        return "indoor"  # a floor above ground is inside a building
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
