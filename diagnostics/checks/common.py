"""What every check shares: the weights, how far past a threshold counts, which serving cell is
worst, and the Evidence constructor.

Support of an abnormal finding = weight × strength, where strength runs from 0.6 just past the
threshold to 1.0 at the "clearly bad" level, so a direct measurement past its threshold is
enough on its own to beat ``no_fault_found`` (weight_medium × 0.6 ≥ nff_threshold with the
defaults), while a piece of context (weight_weak) never is.

A share measured on samples (the MR weak-sample share) is read with its Wilson confidence bounds
(``share_bounds``, ``mr_verdict``): past its criterion only when the lower bound is, so that a
handful of samples can't make a finding the samples don't support.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from diagnostics.description import stated_floor, stated_hours, stated_occasional
from diagnostics.evidence import Context, Coverage, KpiStats
from diagnostics.models import ComplaintRecord, Evidence, Finding
from diagnostics.settings import DiagnosticsSettings

SECONDARY_SITE_FACTOR = 0.7  # evidence on a cell of the 2nd/3rd serving site counts this much


@dataclass(frozen=True, slots=True)
class Weights:
    decisive: float
    strong: float
    medium: float
    weak: float
    context: float

    @classmethod
    def of(cls, settings: DiagnosticsSettings) -> Weights:
        return cls(
            settings.score_weight_decisive,
            settings.score_weight_strong,
            settings.score_weight_medium,
            settings.score_weight_weak,
            settings.score_weight_context,
        )


def strength(value: float, threshold: float, full: float) -> float:
    """0 when ``value`` is not past ``threshold``; else 0.6 … 1.0 as it nears ``full``.

    Works both ways: with ``full`` above ``threshold`` "past" means greater, else smaller.
    """
    if full == threshold:
        return 1.0 if value > threshold else 0.0
    progress = (value - threshold) / (full - threshold)
    if progress <= 0:
        return 0.0
    return 0.6 + 0.4 * min(1.0, progress)


def share_bounds(share: float, samples: int, z: float) -> tuple[float, float]:
    """Wilson score interval of a share measured on ``samples`` samples (``z``: the one-sided
    normal quantile). A share of 3 weak samples in 25 is 12 %, but could well be 5 %: a place is
    judged against a share criterion only by what the samples show beyond their noise."""
    if samples <= 0:
        return 0.0, 1.0
    n = float(samples)
    centre = share + z * z / (2 * n)
    spread = z * math.sqrt(max(0.0, share * (1 - share)) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


@dataclass(frozen=True, slots=True)
class MrVerdict:
    """What the MR around the place say of its coverage: ``state`` is "weak" (the weak-sample
    share is past ``weak_share_threshold`` even at its lower confidence bound), "unclear"
    (past it, but within sampling noise) or "covered"; ``low`` is the share's lower bound."""

    state: str
    share: float
    low: float
    median_ok: bool  # median RSRP at or above weak_rsrp_dbm

    @property
    def covered(self) -> bool:
        """The MR don't show weak coverage: not weak beyond noise, and a covered median."""
        return self.state != "weak" and self.median_ok


def weak_share_threshold(cov: Coverage, s: DiagnosticsSettings) -> float:
    """The grid criterion around a place; a whole cell's footprint (no position) has its own."""
    return s.weak_cell_max_weak_share if cov.source == "cell" else s.weak_grid_max_weak_share


def mr_verdict(cov: Coverage | None, s: DiagnosticsSettings) -> MrVerdict | None:
    """The MR verdict on the place (None without enough MR or without a weak share).

    Fewer than ``mr_min_samples`` MR around a place (a sparse feed: a desert road, a valley, a
    basement few phones report from) still say "weak" when the share is past the criterion beyond
    sampling noise: 14 samples all below −110 dBm there are a weak place, not an unknown one.
    Short of that they say nothing; below ``mr_few_samples`` a handful (from
    ``mr_handful_samples``) says "weak" only when most of it is weak beyond sampling noise (the
    first samples of a new feed in a village, all below −110 dBm), and fewer nothing at all. A cell
    named without a position needs ``mr_min_samples`` whatever they show: a handful of its MR
    come from wherever in its footprint a few phones reported, not from the customer's place."""
    few = s.mr_handful_samples if cov is not None and cov.source != "cell" else s.mr_min_samples
    if cov is None or cov.samples < few or cov.weak_share is None:
        return None
    share = cov.weak_share
    low = share_bounds(share, cov.samples, s.mr_share_confidence_z)[0]
    thr = weak_share_threshold(cov, s)
    # a handful tells only a gap (most samples weak) from none, as ``mr_gap_weak_share`` does for
    # the geometry; from ``mr_few_samples`` up, the criterion itself
    past = thr if cov.samples >= s.mr_few_samples else max(thr, s.mr_gap_weak_share)
    if cov.samples < s.mr_min_samples and low <= past:
        return None
    state = "weak" if low > thr else "unclear" if share > thr else "covered"
    median_ok = cov.rsrp_p50 is None or cov.rsrp_p50 >= s.weak_rsrp_dbm
    return MrVerdict(state, share, low, median_ok)


def mr_unknown(cov: Coverage | None, s: DiagnosticsSettings) -> bool:
    """Too few MR for any coverage reading (``mr_verdict``)."""
    return cov is None or (cov.samples < s.mr_min_samples and mr_verdict(cov, s) is None)


def time_share(bad_hours: int, hours: int, settings: DiagnosticsSettings) -> float:
    """How much of the problem's time a time-bound finding covers, as a factor on its support.

    A problem of a few hours is explained by a breach in any of them (1.0); a problem described
    over a longer time is explained only in part by a breach in some of its hours: the factor
    rises from ``min_time_share_factor`` with the share of breached hours, reaching 1.0 at half.
    """
    if hours <= settings.short_problem_hours or hours <= 0:
        return 1.0
    share = bad_hours / hours
    return max(settings.min_time_share_factor, min(1.0, share / 0.5))


def problem_hours(ctx: Context, hours: int) -> int:
    """The hours a time-bound finding is weighed against (``time_share``): the window's, or, for
    a complaint that names its time of day ("every evening", 晚上就不行), at most that stretch's,
    whether or not it gave times: the night after the evening read up to a call in the small
    hours, or the daytime of a problem "since Monday" that is bad only in the evenings, is not
    part of the problem the customer describes."""
    stated = stated_hours(ctx.complaint.description)
    if stated is None:
        return hours
    return min(hours, (stated[1] - stated[0]) % 24 or 24)


def ev(
    check: str,
    cause: str,
    finding: Finding,
    support: float = 0.0,
    *,
    cell: str | None = None,
    value: float | None = None,
    threshold: float | None = None,
    unit: str | None = None,
    window: tuple[datetime, datetime] | None = None,
    detail: str = "",
) -> Evidence:
    return Evidence(check, cause, finding, cell, value, threshold, unit, window, detail, support)


NO_ALARM_FEED = "no alarm loaded at all (no alarm feed): the absence of alarms says nothing"


def unknown(
    check: str,
    cause: str,
    detail: str,
    *,
    threshold: float | None = None,
    unit: str | None = None,
    window: tuple[datetime, datetime] | None = None,
) -> Evidence:
    return Evidence(check, cause, "unknown", None, None, threshold, unit, window, detail, 0.0)


def occasional(c: ComplaintRecord) -> bool:
    """The problem happens only now and then: the field, else the description (偶尔, "just
    once")."""
    if c.frequency is None:
        return stated_occasional(c.description)
    return c.frequency == "occasional"


def strong_but_polluted(cov: Coverage | None, s: DiagnosticsSettings) -> bool:
    """The place's MR (enough of them) show a strong signal with a poor SINR: many cells heard at
    once (pilot pollution), what a high floor sees of a dense network, rather than too few."""
    if cov is None or cov.samples < s.mr_min_samples or cov.rsrp_p50 is None:
        return False
    share = cov.good_rsrp_poor_sinr_share
    if share is None:
        share = cov.poor_sinr_share
    return cov.rsrp_p50 >= s.good_rsrp_dbm and share is not None and share > s.poor_sinr_share


def floor_of(c: ComplaintRecord) -> int | None:
    """The complaint's floor: the field, else the one its description names ("住在12楼")."""
    return c.floor if c.floor is not None else stated_floor(c.description)


def site_factor(ctx: Context, cell: str) -> float:
    """How much evidence on this cell counts for the place: its serving weight (MR share, rank)."""
    if cell in ctx.cell_weight:
        return ctx.cell_weight[cell]
    return 1.0 if not ctx.serving.cells or cell == ctx.serving.cells[0] else SECONDARY_SITE_FACTOR


def object_factor(ctx: Context, obj: str) -> float:
    """site_factor for an alarm's object, a cell or a site (a site counts as its best cell)."""
    if obj in ctx.cell_weight or obj in ctx.site_of:
        return site_factor(ctx, obj)
    on_site = [site_factor(ctx, c) for c in ctx.serving.cells if ctx.site_of.get(c) == obj]
    return max(on_site) if on_site else SECONDARY_SITE_FACTOR


def worst(
    ctx: Context,
    get: Callable[[KpiStats], float | None],
    *,
    higher_is_worse: bool,
    threshold: float | None = None,
) -> tuple[KpiStats, float] | None:
    """The serving cell that matters most for this KPI: among the cells past ``threshold`` the
    one that serves the place most (then the worst value); with none past it, the worst value."""
    best: tuple[tuple[float, float], KpiStats, float] | None = None
    for stats in ctx.kpis.values():
        value = get(stats)
        if value is None:
            continue
        badness = value if higher_is_worse else -value
        past = threshold is not None and (
            (value > threshold) if higher_is_worse else (value < threshold)
        )
        key = (round(site_factor(ctx, stats.cell_id), 2) if past else -1.0, badness)
        if best is None or key > best[0]:
            best = (key, stats, value)
    return None if best is None else (best[1], best[2])


Judge = Callable[[KpiStats, float], tuple[float, str]]
"""(stats of the cell that matters, its value) → (support, detail) for one finding."""


def kpi_check(
    ctx: Context,
    check: str,
    cause: str,
    get: Callable[[KpiStats], float | None],
    *,
    threshold: float,
    higher_is_worse: bool,
    unit: str,
    what: str,
    abnormal: Judge,
    normal: Judge,
) -> Evidence:
    """One KPI against its threshold on the serving cell that matters (see ``worst``): unknown
    without data, else abnormal or normal with the support and detail the caller's judges give."""
    found = worst(ctx, get, higher_is_worse=higher_is_worse, threshold=threshold)
    if found is None:
        detail = no_kpi_detail(ctx, what)
        return unknown(check, cause, detail, threshold=threshold, unit=unit, window=ctx.window)
    stats, value = found
    past = value > threshold if higher_is_worse else value < threshold
    support, detail = (abnormal if past else normal)(stats, value)
    return ev(
        check,
        cause,
        "abnormal" if past else "normal",
        support,
        cell=stats.cell_id,
        value=value,
        threshold=threshold,
        unit=unit,
        window=ctx.window,
        detail=detail,
    )


def has_kpis(ctx: Context, get: Callable[[KpiStats], float | None]) -> bool:
    return any(get(s) is not None for s in ctx.kpis.values())


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def cell_list(cells: Iterable[str], limit: int = 4) -> str:
    items = list(cells)
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit})" if len(items) > limit else "")


def no_kpi_detail(ctx: Context, what: str) -> str:
    if not ctx.serving.cells:
        return f"no serving cell found for the place, so {what} can't be checked"
    return f"no {what} for the serving cells {cell_list(ctx.serving.cells)} in the window"
