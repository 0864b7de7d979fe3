"""Verification after the fix: are the order's abnormal findings back to normal?

For each resolved order whose verification period (``verify_period_hours`` after
``resolved_at``) has passed, every abnormal finding of its evidence that can be measured again
is re-evaluated over that period:

* a KPI finding (the check names a KPI: ``prb_util``, ``ul_interference``, ``availability``, …)
  on its cell: hourly averages from ``kpis``; the direction comes from the finding (its value
  was above or below its threshold). Normal when at least ``verify_normal_share`` of the
  hours with data are on the normal side, with data for ``verify_min_coverage`` of the hours;
* an alarm finding: no outage alarm on the cell or its site overlaps the period;
* an MR/coverage finding (``rsrp``, ``coverage``, ``mr``): samples within
  ``verify_mr_radius_m`` of the order's complaints; normal when the share of samples at or
  above the RSRP threshold reaches ``verify_mr_covered_share``;
* a registration finding: the complainants' registrations in the period are all ``registered``.

Outcome: any finding still abnormal → back to ``in_progress`` with the checks as evidence;
all measurable findings normal → ``verified``; too little data → stays ``resolved``
(``pending``). An order with nothing measurable is verified when no complaint was attached to
it during the period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from storage.db import Conn
from workorders import store
from workorders.settings import WorkOrderSettings

# check-name fragment -> KPI column; True when high values are bad. The diagnostics checks
# (availability, prb_busy_hour, busy_hour_throughput, setup_success, call_drop_rate,
# ul_interference, cqi) and the canonical KPI names both match.
KPI_METRICS: dict[str, tuple[str, bool]] = {
    "availability": ("availability_pct", False),
    "setup_success": ("rrc_setup_sr_pct", False),
    "rrc_setup": ("rrc_setup_sr_pct", False),
    "erab_setup": ("erab_setup_sr_pct", False),
    "call_drop": ("call_drop_rate_pct", True),
    "ho_sr": ("ho_sr_pct", False),
    "handover": ("ho_sr_pct", False),
    "prb_util_ul": ("prb_util_ul_pct", True),
    "prb_busy": ("prb_util_dl_pct", True),
    "prb_util": ("prb_util_dl_pct", True),
    "ul_interference": ("ul_interference_dbm", True),
    "uplink_interference": ("ul_interference_dbm", True),
    "cqi": ("avg_cqi", False),
    "throughput": ("dl_user_thr_mbps", False),
    "dl_user_thr": ("dl_user_thr_mbps", False),
}
MR_WORDS = ("rsrp", "mr_", "weak_share")
OUTAGE_ALARMS = ["cell_unavailable", "site_down", "transmission", "power", "hardware"]

KPI_HOURLY = """
SELECT date_trunc('hour', ts) AS hour, avg({column}) AS value FROM kpis
WHERE cell_id = %(cell)s AND ts >= %(start)s AND ts < %(end)s AND {column} IS NOT NULL
GROUP BY 1
"""

ALARMS_IN_PERIOD = """
SELECT count(*) FROM alarms a
WHERE (a.object_id = %(cell)s
       OR a.object_id = (SELECT site_id FROM cells WHERE cell_id = %(cell)s))
  AND a.alarm_type = ANY(%(types)s)
  AND a.raised_at < %(end)s AND (a.cleared_at IS NULL OR a.cleared_at > %(start)s)
"""

MR_NEAR = """
SELECT count(*) AS samples, count(*) FILTER (WHERE m.rsrp_dbm >= %(threshold)s) AS covered
FROM mr_samples m
WHERE m.ts >= %(start)s AND m.ts < %(end)s
  AND EXISTS (
    SELECT 1 FROM work_order_complaints w JOIN complaints c USING (complaint_id)
    WHERE w.work_order_id = %(id)s AND c.lat IS NOT NULL
      AND m.lat BETWEEN c.lat - %(dlat)s AND c.lat + %(dlat)s
      AND m.lon BETWEEN c.lon - %(dlat)s / greatest(0.01, cos(radians(c.lat)))
                    AND c.lon + %(dlat)s / greatest(0.01, cos(radians(c.lat))))
"""

REGISTRATIONS = """
SELECT count(*) AS total, count(*) FILTER (WHERE r.status = 'registered') AS registered
FROM registrations r
WHERE r.observed_at >= %(start)s AND r.observed_at < %(end)s
  AND r.msisdn_hash IN (SELECT c.msisdn_hash FROM work_order_complaints w
                        JOIN complaints c USING (complaint_id) WHERE w.work_order_id = %(id)s)
"""

DUE_FOR_CHECK = """
SELECT work_order_id FROM work_orders
WHERE status = 'resolved' AND resolved_at <= %(cutoff)s
ORDER BY resolved_at, work_order_id
"""

NEW_COMPLAINTS = """
SELECT count(*) FROM work_order_complaints
WHERE work_order_id = %(id)s AND attached_at >= %(start)s AND attached_at < %(end)s
"""


@dataclass(frozen=True)
class CheckResult:
    check: str
    cell_id: str | None
    metric: str
    threshold: float | None
    high_is_bad: bool | None
    observed: float | None
    samples: int
    result: str  # normal | abnormal | no_data
    detail: str = ""


def judge_series(
    values: Sequence[float],
    expected: int,
    threshold: float,
    high_is_bad: bool,
    settings: WorkOrderSettings,
) -> tuple[str, float | None]:
    """(normal | abnormal | no_data, share of normal values) for hourly values after the fix.

    >>> from workorders.settings import WorkOrderSettings
    >>> judge_series([60.0] * 24, 24, 80.0, True, WorkOrderSettings())
    ('normal', 1.0)
    >>> judge_series([60.0] * 20 + [90.0] * 4, 24, 80.0, True, WorkOrderSettings())[0]
    'abnormal'
    """
    if not values or len(values) < settings.verify_min_coverage * max(expected, 1):
        return "no_data", None
    normal = sum(1 for v in values if (v <= threshold if high_is_bad else v >= threshold))
    share = normal / len(values)
    return ("normal" if share >= settings.verify_normal_share else "abnormal"), share


def kpi_metric(check: str) -> tuple[str, bool] | None:
    lowered = check.lower()
    for fragment, metric in KPI_METRICS.items():
        if fragment in lowered:
            return metric
    return None


def _high_is_bad(item: Mapping[str, Any], default: bool) -> bool:
    value, threshold = item.get("value"), item.get("threshold")
    if isinstance(value, int | float) and isinstance(threshold, int | float) and value != threshold:
        return value > threshold
    return default


def _check_kpi(
    conn: Conn,
    item: Mapping[str, Any],
    metric: tuple[str, bool],
    period: tuple[datetime, datetime],
    settings: WorkOrderSettings,
) -> CheckResult:
    column, default_high = metric
    high = _high_is_bad(item, default_high)
    threshold = item.get("threshold")
    cell = item.get("cell_id")
    name = str(item.get("check"))
    if not isinstance(threshold, int | float) or not cell:
        return CheckResult(name, cell, column, None, high, None, 0, "no_data")
    query = sql.SQL(KPI_HOURLY).format(column=sql.Identifier(column))
    rows = conn.execute(query, {"cell": cell, "start": period[0], "end": period[1]}).fetchall()
    values = [float(r[1]) for r in rows]
    expected = round((period[1] - period[0]).total_seconds() / 3600)
    result, _share = judge_series(values, expected, float(threshold), high, settings)
    observed = (max(values) if high else min(values)) if values else None
    return CheckResult(name, cell, column, float(threshold), high, observed, len(values), result)


def _check_alarm(
    conn: Conn, item: Mapping[str, Any], period: tuple[datetime, datetime]
) -> CheckResult:
    cell = item.get("cell_id")
    name = str(item.get("check"))
    if not cell:
        return CheckResult(name, None, "alarms", None, None, None, 0, "no_data")
    types = ["interference"] if "interference" in name else OUTAGE_ALARMS
    row = conn.execute(
        ALARMS_IN_PERIOD, {"cell": cell, "types": types, "start": period[0], "end": period[1]}
    ).fetchone()
    count = int(row[0]) if row else 0
    return CheckResult(
        name, cell, "alarms", 0.0, True, float(count), count, "abnormal" if count else "normal"
    )


def _check_mr(
    conn: Conn,
    order_id: str,
    item: Mapping[str, Any],
    period: tuple[datetime, datetime],
    settings: WorkOrderSettings,
) -> CheckResult:
    name = str(item.get("check"))
    threshold = item.get("threshold")
    unit = str(item.get("unit") or "").lower()
    rsrp = settings.verify_rsrp_dbm
    if unit == "dbm" and isinstance(threshold, int | float):
        rsrp = float(threshold)
    if unit == "share" and isinstance(threshold, int | float):
        need = 1.0 - float(threshold)  # weak share back under its threshold
    elif "median" in name:
        need = 0.5  # median RSRP back at or above the threshold
    else:
        need = settings.verify_mr_covered_share
    detail = f"share of MR samples ≥ {rsrp:.0f} dBm must be ≥ {need:.0%}"
    dlat = settings.verify_mr_radius_m / 111_320.0
    row = conn.execute(
        MR_NEAR,
        {"id": order_id, "threshold": rsrp, "start": period[0], "end": period[1], "dlat": dlat},
    ).fetchone()
    samples, covered = (int(row[0]), int(row[1])) if row else (0, 0)
    cell = item.get("cell_id")
    if samples < settings.verify_mr_min_samples:
        return CheckResult(
            name, cell, "mr_covered_share", need, False, None, samples, "no_data", detail
        )
    share = covered / samples
    result = "normal" if share >= need else "abnormal"
    return CheckResult(name, cell, "mr_covered_share", need, False, share, samples, result, detail)


def _check_registration(
    conn: Conn, order_id: str, item: Mapping[str, Any], period: tuple[datetime, datetime]
) -> CheckResult:
    row = conn.execute(REGISTRATIONS, {"id": order_id, "start": period[0], "end": period[1]})
    found = row.fetchone()
    total, registered = (int(found[0]), int(found[1])) if found else (0, 0)
    result = "no_data" if total == 0 else "normal" if registered == total else "abnormal"
    return CheckResult(
        str(item.get("check")),
        None,
        "registrations",
        None,
        None,
        float(registered) / total if total else None,
        total,
        result,
    )


def checks_for(
    conn: Conn,
    order_id: str,
    evidence: Sequence[Mapping[str, Any]],
    period: tuple[datetime, datetime],
    settings: WorkOrderSettings,
    cause: str | None = None,
) -> list[CheckResult]:
    """Re-evaluate each measurable abnormal finding of ``cause`` once (by check and cell)."""
    results: list[CheckResult] = []
    seen: set[tuple[str, str | None]] = set()
    for item in evidence:
        if item.get("finding") != "abnormal":
            continue
        if cause is not None and item.get("cause") not in (None, cause):
            continue
        check = str(item.get("check") or "")
        key = (check, item.get("cell_id"))
        if key in seen:
            continue
        seen.add(key)
        text = f"{check} {item.get('detail') or ''}".lower()
        metric = kpi_metric(check)
        if metric is not None:
            results.append(_check_kpi(conn, item, metric, period, settings))
        elif "alarm" in text:
            results.append(_check_alarm(conn, item, period))
        elif any(word in check.lower() for word in MR_WORDS):
            results.append(_check_mr(conn, order_id, item, period, settings))
        elif "registration" in check.lower():
            results.append(_check_registration(conn, order_id, item, period))
    return results


def outcome(results: Sequence[CheckResult], new_complaints: int) -> str:
    """recovered | not_recovered | pending | no_measurable_findings (pure).

    >>> outcome([], 0), outcome([], 2)
    ('no_measurable_findings', 'not_recovered')
    """
    if any(r.result == "abnormal" for r in results) or new_complaints > 0:
        return "not_recovered"
    if not results:
        return "no_measurable_findings"
    if any(r.result == "no_data" for r in results) and not any(
        r.result == "normal" for r in results
    ):
        return "pending"
    return "recovered"


def verify_order(conn: Conn, order_id: str, *, now: datetime, settings: WorkOrderSettings) -> str:
    """Check one resolved order; move it to verified or back to in_progress; return the outcome."""
    row = store.lock_order(conn, order_id)
    if row["status"] != "resolved" or row["resolved_at"] is None:
        return "skipped"
    start: datetime = row["resolved_at"]
    end = start + timedelta(hours=settings.verify_period_hours)
    if now < end:
        return "pending"
    period = (start, end)
    results = checks_for(conn, order_id, row["evidence"] or [], period, settings, row["cause"])
    count = conn.execute(NEW_COMPLAINTS, {"id": order_id, "start": start, "end": end}).fetchone()
    new_complaints = int(count[0]) if count else 0
    result = outcome(results, new_complaints)
    record = {
        "result": result,
        "checked_at": now.isoformat(),
        "period": [start.isoformat(), end.isoformat()],
        "new_complaints": new_complaints,
        "checks": [asdict(r) for r in results],
    }
    conn.execute(
        "UPDATE work_orders SET verification = %s WHERE work_order_id = %s",
        (Jsonb(record), order_id),
    )
    cal = store.load_calendar(conn, settings)
    if result in ("recovered", "no_measurable_findings"):
        store.transition(
            conn,
            order_id,
            "verified",
            actor="system",
            at=now,
            settings=settings,
            cal=cal,
            note=f"verification: {_summary(results, result)}",
        )
    elif result == "not_recovered":
        store.transition(
            conn,
            order_id,
            "in_progress",
            actor="system",
            at=now,
            settings=settings,
            cal=cal,
            note=f"verification failed: {_summary(results, result, new_complaints)}",
        )
    return result


def _summary(results: Sequence[CheckResult], result: str, new_complaints: int = 0) -> str:
    if not results and result == "no_measurable_findings":
        return "no measurable findings; no complaint since the fix"
    parts = [
        f"{r.metric}@{r.cell_id or '-'} {r.result}"
        + (
            f" ({r.observed:.4g} vs {r.threshold:.4g})"
            if r.observed is not None and r.threshold is not None
            else ""
        )
        for r in results
    ]
    if new_complaints:
        parts.append(f"{new_complaints} complaint(s) since the fix")
    return "; ".join(parts)


def verify_due(conn: Conn, *, now: datetime, settings: WorkOrderSettings) -> dict[str, int]:
    """Verify every resolved order whose period has passed; counts per outcome."""
    cutoff = now - timedelta(hours=settings.verify_period_hours)
    ids = [str(r[0]) for r in conn.execute(DUE_FOR_CHECK, {"cutoff": cutoff}).fetchall()]
    counts: dict[str, int] = {}
    for order_id in ids:
        result = verify_order(conn, order_id, now=now, settings=settings)
        counts[result] = counts.get(result, 0) + 1
    return counts
