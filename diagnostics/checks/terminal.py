"""Terminal / SIM (终端及SIM卡): the handbook's first step, "rule out the terminal and the SIM".

Evidence that points to the user's side: the device lacks what the symptom and the local network
need (VoLTE for calls where only LTE/NR serve, LTE/NR for data, the local bands), the SIM is an
old 2G/3G card, the model has a known issue, the problem happens everywhere (it follows the
user), the same subscriber complained from other places, nobody nearby has it, and other users on
the same cells are fine (their KPIs, alarms and MR are healthy). Neighbours affected, or the
serving cells breaching their thresholds, argue against it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from diagnostics.checks.common import Weights, ev, site_factor, unknown, worst
from diagnostics.checks.outage import at_time, outage_alarms
from diagnostics.evidence import Context
from diagnostics.models import Evidence
from diagnostics.settings import DiagnosticsSettings
from diagnostics.symptoms import symptom_scores

CAUSE = "terminal_sim"
VOICE = ("call_drop", "poor_voice", "cannot_call", "cannot_receive")
DATA = ("slow_data", "no_data")
SIGNAL = ("no_signal", "weak_signal")
LEGACY = {"GSM", "UMTS"}
_FIVE_G = re.compile(r"5g|５g|\bnr\b|五g", re.IGNORECASE)


@lru_cache(maxsize=4096)
def normalise_band(band: str) -> str:
    """'B3', 'band 3', 'b03' → '3'; 'n78' → 'n78' (NR bands keep their prefix)."""
    text = band.strip().lower().replace("band", "").replace(" ", "")
    match = re.fullmatch(r"([bn]?)0*(\d+)", text)
    if not match:
        return text
    return ("n" if match[1] == "n" else "") + match[2]


def check(ctx: Context, s: DiagnosticsSettings, w: Weights) -> list[Evidence]:
    return [
        _capability(ctx, s, w),
        _sim(ctx, s, w),
        _known_issue(ctx, w),
        _everywhere(ctx, w),
        _neighbours(ctx, w),
        _repeats(ctx, s, w),
        _other_users(ctx, s, w),
    ]


def _capability(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    sub = ctx.subscriber
    if sub is None or sub.device is None:
        why = (
            "subscriber not in the profile data"
            if sub is None
            else f"TAC {sub.tac} not in the device catalogue"
        )
        return unknown("device_capability", CAUSE, why + ": the handset's capabilities are unknown")
    d = sub.device
    symptom = ctx.complaint.symptom
    network = set(ctx.network_technologies)
    model = f"{d.vendor} {d.model}"
    problems: list[tuple[float, str]] = []
    if symptom in VOICE and not d.supports_volte:
        if network and not network & LEGACY:
            problems.append(
                (
                    w.decisive,
                    f"{model} has no VoLTE and only {'/'.join(sorted(network))} serve here: "
                    "it can't make or keep calls",
                )
            )
        else:
            problems.append(
                (
                    w.medium,
                    f"{model} has no VoLTE: calls fall back to 2G/3G (CSFB), with slower "
                    "set-up and more drops",
                )
            )
    if (symptom in DATA or symptom in SIGNAL) and not d.supports_lte and not d.supports_nr:
        problems.append((w.decisive, f"{model} supports neither 4G nor 5G"))
    elif network and network <= {"NR"} and not d.supports_nr:
        problems.append((w.decisive, f"only 5G (NR) serves here and {model} has no 5G"))
    elif network and network <= {"LTE", "NR"} and not d.supports_lte and not d.supports_nr:
        problems.append((w.decisive, f"only 4G/5G serve here and {model} supports neither"))
    expects_5g = bool(_FIVE_G.search(ctx.complaint.description or ""))
    if symptom in DATA and expects_5g and "NR" in network and not problems:
        # 4G speed on a 4G phone or SIM is normal service; it is a gap only when 5G is expected
        if not d.supports_nr:
            problems.append((w.medium, f"5G is expected, but {model} has no 5G"))
        elif sub.sim_type != "5g":
            problems.append(
                (w.medium, f"5G is expected, but a {sub.sim_type.upper()} SIM keeps {model} on 4G")
            )
    cell_bands = {normalise_band(b) for b in ctx.serving.bands}
    phone_bands = {normalise_band(b) for b in d.bands}
    if cell_bands and phone_bands and not cell_bands & phone_bands:
        problems.append(
            (
                w.medium,
                f"{model} supports bands {', '.join(sorted(d.bands))}, none of the serving "
                f"cells' bands {', '.join(sorted(ctx.serving.bands))}",
            )
        )
    if problems:
        problems.sort(key=lambda p: -p[0])
        return ev(
            "device_capability",
            CAUSE,
            "abnormal",
            problems[0][0],
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail="; ".join(p[1] for p in problems),
        )
    caps = ", ".join(
        n
        for n, ok in (("4G", d.supports_lte), ("5G", d.supports_nr), ("VoLTE", d.supports_volte))
        if ok
    )
    return ev(
        "device_capability",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"{model} ({caps or 'no 4G/5G'}) fits the symptom and the serving network",
    )


def _sim(ctx: Context, s: DiagnosticsSettings, w: Weights) -> Evidence:
    sub = ctx.subscriber
    if sub is None:
        return unknown("sim_type", CAUSE, "subscriber not in the profile data: SIM type unknown")
    network = set(ctx.network_technologies)
    if sub.sim_type in ("2g", "3g"):
        if network and not network & LEGACY:
            return ev(
                "sim_type",
                CAUSE,
                "abnormal",
                w.decisive,
                value=1.0,
                threshold=0.0,
                unit="flag",
                detail=f"a {sub.sim_type.upper()} SIM can't attach to the 4G/5G cells that serve "
                ""
                "here: swap the SIM",
            )
        weight = w.medium if ctx.complaint.symptom in (*DATA, *SIGNAL) else w.weak
        return ev(
            "sim_type",
            CAUSE,
            "abnormal",
            weight,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail=f"old {sub.sim_type.upper()} SIM: no 4G/VoLTE service; a 4G/5G SIM is needed",
        )
    return ev(
        "sim_type",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"{sub.sim_type.upper()} SIM",
    )


FAMILIES = {
    **dict.fromkeys(VOICE, "voice"),
    **dict.fromkeys(DATA, "data"),
    **dict.fromkeys(SIGNAL, "signal"),
    "sms_failure": "sms",
    "roaming_failure": "roaming",
}


def issue_matches(issue: str, symptom: str) -> bool | None:
    """Does a device's known-issue text describe this kind of symptom? None = can't tell."""
    named = {FAMILIES.get(k) for k in symptom_scores(issue)}
    lowered = issue.lower()
    if any(k in lowered for k in ("volte", "call", "voice", "通话", "语音")):
        named.add("voice")
    if any(k in lowered for k in ("data", "internet", "modem", "上网", "数据")):
        named.add("data")
    if any(k in lowered for k in ("signal", "network", "attach", "信号", "搜网")):
        named.add("signal")
    named.discard(None)
    if not named:
        return None
    return FAMILIES.get(symptom) in named


def _known_issue(ctx: Context, w: Weights) -> Evidence:
    sub = ctx.subscriber
    if sub is None or sub.device is None:
        return unknown("device_known_issue", CAUSE, "handset model unknown")
    d = sub.device
    if d.known_issue:
        match = issue_matches(d.known_issue, ctx.complaint.symptom)
        weight = w.strong if match else w.medium
        fits = {True: ", which fits the symptom", False: " (a different symptom)", None: ""}[match]
        return ev(
            "device_known_issue",
            CAUSE,
            "abnormal",
            weight,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail=f"known issue of {d.vendor} {d.model}: {d.known_issue}{fits}",
        )
    return ev(
        "device_known_issue",
        CAUSE,
        "normal",
        0.0,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail=f"no known issue recorded for {d.vendor} {d.model}",
    )


def _everywhere(ctx: Context, w: Weights) -> Evidence:
    value = ctx.complaint.everywhere
    if value is None:
        return unknown(
            "problem_everywhere", CAUSE, "not asked whether it also happens at other places"
        )
    if value:
        return ev(
            "problem_everywhere",
            CAUSE,
            "abnormal",
            w.medium,
            value=1.0,
            threshold=0.0,
            unit="flag",
            detail="the problem also happens at other places: it follows the handset or SIM",
        )
    return ev(
        "problem_everywhere",
        CAUSE,
        "normal",
        -w.weak,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail="the problem happens only at this place",
    )


def _neighbours(ctx: Context, w: Weights) -> Evidence:
    value = ctx.complaint.neighbours_affected
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
            detail="people nearby have the same problem (周围用户也一样): a network cause",
        )
    return ev(
        "neighbours_affected",
        CAUSE,
        "normal",
        w.weak,
        value=0.0,
        threshold=0.0,
        unit="flag",
        detail="people nearby don't have the problem",
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
    measured = False
    for name, get, higher, thr in checks:
        found = worst(ctx, get, higher_is_worse=higher, threshold=thr)
        if found is None:
            continue
        measured = True
        stats, value = found
        if ((value > thr) if higher else (value < thr)) and site_factor(ctx, stats.cell_id) >= 0.5:
            breaches.append(f"{name} {value:.1f} on {stats.cell_id}")
    if any(at_time(ctx, a) for a in outage_alarms(ctx, s, "serving")):
        breaches.append("outage alarm on a serving cell/site")
    cov = ctx.coverage
    if cov is not None and cov.samples >= s.mr_min_samples and cov.weak_share is not None:
        measured = True
        if cov.weak_share > s.weak_grid_max_weak_share:
            breaches.append(f"{cov.weak_share:.0%} weak MR samples")
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
        detail="other users on the same cells are fine: KPIs, alarms and MR are healthy",
    )
